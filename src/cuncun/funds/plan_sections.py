"""The plan file's section that the fund owns: [[competitive_allocation]], the plan's competitive
allocation of money to townships. Registered with `plans` when the app is ready."""

from django.utils.translation import gettext as _

from cuncun.funds.models import CompetitiveAllocationRule
from cuncun.plans.sections import PlanSection, register


def check_competitive_allocation(entry: dict) -> list[str]:
    indicators = entry.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        return [_("a competitive allocation names the indicators it uses without an assessment")]
    if not all(isinstance(code, str) and code for code in indicators):
        return [_("each indicator is a code")]
    return []


SECTION = PlanSection(
    name="competitive_allocation",
    model=CompetitiveAllocationRule,
    fields={"label": (str, True, None), "indicators": (list, True, None)},
    check=check_competitive_allocation,
)


def register_sections() -> None:
    register(SECTION)
