"""Who may do what with the special fund.

- Propose projects and disbursements: the county e-commerce office, and member-department users on
  the staff of a member unit the plan gives the fund's projects to (`carries_out =
  ["fund_projects"]`; 景洪: the commerce bureau's 项目申报).
- Review a disbursement: the county e-commerce office.
- Approve and pay: the finance bureau, and no one else.
- Read: those, the leadership group, the supervision office and member departments county-wide;
  township staff their own township's projects (the scope of `visible_to`).
"""

from django.utils.translation import gettext as _

from cuncun.accounts.models import Role
from cuncun.core.errors import NotAllowed
from cuncun.plans.models import MemberUnitTask

READER_ROLES = {
    Role.COUNTY_OFFICE,
    Role.MEMBER_DEPARTMENT,
    Role.FINANCE_BUREAU,
    Role.TOWNSHIP_STAFF,
    Role.LEADERSHIP_GROUP,
    Role.SUPERVISION_OFFICE,
}


def _is_person(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def runs_fund_projects(user) -> bool:
    if not _is_person(user) or user.role != Role.MEMBER_DEPARTMENT:
        return False
    return any(MemberUnitTask.FUND_PROJECTS in unit.carries_out for unit in user.member_units.all())


def may_propose(user) -> bool:
    """None is the system itself (the demo loader)."""
    return user is None or (
        _is_person(user) and (user.role == Role.COUNTY_OFFICE or runs_fund_projects(user))
    )


def may_review(user) -> bool:
    return user is None or (_is_person(user) and user.role == Role.COUNTY_OFFICE)


def may_approve(user) -> bool:
    return user is None or (_is_person(user) and user.role == Role.FINANCE_BUREAU)


def may_read(user) -> bool:
    return user is None or (_is_person(user) and (user.is_superuser or user.role in READER_ROLES))


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def require_proposer(user) -> None:
    require(
        may_propose(user),
        _(
            "Only the county e-commerce office and the unit that proposes the fund's projects "
            "may do this."
        ),
    )


def require_reviewer(user) -> None:
    require(may_review(user), _("Only the county e-commerce office reviews disbursements."))


def require_finance(user) -> None:
    require(may_approve(user), _("Only the finance bureau approves and pays disbursements."))


def require_workflow_role(user) -> None:
    """Withdrawing a request not yet approved: whoever takes a step of the workflow."""
    require(
        may_propose(user) or may_review(user) or may_approve(user),
        _("Your role takes no step of the fund's workflow."),
    )


def require_reader(user) -> None:
    require(may_read(user), _("Your role may not see the special fund."))
