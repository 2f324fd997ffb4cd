"""The plan file's sections that oversight owns: [[report_form]], [[milestone_check]] and
[[assessment_item]]. Registered with `plans` when the app is ready."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cuncun.network.models import SiteKind
from cuncun.oversight.models import (
    Assessed,
    AssessmentItem,
    FieldType,
    MilestoneCheck,
    ReportForm,
    ScoringMethod,
)
from cuncun.oversight.periods import PeriodType
from cuncun.plans.sections import PlanSection, register

NUMBER = (int, Decimal)
LAST_DAY = 28  # a day every month has


def _one_of(choices):
    return {value for value, _label in choices}


def check_report_form(entry: dict) -> list[str]:
    reasons = []
    due, lock = entry.get("due_day"), entry.get("lock_day")
    if isinstance(due, int) and isinstance(lock, int) and not 1 <= due <= lock <= LAST_DAY:
        reasons.append(_("due_day and lock_day must be days 1-28 with due_day ≤ lock_day"))
    fields = entry.get("fields")
    if not isinstance(fields, list) or not fields:
        return [*reasons, _("a report form needs its fields")]
    keys = set()
    for field in fields:
        if not isinstance(field, dict) or set(field) - {"key", "label", "type", "unit"}:
            reasons.append(_("each field is {key, label, type, unit}"))
            continue
        if not field.get("key") or not field.get("label") or field["key"] in keys:
            reasons.append(_("each field needs its own key and a label"))
        if field.get("type") not in _one_of(FieldType.choices):
            reasons.append(_("field %s: type must be number, integer or text") % field.get("key"))
        keys.add(field.get("key"))
    return reasons


def check_milestone_check(entry: dict) -> list[str]:
    by_target, by_site = bool(entry.get("target")), bool(entry.get("site_kind"))
    if by_target == by_site:
        return [_("a milestone check names either a target or a site_kind")]
    if by_site and entry.get("site_kind") not in _one_of(SiteKind.choices):
        return [_("unknown site_kind %s") % entry.get("site_kind")]
    return []


def check_assessment_item(entry: dict) -> list[str]:
    method = entry.get("method")
    if method in ScoringMethod.NEEDS_INDICATOR and not entry.get("indicator"):
        return [_("%s items need an indicator") % method]
    if method == ScoringMethod.THRESHOLD and entry.get("target") is None:
        return [_("threshold items need a target")]
    return []


SECTIONS = [
    PlanSection(
        name="report_form",
        model=ReportForm,
        fields={
            "title": (str, True, None),
            "period_type": (str, True, _one_of(PeriodType.choices)),
            "due_day": (int, True, None),
            "lock_day": (int, True, None),
            "fields": (list, True, None),
            "obliged": (list, True, None),
        },
        references={"obliged": "member_unit"},
        check=check_report_form,
    ),
    PlanSection(
        name="milestone_check",
        model=MilestoneCheck,
        fields={
            "milestone": (str, True, None),
            "target": (str, False, None),
            "site_kind": (str, False, None),
            "site_count": (int, False, None),
        },
        references={"milestone": "milestone", "target": "target"},
        check=check_milestone_check,
    ),
    PlanSection(
        name="assessment_item",
        model=AssessmentItem,
        fields={
            "year": (int, True, None),
            "assessed": (str, True, _one_of(Assessed.choices)),
            "label": (str, True, None),
            "points": (NUMBER, True, None),
            "method": (str, True, _one_of(ScoringMethod.choices)),
            "indicator": (str, False, None),
            "target": (NUMBER, False, None),
        },
        check=check_assessment_item,
    ),
]


def register_sections() -> None:
    for section in SECTIONS:
        register(section)
