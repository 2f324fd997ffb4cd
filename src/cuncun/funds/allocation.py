"""The competitive allocation of money to townships (竞争性分配资金), as the plan's
`[[competitive_allocation]]` entry says: the six policy areas' work of each township is its
weight. Where the plan's assessment scheme has township items for the year, a township's weight
is its assessment score (`oversight.queries.assessment_scores`); otherwise it is the mean of the
entry's indicators, each its value against the target in force for the township at the year's
end (or today while the year runs), at most 100%. The money is shared in proportion to the
weights, to the fen (`awards.share_out`)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core.indicators import registry
from cuncun.core.money import CENT
from cuncun.funds.awards import share_out
from cuncun.funds.models import CompetitiveAllocationRule
from cuncun.network.indicators import townships_counted_in
from cuncun.oversight.models import Assessed
from cuncun.oversight.queries import assessment_scores
from cuncun.plans.models import Plan
from cuncun.plans.progress import target_in_force
from cuncun.regions.models import RegionUnit

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class Basis:
    ASSESSMENT = "assessment"  # the year's assessment scores of townships
    INDICATORS = "indicators"  # the plan entry's indicators, no assessment that year


@dataclass(frozen=True)
class TownshipShare:
    township: RegionUnit
    score: Decimal  # 0-100
    explanation: str  # how the score was reached, for the page and the export
    percent: Decimal  # its part of the money, percent of all scores
    amount: Decimal | None  # yuan, when an amount is being shared


@dataclass(frozen=True)
class Allocation:
    rule: CompetitiveAllocationRule
    year: int
    basis: str
    day: date  # the day the indicators are measured on
    pool: Decimal | None
    shares: list[TownshipShare]

    @property
    def basis_label(self) -> str:
        if self.basis == Basis.ASSESSMENT:
            return _("the %(year)s assessment of townships") % {"year": self.year}
        return _(
            "the plan's indicators on %(day)s (the plan has no assessment of townships for "
            "%(year)s)"
        ) % {"day": self.day.isoformat(), "year": self.year}


def allocation_rule(plan: Plan | None) -> CompetitiveAllocationRule | None:
    if plan is None:
        return None
    return CompetitiveAllocationRule.objects.filter(plan=plan).order_by("id").first()


def measuring_day(year: int, today: date | None = None) -> date:
    return min(date(year, 12, 31), today or timezone.localdate())


def has_assessment(plan: Plan, year: int) -> bool:
    return plan.assessment_items.filter(year=year, assessed=Assessed.TOWNSHIP).exists()


def _assessment_scores(plan: Plan, year: int) -> dict[int, tuple]:
    found = {}
    for subject, score, rank in assessment_scores(year=year, plan=plan):
        if isinstance(subject, RegionUnit):
            explanation = _("assessment %(year)s: %(score)s points, rank %(rank)s") % {
                "year": year,
                "score": score,
                "rank": rank,
            }
            found[subject.pk] = (subject, score, explanation)
    return found


def _indicator_part(code: str, plan: Plan, township: RegionUnit, day: date) -> tuple:
    """(the indicator's part 0..1, a phrase saying why)."""
    indicator = registry.get(code)
    if indicator is None:
        return Decimal(0), _("%s: not registered here, counts 0") % code
    value = indicator.compute(township, day).value
    target = target_in_force(code, plan, day, township)
    if value is None or target is None or not target.value:
        return Decimal(0), _("%(name)s: %(value)s, no target, counts 0") % {
            "name": indicator.name,
            "value": "—" if value is None else value,
        }
    part = max(Decimal(0), min(Decimal(1), Decimal(value) / target.value))
    return part, _("%(name)s %(value)s of %(target)s") % {
        "name": indicator.name,
        "value": value,
        "target": format(target.value.normalize(), "f"),
    }


def _indicator_scores(rule, plan: Plan, day: date) -> dict[int, tuple]:
    found = {}
    codes = rule.indicators
    for township in townships_counted_in(plan.county).order_by("code", "id"):
        parts = [_indicator_part(code, plan, township, day) for code in codes]
        mean = sum((p for p, _why in parts), Decimal(0)) / len(codes)
        score = (mean * HUNDRED).quantize(CENT, ROUND_HALF_UP)
        found[township.pk] = (township, score, "; ".join(why for _p, why in parts))
    return found


def competitive_allocation(
    plan: Plan, year: int, pool: Decimal | None = None, today: date | None = None
) -> Allocation | None:
    """Each township's score, share and (given a sum of money) amount for the year; None when
    the plan has no competitive allocation."""
    rule = allocation_rule(plan)
    if rule is None:
        return None
    day = measuring_day(year, today)
    if has_assessment(plan, year):
        basis, scores = Basis.ASSESSMENT, _assessment_scores(plan, year)
    else:
        basis, scores = Basis.INDICATORS, _indicator_scores(rule, plan, day)
    weights = {pk: score for pk, (_t, score, _e) in scores.items()}
    total = sum((w for w in weights.values() if w > 0), ZERO)
    amounts = share_out(pool, weights) if pool else {}
    shares = [
        TownshipShare(
            township=township,
            score=score,
            explanation=explanation,
            percent=(score * HUNDRED / total).quantize(CENT, ROUND_HALF_UP)
            if total and score > 0
            else ZERO,
            amount=amounts.get(pk, ZERO) if pool else None,
        )
        for pk, (township, score, explanation) in scores.items()
    ]
    shares.sort(key=lambda s: (-s.score, s.township.code or "", s.township.pk))
    return Allocation(rule=rule, year=year, basis=basis, day=day, pool=pool, shares=shares)
