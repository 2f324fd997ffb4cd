from ninja import Schema


class RegionOut(Schema):
    id: int
    code: str | None
    name: str
    kind: str
    level: str
    parent_id: int | None
    parent_code: str | None
    path: str
    opening_date: str | None
    closing_date: str | None

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_opening_date(obj):
        return obj.opening_date.isoformat() if obj.opening_date else None

    @staticmethod
    def resolve_closing_date(obj):
        return obj.closing_date.isoformat() if obj.closing_date else None


class RegionList(Schema):
    count: int
    items: list[RegionOut]
