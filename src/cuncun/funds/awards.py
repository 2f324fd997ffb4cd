"""The online-sales subsidy and the yearly reward, computed from businesses' monthly online sales.

The figures come in as an argument shaped like monitoring's
`monthly_online_sales(year=…) -> {merchant_id: {month: Decimal}}` (the latest accepted reports),
so that nothing here reads another app's tables; the thresholds, rate and pool are the plan's
`[[subsidy_rule]]` and `annual_budget` rows.

How the plan's words are read:
- an application threshold (1－4月份网络销售额达150万元) is met by the sales of January through
  its month, added up, reaching the threshold;
- the subsidy (全年累计销售额达500万元以上的，按照销售额的2%给予补助) is the rate times the whole
  year's sales, for a business whose year reaches the threshold;
- the reward pool (每年市财政安排100万元，对线上销售额达到目标要求的进行奖励) goes to the
  businesses that reached the subsidy's yearly threshold, in proportion to their year's sales,
  to the fen, the remainders going to the largest sales so that it adds up to the pool exactly.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from cuncun.core.money import CENT
from cuncun.plans.models import SubsidyRuleKind

ZERO = Decimal("0.00")
MonthlySales = dict[int, dict[int, Decimal]]  # merchant id -> month (1-12) -> online sales


def sales_through(months: dict[int, Decimal], month: int) -> Decimal:
    return sum((amount for m, amount in months.items() if 1 <= m <= month), ZERO)


@dataclass(frozen=True)
class Crossing:
    """A business whose sales from January reached an application threshold by its month."""

    merchant_id: int
    rule_key: str
    through_month: int
    threshold: Decimal
    sales: Decimal


def threshold_crossings(rules, sales: MonthlySales) -> list[Crossing]:
    """Every application threshold each business reached, earliest month first."""
    thresholds = [r for r in rules if r.kind == SubsidyRuleKind.APPLICATION_THRESHOLD]
    found = []
    for rule in sorted(thresholds, key=lambda r: r.through_month):
        for merchant_id, months in sorted(sales.items()):
            to_date = sales_through(months, rule.through_month)
            if to_date >= rule.threshold:
                found.append(
                    Crossing(merchant_id, rule.key, rule.through_month, rule.threshold, to_date)
                )
    return found


@dataclass(frozen=True)
class Subsidy:
    merchant_id: int
    rule_key: str
    sales: Decimal  # the year's sales through the rule's month
    rate: Decimal
    amount: Decimal


def yearly_rule(rules):
    """The plan's subsidy on a year's sales (rate_on_sales), or None."""
    return next((r for r in rules if r.kind == SubsidyRuleKind.RATE_ON_SALES), None)


def eligible_subsidies(rules, sales: MonthlySales) -> dict[int, Subsidy]:
    """The businesses whose year reached the threshold, each with its subsidy to the fen."""
    rule = yearly_rule(rules)
    if rule is None:
        return {}
    found = {}
    for merchant_id, months in sorted(sales.items()):
        year = sales_through(months, rule.through_month)
        if year >= rule.threshold:
            amount = (rule.rate * year).quantize(CENT, rounding=ROUND_DOWN)
            found[merchant_id] = Subsidy(merchant_id, rule.key, year, rule.rate, amount)
    return found


def share_out(pool: Decimal, weights: dict) -> dict:
    """`pool` shared in proportion to positive weights, to the fen, rounding down; the fen left
    go one each to the largest weights (ties: the smaller key) so the shares add up to the pool
    exactly. Nothing for a key whose weight is not positive."""
    weights = {k: w for k, w in weights.items() if w > 0}
    total = sum(weights.values(), ZERO)
    if not weights or total <= 0 or pool <= 0:
        return {}
    shares = {k: (pool * w / total).quantize(CENT, rounding=ROUND_DOWN) for k, w in weights.items()}
    left = int((pool - sum(shares.values())) / CENT)
    for key in sorted(weights, key=lambda k: (-weights[k], k))[:left]:
        shares[key] += CENT
    return shares


def allocate_reward(pool: Decimal, rules, sales: MonthlySales) -> dict[int, Decimal]:
    """The year's reward pool shared by the businesses that reached the yearly threshold, in
    proportion to their sales; the fen left by rounding down go one each to the largest sales."""
    winners = eligible_subsidies(rules, sales)
    return share_out(pool, {m: s.sales for m, s in winners.items()})
