"""Shared fixtures: the real 景洪市 divisions and plan, and users in each role."""

import pytest

from cuncun.accounts.models import Role
from cuncun.accounts.services import create_user
from cuncun.plans.services import bundled_plan_file, load_plan
from cuncun.portal.demo import DIVISIONS_FILE
from cuncun.regions.models import Level, RegionUnit
from cuncun.regions.services import load_divisions

PASSWORD = "a-long-test-password-1"


def pytest_configure(config):
    from django.conf import settings

    # The suite creates users by the hundred and Django's PBKDF2 takes about half a second each;
    # the one test of how passwords are stored puts the real hashers back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counts and hints of one test must not
    reach the next (the memory cache lives as long as the test process)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _postgres_races_only(request):
    """Tests marked `postgres` race with real concurrent transactions; SQLite runs one writer at
    a time, so there they are skipped (CI runs the suite on PostgreSQL too)."""
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("races need PostgreSQL's row locks and real concurrent transactions")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def county(db) -> RegionUnit:
    return load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes()).county


@pytest.fixture
def plan(county):
    return load_plan(actor=None, path=bundled_plan_file("jinghong-2016"))


def township(name: str) -> RegionUnit:
    return RegionUnit.objects.get(level=Level.TOWNSHIP, name=name)


def village(township_name: str, name: str) -> RegionUnit:
    return township(township_name).children.get(name=name)


@pytest.fixture
def make_user(county):
    def make(username: str, role: str, region: RegionUnit | None = None, **extra):
        return create_user(
            actor=None,
            username=username,
            password=PASSWORD,
            role=role,
            region=region or county,
            **extra,
        )

    return make


@pytest.fixture
def office_user(make_user):
    return make_user("office", Role.COUNTY_OFFICE)


@pytest.fixture
def gasa_staff(make_user):
    return make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))


@pytest.fixture
def menglong_staff(make_user):
    return make_user("menglong", Role.TOWNSHIP_STAFF, township("勐龙镇"))
