"""Managing accounts: the county office manages everyone, township staff their own operators, and
anyone may open a buyer's account."""

import pytest
from django.test import Client

from cuncun.accounts.models import Role, User
from cuncun.accounts.services import (
    register_buyer,
    set_user_active,
    set_user_password,
    update_user,
)
from cuncun.core.errors import InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from tests.conftest import PASSWORD, township, village


@pytest.fixture
def manda_operator(make_user):
    return make_user(
        "manda", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼达村委会"), phone="13900000111"
    )


def test_township_staff_move_their_operator_to_another_village_of_their_township(
    gasa_staff, manda_operator
):
    other = village("嘎洒镇", "曼勉村委会")

    update_user(
        actor=gasa_staff,
        user=manda_operator,
        role=Role.VILLAGE_OPERATOR,
        region=other,
        phone="13900000111",
    )

    manda_operator.refresh_from_db()
    assert manda_operator.region == other
    entry = AuditEntry.objects.get(action="account.update")
    assert entry.actor == gasa_staff and entry.after == {"region": other.pk}


def test_township_staff_cannot_place_an_operator_in_another_township_or_promote_them(
    gasa_staff, manda_operator
):
    with pytest.raises(OutOfScope):
        update_user(
            actor=gasa_staff,
            user=manda_operator,
            role=Role.VILLAGE_OPERATOR,
            region=township("勐龙镇").children.first(),
        )
    with pytest.raises(NotAllowed):
        update_user(
            actor=gasa_staff,
            user=manda_operator,
            role=Role.TOWNSHIP_STAFF,
            region=township("嘎洒镇"),
        )
    manda_operator.refresh_from_db()
    assert manda_operator.role == Role.VILLAGE_OPERATOR
    assert manda_operator.region.name == "曼达村委会"
    assert not AuditEntry.objects.filter(action="account.update").exists()


def test_township_staff_cannot_change_another_townships_operator(menglong_staff, manda_operator):
    with pytest.raises(OutOfScope):
        set_user_active(actor=menglong_staff, user=manda_operator, active=False, reason="left")
    manda_operator.refresh_from_db()
    assert manda_operator.is_active


def test_a_role_at_the_wrong_level_is_refused(office_user, manda_operator):
    with pytest.raises(InvalidInput):
        update_user(
            actor=office_user,
            user=manda_operator,
            role=Role.TOWNSHIP_STAFF,
            region=village("嘎洒镇", "曼达村委会"),
        )


def test_a_closed_account_cannot_log_in_and_the_closing_is_audited(office_user, manda_operator):
    with pytest.raises(InvalidInput):
        set_user_active(actor=office_user, user=manda_operator, active=False, reason=" ")

    set_user_active(actor=office_user, user=manda_operator, active=False, reason="离职")

    assert not Client().login(username="manda", password=PASSWORD)
    entry = AuditEntry.objects.get(action="account.close")
    assert entry.reason == "离职" and entry.after == {"is_active": False}
    with pytest.raises(InvalidInput):
        set_user_active(actor=office_user, user=office_user, active=False, reason="x")


def test_a_new_password_is_validated_and_its_audit_row_does_not_hold_it(
    office_user, manda_operator
):
    with pytest.raises(InvalidInput):
        set_user_password(actor=office_user, user=manda_operator, password="123")
    assert Client().login(username="manda", password=PASSWORD)

    set_user_password(actor=office_user, user=manda_operator, password="xin-mima-2017-manda")

    assert Client().login(username="manda", password="xin-mima-2017-manda")
    entry = AuditEntry.objects.get(action="account.password")
    assert "xin-mima" not in str(entry.before) + str(entry.after)


def test_a_buyer_opens_an_account_with_a_mobile_number(db):
    with pytest.raises(InvalidInput):
        register_buyer(phone="12345", password="a-long-buyer-password")
    buyer = register_buyer(
        phone="13800001234", password="a-long-buyer-password", display_name="小雨"
    )
    assert (buyer.username, buyer.role, buyer.region) == ("13800001234", "", None)
    with pytest.raises(InvalidInput):
        register_buyer(phone="13800001234", password="another-long-password")
    assert User.objects.filter(username="13800001234").count() == 1
    entry = AuditEntry.objects.get(action="account.register")
    assert "13800001234" not in str(entry.after)


def test_the_accounts_page_shows_township_staff_only_their_operators(
    client, gasa_staff, manda_operator, make_user
):
    make_user("mlop", Role.VILLAGE_OPERATOR, township("勐龙镇").children.first())
    client.force_login(gasa_staff)

    page = client.get("/accounts/manage/").content.decode()

    assert "manda" in page and "mlop" not in page
    assert "13900000111" not in page  # phones masked in the list
    assert client.get(f"/accounts/manage/{gasa_staff.pk}/").status_code == 404


def test_operators_and_merchants_cannot_open_the_accounts_page(client, manda_operator):
    client.force_login(manda_operator)
    assert client.get("/accounts/manage/").status_code == 403


def test_the_office_creates_an_operator_from_the_page(client, office_user):
    client.force_login(office_user)
    manda = village("嘎洒镇", "曼达村委会")

    response = client.post(
        "/accounts/manage/new/",
        {
            "username": "newop",
            "display_name": "岩香",
            "phone": "13900000222",
            "role": Role.VILLAGE_OPERATOR,
            "region": manda.pk,
            "password": "a-long-first-password",
        },
    )

    created = User.objects.get(username="newop")
    assert response.status_code == 302 and created.region == manda
    assert AuditEntry.objects.filter(action="account.create", object_id=str(created.pk)).exists()


def test_a_refused_account_change_is_said_on_the_page_and_changes_nothing(
    client, office_user, manda_operator
):
    client.force_login(office_user)
    page = client.post(
        f"/accounts/manage/{manda_operator.pk}/",
        {
            "role": Role.TOWNSHIP_STAFF,
            "region": village("嘎洒镇", "曼达村委会").pk,
            "display_name": "",
            "phone": "",
        },
    ).content.decode()
    assert "errorlist" in page
    manda_operator.refresh_from_db()
    assert manda_operator.role == Role.VILLAGE_OPERATOR and manda_operator.phone == "13900000111"


def test_the_account_page_shows_the_phone_masked_and_keeps_it_when_left_empty(
    client, office_user, manda_operator
):
    client.force_login(office_user)
    url = f"/accounts/manage/{manda_operator.pk}/"
    page = client.get(url).content.decode()
    assert "13900000111" not in page and "139****0111" in page

    client.post(
        url,
        {
            "role": Role.VILLAGE_OPERATOR,
            "region": village("嘎洒镇", "曼达村委会").pk,
            "display_name": "岩罕",
            "phone": "",
        },
    )

    manda_operator.refresh_from_db()
    assert manda_operator.display_name == "岩罕" and manda_operator.phone == "13900000111"
