"""Indicators against the plan's targets, for a region unit and a day."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cuncun.core.errors import NotFound
from cuncun.core.indicators import Indicator, registry
from cuncun.plans.models import Target
from cuncun.plans.queries import plan_in_force, targets_for
from cuncun.regions.models import RegionUnit


@dataclass(frozen=True)
class Evaluation:
    indicator: Indicator
    region: RegionUnit
    day: date
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal | None
    target: Target | None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.target.is_met_by(self.value)

    def as_dict(self) -> dict:
        t = self.target
        return {
            "code": self.indicator.code,
            "region": self.region.code or str(self.region.pk),
            "on": self.day.isoformat(),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": t.value if t else None,
            "comparison": t.comparison if t else None,
            "deadline": t.deadline.isoformat() if t and t.deadline else None,
            "target_sentence": t.sentence if t else None,
            "met": self.met,
        }


def indicator(code: str) -> Indicator:
    found = registry.get(code)
    if found is None:
        raise NotFound(details={"indicator": code})
    return found


def applicable_target(targets: list[Target], day: date) -> Target | None:
    """The target in force on a day: the next one whose deadline is still ahead, else the last
    (a plan's later, higher target takes over once the earlier deadline has passed)."""
    if not targets:
        return None
    dated = sorted(targets, key=lambda t: (t.deadline is None, t.deadline or date.max))
    for target in dated:
        if target.deadline is None or target.deadline >= day:
            return target
    return dated[-1]


def evaluate(code: str, region: RegionUnit, day: date) -> Evaluation:
    ind = indicator(code)
    measurement = ind.compute(region, day)
    plan = plan_in_force(region.county(), on=day)
    return Evaluation(
        indicator=ind,
        region=region,
        day=day,
        value=measurement.value,
        numerator=measurement.numerator,
        denominator=measurement.denominator,
        target=applicable_target(targets_for(code, plan), day) if plan else None,
    )


def series(code: str, region: RegionUnit, days: list[date]) -> list[Evaluation]:
    return [evaluate(code, region, day) for day in days]
