"""Who may see and do what in oversight.

- The county office (市电商办) reviews reports and milestone completions, scores the manual items
  of the assessment and publishes it; it sees everything.
- The leadership group, the supervision office (督查室) and the public service center (statistics)
  read everything.
- A member unit's staff (`MemberUnit.staff`) report for their unit and complete its milestones;
  township staff report for their township under the townships' member unit (各乡镇). They see
  their own reports only.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cuncun.accounts.roles import Role
from cuncun.core.errors import NotAllowed
from cuncun.plans.models import MemberUnit, MemberUnitKind
from cuncun.regions.models import Level, RegionUnit

READ_EVERYTHING = {
    Role.COUNTY_OFFICE,
    Role.LEADERSHIP_GROUP,
    Role.SUPERVISION_OFFICE,
    Role.SERVICE_CENTER,
}


@dataclass(frozen=True)
class Reporter:
    """Who owes a report: a member unit, or one township of the townships' unit."""

    unit: MemberUnit
    township: RegionUnit | None = None

    @property
    def name(self) -> str:
        return self.township.name if self.township else self.unit.name

    @property
    def code(self) -> str:
        """How the API and pages name it: the unit's key, or the township's division code."""
        return (self.township.code or str(self.township.pk)) if self.township else self.unit.key

    def same_as(self, unit_id: int, township_id: int | None) -> bool:
        return self.unit.pk == unit_id and (self.township.pk if self.township else None) == (
            township_id
        )


def _person(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_office(user) -> bool:
    """None is the system itself (the demo, a command)."""
    return user is None or (_person(user) and user.manages_reference_data)


def reads_everything(user) -> bool:
    return user is None or (_person(user) and (user.is_superuser or user.role in READ_EVERYTHING))


def require_office(user) -> None:
    if not is_office(user):
        raise NotAllowed(_("Only the county e-commerce office may do this."))


def reporters_for(user, plan) -> list[Reporter]:
    """The reporters a person reports for: their member units, or their township."""
    if not _person(user):
        return []
    if user.role == Role.TOWNSHIP_STAFF and user.region and user.region.level == Level.TOWNSHIP:
        units = plan.member_units.filter(kind=MemberUnitKind.TOWNSHIP)
        return [Reporter(unit, user.region) for unit in units]
    units = user.member_units.filter(plan=plan).exclude(kind=MemberUnitKind.TOWNSHIP)
    return [Reporter(unit) for unit in units]


def may_report_for(user, reporter: Reporter) -> bool:
    if user is None or is_office(user):
        return True
    return any(
        r.same_as(reporter.unit.pk, reporter.township.pk if reporter.township else None)
        for r in reporters_for(user, reporter.unit.plan)
    )


def may_open_oversight(user) -> bool:
    return (
        reads_everything(user)
        or (_person(user) and user.role in {Role.MEMBER_DEPARTMENT, Role.FINANCE_BUREAU})
        or (_person(user) and user.role == Role.TOWNSHIP_STAFF)
    )


def require_reader(user) -> None:
    if not may_open_oversight(user):
        raise NotAllowed(_("Your role may not see the oversight pages."))
