"""The rule checker: a budget (a list of lines) against the plan's `[[fund_rule]]` rows.

Nothing here knows a county or a figure: every amount, share and count comes from the rule rows,
and each violation quotes its rule's sentence with the figures (how much, the limit, how far past
it). The same functions check a budget file that is never saved and the budget in the database
before and after each change (`worsened`).

How the plan's words are read:
- a category includes its sub-categories named `<category>_…` (the warehouses of
  `logistics_warehouse` are part of the logistics system of `logistics`);
- "the fund" is the central money (中央财政资金): the fund's size, a minimum share of it and a
  rule `per = "fund"` count the lines whose source is central; caps per category, project or
  site count the fund's whole support of a line;
- `annual_budget` is a sum for every year of the plan, so a budget may hold it once per year.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.core.money import CENT, format_yuan
from cuncun.funds.models import FundSource
from cuncun.plans.models import FundRuleKind, FundRulePer

ZERO = Decimal("0.00")

# What the categories of a plan are called on a page; a county's own key shows as written.
CATEGORY_NAMES = {
    "fund": gettext_lazy("the whole fund"),
    "public_service_center": gettext_lazy("public service center"),
    "civil_works": gettext_lazy("civil works"),
    "logistics": gettext_lazy("logistics system"),
    "logistics_warehouse": gettext_lazy("logistics warehouse and distribution center"),
    "land_purchase": gettext_lazy("land purchase"),
    "delivery_subsidy": gettext_lazy("delivery subsidies"),
    "training": gettext_lazy("training system"),
    "township_station": gettext_lazy("township station"),
    "village_point": gettext_lazy("village service point"),
    "brand_trace_quality": gettext_lazy("brand, traceability and quality"),
    "trading_platform": gettext_lazy("online trading platform"),
    "traffic_purchase": gettext_lazy("buying traffic"),
    "sales_reward": gettext_lazy("online sales reward"),
}


def category_name(key: str) -> str:
    return str(CATEGORY_NAMES.get(key, key))


@dataclass(frozen=True)
class Line:
    """One line of a budget: a project in the database, or a row of a budget file."""

    key: str  # the project's code, or "row N"
    category: str
    support: Decimal
    total_investment: Decimal
    source: str  # FundSource
    site_code: str = ""
    row: int | None = None  # the file's row number, for a file
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.key


@dataclass(frozen=True)
class Violation:
    rule: str  # the rule's key
    sentence: str
    message: str
    group: str  # what the rule was measured on: a category, a project's key, a site's code
    total: Decimal  # what the budget holds there (yuan, or a count)
    limit: Decimal  # the rule's limit there
    amounts: tuple[tuple[str, Decimal], ...] = field(default=())  # each line's part of `total`
    row: int | None = None
    standing: bool = False  # a rule of the whole budget not met yet, never a reason to refuse
    is_count: bool = False  # total and limit count projects, not yuan

    @property
    def over(self) -> Decimal:
        """How far past the rule: above a cap, or short of a minimum."""
        return self.limit - self.total if self.standing else self.total - self.limit

    def left_for(self, key: str) -> Decimal:
        """What the rule leaves for one line, given every other line."""
        others = self.total - sum((amount for k, amount in self.amounts if k == key), ZERO)
        return max(self.limit - others, ZERO)


def in_category(line: Line, category: str) -> bool:
    return line.category == category or line.category.startswith(category + "_")


def counts_for(rule, line: Line) -> Decimal:
    """The part of a line's support a rule counts."""
    measures_the_fund = rule.kind in {FundRuleKind.FUND_SIZE, FundRuleKind.MIN_SHARE_OF_FUND}
    if (measures_the_fund or rule.per == FundRulePer.FUND) and line.source != FundSource.CENTRAL:
        return ZERO
    return line.support


def _figure(value: Decimal, is_count: bool) -> str:
    return str(int(value)) if is_count else format_yuan(value)


def _violation(
    rule,
    group: str,
    subject: str,
    total,
    limit,
    members: list[Line],
    *,
    standing=False,
    count=False,
):
    figures = {
        "sentence": rule.sentence,
        "subject": subject,
        "total": _figure(total, count),
        "limit": _figure(limit, count),
        "over": _figure(abs(total - limit), count),
    }
    if standing:
        text = _(
            "“%(sentence)s”: %(subject)s holds %(total)s, at least %(limit)s is needed, "
            "%(over)s short."
        )
    elif rule.kind == FundRuleKind.FORBIDDEN:
        text = _(
            "“%(sentence)s”: %(subject)s asks %(total)s of the fund, which may pay nothing "
            "for this."
        )
    elif count:
        text = _(
            "“%(sentence)s”: %(subject)s has %(total)s projects, at most %(limit)s are allowed."
        )
    else:
        text = _(
            "“%(sentence)s”: %(subject)s comes to %(total)s, the limit is %(limit)s, "
            "%(over)s too much."
        )
    rows = {line.row for line in members}
    return Violation(
        rule=rule.key,
        sentence=rule.sentence,
        message=text % figures,
        group=group,
        total=total,
        limit=limit,
        amounts=tuple(
            (line.key, Decimal(1) if count else counts_for(rule, line)) for line in members
        ),
        row=rows.pop() if len(rows) == 1 else None,
        standing=standing,
        is_count=count,
    )


def _line_subject(line: Line) -> str:
    return _("project %(project)s") % {"project": line.label}


def _category_subject(category: str) -> str:
    return _("the category %(category)s") % {"category": category_name(category)}


def _sum(rule, lines: list[Line]) -> Decimal:
    return sum((counts_for(rule, line) for line in lines), ZERO)


def _fund_size(rules) -> Decimal | None:
    sizes = [r.amount for r in rules if r.kind == FundRuleKind.FUND_SIZE and r.amount is not None]
    return min(sizes) if sizes else None


def _check_rule(
    rule, lines: list[Line], *, fund_size: Decimal | None, years: int
) -> list[Violation]:
    kind = rule.kind
    if kind == FundRuleKind.FUND_SIZE:
        members = [line for line in lines if counts_for(rule, line)]
        total = _sum(rule, members)
        return (
            [_violation(rule, "fund", category_name("fund"), total, rule.amount, members)]
            if total > rule.amount
            else []
        )
    members = [
        line for line in lines if in_category(line, rule.category) and counts_for(rule, line)
    ]
    if kind == FundRuleKind.FORBIDDEN:
        return [
            _violation(rule, line.key, _line_subject(line), line.support, ZERO, [line])
            for line in members
        ]
    if kind == FundRuleKind.CAP_SHARE_OF_PROJECT:
        found = []
        for line in members:
            limit = (rule.share * line.total_investment).quantize(CENT, rounding=ROUND_DOWN)
            if line.support > limit:
                found.append(
                    _violation(rule, line.key, _line_subject(line), line.support, limit, [line])
                )
        return found
    if kind == FundRuleKind.CAP_COUNT:
        if len(members) > rule.count:
            subject = _category_subject(rule.category)
            return [
                _violation(
                    rule,
                    rule.category,
                    subject,
                    Decimal(len(members)),
                    Decimal(rule.count),
                    members,
                    count=True,
                )
            ]
        return []
    if kind == FundRuleKind.MIN_SHARE_OF_FUND:
        if fund_size is None:
            return []
        limit = (rule.share * fund_size).quantize(CENT)
        total = _sum(rule, members)
        subject = _category_subject(rule.category)
        return (
            [_violation(rule, rule.category, subject, total, limit, members, standing=True)]
            if total < limit
            else []
        )
    if kind == FundRuleKind.ANNUAL_BUDGET:
        limit = rule.amount * years
        total = _sum(rule, members)
        return (
            [
                _violation(
                    rule, rule.category, _category_subject(rule.category), total, limit, members
                )
            ]
            if total > limit
            else []
        )
    if kind == FundRuleKind.CAP_AMOUNT:
        return [
            _violation(
                rule, group_id, _group_subject(rule, group_id, group), total, rule.amount, group
            )
            for group_id, group in _groups(rule, members)
            if (total := _sum(rule, group)) > rule.amount
        ]
    return []


def _groups(rule, members: list[Line]) -> list[tuple[str, list[Line]]]:
    """What a cap applies to, as (id, lines): the category's lines together, each project, or
    each site (a line with no site stands for a site of its own)."""
    if rule.per == FundRulePer.PROJECT:
        return [(line.key, [line]) for line in members]
    if rule.per == FundRulePer.SITE:
        by_site: dict[str, list[Line]] = defaultdict(list)
        for line in members:
            by_site[line.site_code or line.key].append(line)
        return list(by_site.items())
    return [(rule.category, members)]


def _group_subject(rule, group_id: str, group: list[Line]) -> str:
    """What a person reads for a group, made only for a group that breaks its rule."""
    if rule.per == FundRulePer.SITE and group[0].site_code == group_id:
        return _("site %(site)s") % {"site": group_id}
    if rule.per in (FundRulePer.PROJECT, FundRulePer.SITE):
        return _line_subject(group[0])
    return _category_subject(rule.category)


def check_budget(rules, lines: list[Line], *, years: int = 1) -> list[Violation]:
    """Every rule against a whole budget: the violations, standing ones (a minimum not yet met)
    included. `years`: how many years the plan runs (for `annual_budget`)."""
    rules = list(rules)
    fund_size = _fund_size(rules)
    found = []
    for rule in rules:
        found += _check_rule(rule, lines, fund_size=fund_size, years=years)
    return found


def worsened(before: list[Violation], after: list[Violation]) -> list[Violation]:
    """The violations a change makes or makes worse. Standing ones (a minimum share) are not a
    reason to refuse a change, and a budget already past a rule (a plan reloaded with a lower cap)
    may still be brought back towards it."""
    was = {(v.rule, v.group): v.over for v in before if not v.standing}
    return [v for v in after if not v.standing and v.over > was.get((v.rule, v.group), ZERO)]


def plan_categories(rules) -> list[str]:
    """The categories a budget line may name: every category of the plan's rules but the fund's."""
    seen = []
    for rule in rules:
        if rule.kind != FundRuleKind.FUND_SIZE and rule.category not in seen:
            seen.append(rule.category)
    return seen


def plan_years(plan) -> int:
    return plan.ends_on.year - plan.starts_on.year + 1
