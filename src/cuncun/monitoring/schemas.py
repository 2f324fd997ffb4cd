from ninja import Schema


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
