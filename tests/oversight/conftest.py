"""Oversight fixtures: the plan's member units with staff, and the read-everything roles."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cuncun.accounts.models import Role
from cuncun.plans.models import MemberUnit
from cuncun.plans.services import set_member_unit_staff


def evidence(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def join_unit(user, plan, key: str):
    """Put a person on the staff of the plan's member unit with this key."""
    unit = MemberUnit.objects.get(plan=plan, key=key)
    set_member_unit_staff(actor=None, unit=unit, users=[*unit.staff.all(), user])
    return user


@pytest.fixture
def staff_of(plan, make_user):
    """A member unit's staff member (by the unit's key)."""

    def make(key: str, username: str | None = None, role: str = Role.MEMBER_DEPARTMENT):
        return join_unit(make_user(username or key, role), plan, key)

    return make


@pytest.fixture
def leader(plan, make_user):
    return make_user("leader", Role.LEADERSHIP_GROUP)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence files and attachments go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
