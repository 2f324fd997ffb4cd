from datetime import date
from decimal import Decimal

from ninja import Schema


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class ProductSummary(Schema):
    id: int
    name: str
    category: str
    merchant_id: int
    merchant: str
    origin: str | None
    min_price: Decimal
    available: int
    in_season: bool


class ProductPage(Schema):
    count: int
    page: int
    items: list[ProductSummary]


class SkuOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    grade: str
    net_weight_kg: Decimal | None
    price: Decimal
    available: int


class SeasonOut(Schema):
    starts: str  # MM-DD
    ends: str


class ProductOut(Schema):
    id: int
    name: str
    description: str
    category: str
    merchant_id: int
    merchant: str
    origin: str | None
    in_season: bool
    seasons: list[SeasonOut]
    photos: list[str]  # each photo's address on this site (/catalog/files/photos/<id>/)
    skus: list[SkuOut]


class SkuIn(Schema):
    unit: str
    price: Decimal
    name: str = ""
    grade: str = ""
    net_weight_kg: Decimal | None = None
    code: str = ""


class ProductIn(Schema):
    merchant: int
    name: str
    category: str  # category code
    description: str = ""
    origin: int | None = None  # region unit id
    skus: list[SkuIn]
    seasons: list[tuple[int, int]] = []  # [[MMDD from, MMDD to]]
    listed: bool = True


class StockIn(Schema):
    site: str  # site code
    quantity: int


class StockOut(Schema):
    sku: int
    site: str
    quantity: int
    quantity_allocated: int
    available: int


class PriceIn(Schema):
    price: Decimal


class DayQuery(Schema):
    on: date | None = None
