"""An indicator's value against the plan's target in force: what every page and the indicator API
show. It lives with the plan (not in `monitoring`) so that the apps above monitoring may show their
own progress without an upward import."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cuncun.core.errors import NotFound
from cuncun.core.indicators import Indicator, registry
from cuncun.plans.models import (
    Comparison,
    Plan,
    Target,
    TargetPeriod,
    TargetScope,
    TargetUnit,
)
from cuncun.plans.queries import fund_cap, plan_in_force, targets_for
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
    def code(self) -> str:
        return self.indicator.code

    @property
    def name(self) -> str:
        return str(self.indicator.name)

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.target.is_met_by(self.value)

    @property
    def share_of_target(self) -> int | None:
        """How far along (0-100) a "≥" count target is, for a progress bar."""
        t = self.target
        if t is None or self.value is None or t.comparison not in (">=", ">") or not t.value:
            return None
        return min(100, int(Decimal(self.value) * 100 / Decimal(t.value)))

    def as_dict(self) -> dict:
        t = self.target
        return {
            "code": self.code,
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


def target_in_force(code: str, plan: Plan | None, day: date, region: RegionUnit) -> Target | None:
    """The target in force for a unit on a day: the next one whose deadline is still ahead, else
    the last (a plan's later, higher target takes over once the earlier deadline has passed)."""
    targets = [t for t in (targets_for(code, plan) if plan else []) if t.applies_to(region)]
    if not targets:
        cap = _fund_cap(indicator(code), plan)
        targets = [cap] if cap is not None and cap.applies_to(region) else []
    if not targets:
        return None
    dated = sorted(targets, key=lambda t: (t.deadline is None, t.deadline or date.max))
    for target in dated:
        if target.deadline is None or target.deadline >= day:
            return target
    return dated[-1]


def _fund_cap(ind: Indicator, plan: Plan | None) -> Target | None:
    """A fund rule capping the indicator's spending, read as an at-most target of the county. The
    Target is never saved: it is the fund rule seen from the indicator."""
    rule = fund_cap(plan, ind.fund_category) if ind.fund_category else None
    if rule is None:
        return None
    return Target(
        plan=plan,
        key=rule.key,
        indicator=ind.code,
        label=rule.label,
        comparison=Comparison.AT_MOST,
        value=rule.amount,
        unit=TargetUnit.CNY,
        period=TargetPeriod.PLAN,
        scope=TargetScope.COUNTY,
        sentence=rule.sentence,
    )


def evaluate(code: str, region: RegionUnit, day: date) -> Evaluation:
    ind = indicator(code)
    measurement = ind.compute(region, day)
    return Evaluation(
        indicator=ind,
        region=region,
        day=day,
        value=measurement.value,
        numerator=measurement.numerator,
        denominator=measurement.denominator,
        target=target_in_force(code, plan_in_force(region.county(), on=day), day, region),
    )
