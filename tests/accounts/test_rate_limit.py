"""Login and sign-up refuse an address past its rate with a Chinese page, checking no password."""

from django.test import Client

from cuncun.accounts.models import User
from tests.conftest import PASSWORD


def test_logins_past_the_rate_are_refused_even_with_the_right_password(gasa_staff, settings):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "login": (3, 300)}
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "nobody", "password": "wrong-password"})

    response = client.post(
        "/accounts/login/", {"username": gasa_staff.username, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "短时间内尝试次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_held_back_by_one_that_hammers(gasa_staff, settings):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "login": (3, 300)}
    for _ in range(4):
        Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/login/", {"username": "nobody", "password": "wrong-password"}
        )

    response = Client(REMOTE_ADDR="198.51.100.4").post(
        "/accounts/login/", {"username": gasa_staff.username, "password": PASSWORD}
    )

    assert response.status_code == 302


def test_sign_ups_past_the_rate_are_refused_and_make_no_account(db, settings):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "signup": (1, 3600)}
    client = Client()
    client.post("/accounts/signup/", {})
    before = User.objects.count()

    response = client.post(
        "/accounts/signup/",
        {"phone": "13900000077", "name": "玉香", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 429 and User.objects.count() == before
