import re
import shutil
from datetime import date

import pytest

from cuncun.accounts.models import Role
from cuncun.plans.models import MemberUnit, MemberUnitTask, Plan
from cuncun.plans.queries import member_units_carrying_out
from cuncun.plans.services import bundled_plan_file, load_plan, set_member_unit_staff
from cuncun.training.models import CourseKind, FundingSource
from cuncun.training.services import SessionPlan, create_course, schedule_session
from tests.conftest import township
from tests.orders.conftest import market  # noqa: F401 (the market's fixture, for the follow-up)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run at once, in the request (a worker runs them in production)."""
    settings.TASKS = IMMEDIATE


def join_training_office(user, plan) -> None:
    """On the staff of the member unit the plan gives the training to (景洪: 市人社局)."""
    [unit] = member_units_carrying_out(MemberUnitTask.TRAINING, plan)
    set_member_unit_staff(actor=None, unit=unit, users=[*unit.staff.all(), user])


@pytest.fixture
def training_office(make_user, plan):
    """A member-department user on the staff of 市人社局: the training office."""
    user = make_user("peixun", Role.MEMBER_DEPARTMENT)
    join_training_office(user, plan)
    return user


def load_plan_changed(directory, changes: dict[str, dict[str, object]]) -> Plan:
    """The bundled plan loaded again from a copy whose entries, found by key, have some values
    changed or added, written as TOML: {"training_person_times": {"value": 12345}}. Pages and
    rules must follow it."""
    source = bundled_plan_file("jinghong-2016")
    text = source.read_text(encoding="utf-8")
    for key, values in changes.items():
        entry = re.search(rf'\nkey = "{key}"\n(.*?)(?=\n\[|\Z)', text, flags=re.S)
        assert entry, f"no entry {key} in the plan"
        body = entry.group(1)
        for name, value in values.items():
            body, found = re.subn(rf"^{name} = .*$", f"{name} = {value}", body, flags=re.M)
            if not found:  # a field the entry leaves out
                body = f"{name} = {value}\n{body}"
        text = text[: entry.start(1)] + body + text[entry.end(1) :]
    copy = directory / source.name
    copy.write_text(text, encoding="utf-8")
    for other in source.parent.glob("*.txt"):  # the plan's text, which the sentences quote
        shutil.copy(other, directory / other.name)
    return load_plan(actor=None, path=copy)


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
