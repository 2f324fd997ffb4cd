"""Reads of the plan. Other apps take their numbers from here, never from literals."""

from datetime import date

from django.db.models import Prefetch

from cuncun.core.errors import NotFound
from cuncun.plans.models import (
    FundRule,
    FundRuleKind,
    MemberUnit,
    Milestone,
    Plan,
    ReportingRule,
    SubsidyRule,
    Target,
)


def plan_in_force(county=None, on: date | None = None) -> Plan | None:
    """The plan that covers `on` (or the newest one), for a county (or the only county)."""
    plans = Plan.objects.all()
    if county is not None:
        plans = plans.filter(county=county)
    if on is not None:
        covering = plans.filter(starts_on__lte=on).order_by("-starts_on").first()
        if covering is not None:
            return covering
    return plans.order_by("-starts_on").first()


def next_plan_starts(plan: Plan) -> date | None:
    """The day a newer plan of the county starts, where this plan's time ends (None: it runs on
    until one does)."""
    return (
        Plan.objects.filter(county_id=plan.county_id, starts_on__gt=plan.starts_on)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )


def targets_for(indicator: str, plan: Plan | None = None) -> list[Target]:
    """The targets that an indicator is measured against, earliest deadline first."""
    plan = plan or plan_in_force()
    if plan is None:
        return []
    return list(plan.targets.filter(indicator=indicator).order_by("deadline", "id"))


def target(key: str, plan: Plan | None = None) -> Target:
    plan = plan or plan_in_force()
    found = plan.targets.filter(key=key).first() if plan else None
    if found is None:
        raise NotFound(details={"target": key})
    return found


def member_units_carrying_out(task: str, plan: Plan | None = None) -> list[MemberUnit]:
    """The member units the plan gives a task (MemberUnitTask). A plan has a few dozen units, and
    a JSON "contains" lookup is not portable to SQLite, so the list is filtered here."""
    plan = plan or plan_in_force()
    if plan is None:
        return []
    return [unit for unit in plan.member_units.all() if task in unit.carries_out]


def fund_rules(plan: Plan, category: str | None = None) -> list[FundRule]:
    rules = plan.fund_rules.all()
    return list(rules.filter(category=category) if category else rules)


def fund_cap(plan: Plan | None, category: str) -> FundRule | None:
    """The plan's cap on what the special fund spends on a category (e.g. "training"), or None."""
    if plan is None:
        return None
    return next(
        (
            rule
            for rule in fund_rules(plan, category)
            if rule.kind == FundRuleKind.CAP_AMOUNT and rule.amount is not None
        ),
        None,
    )


def subsidy_rules(plan: Plan) -> list[SubsidyRule]:
    return list(plan.subsidy_rules.order_by("through_month"))


def plan_page(plan_code: str | None = None) -> Plan:
    plans = Plan.objects.select_related("county").prefetch_related(
        "phases",
        "targets",
        "fund_rules",
        "subsidy_rules",
        "member_units",
        Prefetch(
            "milestones",
            queryset=Milestone.objects.select_related("phase").prefetch_related("responsible"),
        ),
    )
    plan = (
        plans.filter(code=plan_code).first() if plan_code else plans.order_by("-starts_on").first()
    )
    if plan is None:
        raise NotFound()
    return plan


def reporting_rule(plan: Plan | None, *, form: str, indicator: str = "") -> ReportingRule | None:
    """The plan's rule for a regular report (when it is due, who enters it), or None."""
    if plan is None:
        return None
    rules = plan.reporting_rules.select_related("member_unit").filter(form=form)
    return rules.filter(indicator=indicator).first() if indicator else rules.first()
