"""Who may do what with training.

- The training office (培训办): county-office or member-department users on the staff of a
  member unit the plan gives the training to (`carries_out = ["training"]`; 景洪: 市人社局负责实施).
  They manage everything and are the only ones who see ID numbers and phone numbers unmasked.
- The county office (市电商办) manages everything too, but sees personal data masked.
- Member departments and township staff read: member departments county-wide, township staff
  their own township; both see personal data masked.
- Sessions are announcements: anyone may read them. Trainees check in at a session with its code.
"""

from django.utils.translation import gettext as _

from cuncun.accounts.models import Role
from cuncun.core.errors import NotAllowed
from cuncun.plans.models import MemberUnitTask

# The 景洪 demo's training account joins this unit (portal.demo); rights follow `carries_out`.
READER_ROLES = {Role.COUNTY_OFFICE, Role.MEMBER_DEPARTMENT, Role.TOWNSHIP_STAFF}


def _is_person(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_training_office(user) -> bool:
    if not _is_person(user) or user.role not in {Role.COUNTY_OFFICE, Role.MEMBER_DEPARTMENT}:
        return False
    return any(MemberUnitTask.TRAINING in unit.carries_out for unit in user.member_units.all())


def may_manage_training(user) -> bool:
    """None is the system itself (a loader, the command line, the demo)."""
    if user is None:
        return True
    if not _is_person(user):
        return False
    return user.is_superuser or user.role == Role.COUNTY_OFFICE or is_training_office(user)


def may_see_trainees(user) -> bool:
    if user is None:
        return True
    if not _is_person(user):
        return False
    return user.is_superuser or user.role in READER_ROLES or is_training_office(user)


def sees_personal_data(user) -> bool:
    """ID and phone numbers unmasked: the training office (and the system itself) only."""
    return user is None or is_training_office(user)


def require_manager(user) -> None:
    if not may_manage_training(user):
        raise NotAllowed(
            _("Only the county e-commerce office and the training office may do this.")
        )


def require_reader(user) -> None:
    if not may_see_trainees(user):
        raise NotAllowed(_("Your role may not see the trainees."))
