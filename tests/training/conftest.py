from datetime import date

import pytest

from cuncun.accounts.models import Role
from cuncun.plans.models import MemberUnit
from cuncun.training.models import CourseKind, FundingSource
from cuncun.training.services import SessionPlan, create_course, schedule_session
from tests.conftest import township
from tests.orders.conftest import market  # noqa: F401 (the market's fixture, for the follow-up)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run at once, in the request (a worker runs them in production)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def training_office(make_user, plan):
    """A member-department user on the staff of 市人社局: the training office."""
    user = make_user("peixun", Role.MEMBER_DEPARTMENT)
    MemberUnit.objects.get(plan=plan, key="hrss_bureau").staff.add(user)
    return user


@pytest.fixture
def commerce_staff(make_user, plan):
    """A member-department user of another unit: reads, sees personal data masked."""
    user = make_user("shangwu", Role.MEMBER_DEPARTMENT)
    MemberUnit.objects.get(plan=plan, key="commerce_bureau").staff.add(user)
    return user


@pytest.fixture
def awareness(db):
    return create_course(
        actor=None, code="awareness", name="电商普及培训", kind=CourseKind.AWARENESS
    )


@pytest.fixture
def advanced(db):
    return create_course(actor=None, code="advanced", name="电商提升培训", kind=CourseKind.ADVANCED)


def make_session(
    course, *, code: str, first: date, last: date | None = None, where="嘎洒镇", **extra
):
    return schedule_session(
        actor=None,
        plan=SessionPlan(
            course=course,
            code=code,
            starts_on=first,
            ends_on=last or first,
            place=f"{where}文化站",
            region=township(where),
            funding_source=extra.pop("funding_source", FundingSource.SPECIAL_FUND),
            cost=extra.pop("cost", "10000"),
            **extra,
        ),
    )


@pytest.fixture
def session(county, awareness):
    """A three-day awareness session in 嘎洒镇, 2017-05-12 to 2017-05-14."""
    return make_session(awareness, code="2017-001", first=date(2017, 5, 12), last=date(2017, 5, 14))
