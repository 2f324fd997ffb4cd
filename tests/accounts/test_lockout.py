"""The lockout holds on every door that takes a password, and says nothing about who exists."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from cuncun.accounts.models import User
from cuncun.core.models import AuditEntry
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(door: str, username: str, password: str, address: str = "10.0.0.1"):
    """One try at a door from an address; returns the response and whether it logged in."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(door, {"username": username, "password": password})
    return response, "_auth_user_id" in client.session


def fail_until_locked(door: str, username: str, settings, address: str = "10.0.0.1"):
    for _ in range(settings.CUNCUN_LOGIN_MAX_FAILURES):
        attempt(door, username, "wrong-password", address)


def without_token(response) -> str:
    """The page without its CSRF tokens (new on every page)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_wrong_passwords_on_the_login_page_lock_the_account_even_against_the_right_one(
    office_user, settings
):
    fail_until_locked(LOGIN, "office", settings)

    response, logged_in = attempt(LOGIN, "office", PASSWORD, address="10.0.0.2")

    assert not logged_in
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="account.lock", object_id=str(office_user.pk)).exists()


def test_wrong_passwords_at_the_admin_login_lock_the_login_page_too(office_user, settings):
    office_user.is_staff = True
    office_user.save(update_fields=["is_staff"])
    fail_until_locked(ADMIN_LOGIN, "office", settings)

    assert AccessAttempt.objects.filter(username="office").exists()
    assert not attempt(LOGIN, "office", PASSWORD, address="10.0.0.2")[1]


def test_an_account_locked_on_the_login_page_cannot_log_in_at_the_admin(office_user, settings):
    office_user.is_staff = True
    office_user.save(update_fields=["is_staff"])
    assert attempt(ADMIN_LOGIN, "office", PASSWORD)[1]  # the admin door opens for them at all
    fail_until_locked(LOGIN, "office", settings)

    _response, logged_in = attempt(ADMIN_LOGIN, "office", PASSWORD, address="10.0.0.2")

    assert not logged_in
    assert Client().get("/accounts/manage/").status_code == 302


def test_a_locked_a_wrong_and_an_unknown_account_get_the_same_answer(
    office_user, gasa_staff, settings
):
    fail_until_locked(LOGIN, "office", settings, address="10.0.0.9")

    locked, _ = attempt(LOGIN, "office", PASSWORD)
    wrong, _ = attempt(LOGIN, "gasa", "wrong-password")
    unknown, _ = attempt(LOGIN, "nobody-here", "wrong-password")

    assert locked.status_code == wrong.status_code == unknown.status_code == 200
    assert "用户名或密码错误" in without_token(wrong)
    pages = {
        without_token(r)
        .replace("office", "NAME")
        .replace("gasa", "NAME")
        .replace("nobody-here", "NAME")
        for r in (locked, wrong, unknown)
    }
    assert len(pages) == 1


def test_one_address_guessing_many_accounts_is_locked_for_every_account(gasa_staff, settings):
    for n in range(settings.CUNCUN_LOGIN_MAX_FAILURES):
        attempt(LOGIN, f"guess-{n}", "wrong-password", address="10.6.6.6")

    assert not attempt(LOGIN, "gasa", PASSWORD, address="10.6.6.6")[1]
    assert attempt(LOGIN, "gasa", PASSWORD, address="10.0.0.7")[1]


def test_the_count_is_of_wrong_passwords_in_a_row(gasa_staff, settings):
    for _ in range(settings.CUNCUN_LOGIN_MAX_FAILURES - 1):
        attempt(LOGIN, "gasa", "wrong-password")
    assert attempt(LOGIN, "gasa", PASSWORD)[1]

    attempt(LOGIN, "gasa", "wrong-password")

    assert attempt(LOGIN, "gasa", PASSWORD)[1]


def test_the_lock_ends_by_itself_after_the_lockout_minutes(gasa_staff, settings):
    fail_until_locked(LOGIN, "gasa", settings)
    assert not attempt(LOGIN, "gasa", PASSWORD)[1]

    AccessAttempt.objects.update(
        attempt_time=timezone.now()
        - timedelta(minutes=settings.CUNCUN_LOGIN_LOCKOUT_MINUTES, seconds=1)
    )

    assert attempt(LOGIN, "gasa", PASSWORD)[1]


def test_the_office_unlocks_an_account_on_the_accounts_page(office_user, gasa_staff, settings):
    fail_until_locked(LOGIN, "gasa", settings)
    office = Client()
    office.force_login(office_user)
    assert "锁定" in office.get(f"/accounts/manage/{gasa_staff.pk}/").content.decode()

    office.post(f"/accounts/manage/{gasa_staff.pk}/unlock/")

    assert not AccessAttempt.objects.filter(username="gasa").exists()
    assert attempt(LOGIN, "gasa", PASSWORD)[1]
    assert AuditEntry.objects.filter(action="account.unlock", object_id=str(gasa_staff.pk)).exists()


def test_township_staff_cannot_unlock_the_office(office_user, gasa_staff, settings):
    fail_until_locked(LOGIN, "office", settings)
    township = Client()
    township.force_login(gasa_staff)

    township.post(f"/accounts/manage/{office_user.pk}/unlock/")

    assert AccessAttempt.objects.filter(username="office").exists()


@pytest.mark.parametrize("door", [LOGIN, ADMIN_LOGIN])
def test_a_closed_account_reads_the_same_as_a_wrong_password(door, gasa_staff):
    User.objects.filter(pk=gasa_staff.pk).update(is_active=False, is_staff=True)

    closed, logged_in = attempt(door, "gasa", PASSWORD)
    unknown, _ = attempt(door, "nobody-here", PASSWORD)

    assert not logged_in
    assert without_token(closed).replace("gasa", "N") == without_token(unknown).replace(
        "nobody-here", "N"
    )
