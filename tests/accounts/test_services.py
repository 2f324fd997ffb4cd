import pytest
from django.conf import global_settings
from django.contrib.auth.models import AnonymousUser

from cuncun.accounts.models import Role, User
from cuncun.accounts.services import (
    create_user,
)
from cuncun.core.errors import InvalidInput, NotAllowed, OutOfScope
from cuncun.regions.models import RegionUnit
from tests.conftest import PASSWORD, township, village


def test_passwords_are_hashed_and_validated(make_user, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the suite's fast one aside
    user = make_user("u1", Role.COUNTY_OFFICE)
    assert user.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt"))
    assert PASSWORD not in user.password
    with pytest.raises(InvalidInput):
        create_user(
            actor=None, username="u2", password="123", role=Role.COUNTY_OFFICE, region=user.region
        )
    assert not User.objects.filter(username="u2").exists()


def test_a_role_is_scoped_to_a_region_of_its_level(make_user):
    with pytest.raises(InvalidInput):
        make_user("t", Role.TOWNSHIP_STAFF, village("嘎洒镇", "曼达村委会"))
    with pytest.raises(InvalidInput):
        make_user("f", Role.FINANCE_BUREAU, township("嘎洒镇"))


def test_township_staff_create_operators_only_in_their_township(gasa_staff):
    operator = create_user(
        actor=gasa_staff,
        username="op1",
        password=PASSWORD,
        role=Role.VILLAGE_OPERATOR,
        region=village("嘎洒镇", "曼达村委会"),
    )
    assert operator.region.parent.name == "嘎洒镇"
    with pytest.raises(OutOfScope):
        create_user(
            actor=gasa_staff,
            username="op2",
            password=PASSWORD,
            role=Role.VILLAGE_OPERATOR,
            region=township("勐龙镇").children.first(),
        )
    with pytest.raises(NotAllowed):
        create_user(
            actor=gasa_staff,
            username="m1",
            password=PASSWORD,
            role=Role.COUNTY_OFFICE,
            region=gasa_staff.region.parent,
        )
    assert not User.objects.filter(username__in=["op2", "m1"]).exists()


def test_visible_to_gives_each_user_only_their_area(gasa_staff, office_user, make_user):
    operator = make_user("op", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼达村委会"))
    gasa = township("嘎洒镇")
    assert set(RegionUnit.objects.visible_to(gasa_staff)) == set(RegionUnit.objects.within(gasa))
    assert list(RegionUnit.objects.visible_to(operator)) == [operator.region]
    assert RegionUnit.objects.visible_to(office_user).count() == 116
    # the public may browse the divisions, which are public facts
    assert RegionUnit.objects.visible_to(AnonymousUser()).count() == 116
