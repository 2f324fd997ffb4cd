from ninja import Schema


class ViolationOut(Schema):
    row: int | None
    rule: str
    message: str


class BudgetCheckOut(Schema):
    ok: bool
    violations: list[ViolationOut]
