"""Sections of the plan file that belong to apps above `plans`.

The plan file is one document (report forms and the assessment scheme are written in it beside the
targets they speak of), but their tables live in the apps that use them. Such an app registers its
section here in its AppConfig.ready(); `read_plan_file` checks it like its own sections (every
entry quotes the plan) and `load_plan` syncs it by key in the same transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanSection:
    name: str  # the array of tables in the file: [[report_form]]
    model: type  # a plans.models.PlanEntry subclass of the owning app
    fields: dict[str, tuple]  # as plan_file.SECTIONS: name -> (type, required, allowed values)
    # Fields naming entries of another section ("member_unit", "milestone", "target"): a key, or
    # a list of keys. A list of member units is stored as the model's many-to-many of that name.
    references: dict[str, str] = field(default_factory=dict)
    # Further checks of one entry: the reasons it is wrong, in the user's language.
    check: Callable[[dict], list[str]] | None = None


_sections: dict[str, PlanSection] = {}


def register(section: PlanSection) -> None:
    _sections[section.name] = section


def registered() -> list[PlanSection]:
    return list(_sections.values())
