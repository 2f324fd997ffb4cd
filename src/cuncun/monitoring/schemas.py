from datetime import date
from decimal import Decimal

from ninja import Field, Schema


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    description: str


class IndicatorValueOut(Schema):
    code: str
    region: str
    on: str
    # JSON numbers: ratios and counts, not money, so a float's last digit does not matter here.
    value: float | None
    numerator: float
    denominator: float | None
    target: float | None
    comparison: str | None
    deadline: str | None
    target_sentence: str | None
    met: bool | None
    note: str | None = None


class SalesFilter(Schema):
    region: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    by: str = "month"


class SalesItem(Schema):
    key: str | int | bool | None
    label: str
    transactions: Decimal
    online_retail: Decimal
    farm_products: Decimal
    parcels: int | None = Field(
        None, description="Parcels delivered; null when grouped by something parcels lack"
    )


class SalesOut(Schema):
    items: list[SalesItem]


class LineIn(Schema):
    platform: str
    farm_sales: Decimal
    other_sales: Decimal
    orders: int
    b2b_sales: Decimal = Decimal(0)


class ReportIn(Schema):
    merchant: int
    month: str  # YYYY-MM
    lines: list[LineIn]
    reason: str = ""


class ReportOut(Schema):
    id: int
    merchant: int
    month: str
    revision: int
    status: str
    counts: bool
    due_on: date
    late: bool
    lines: list[LineIn]
