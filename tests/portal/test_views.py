import os
import subprocess
import sys

import pytest
from django.test import Client

from cuncun.portal.demo import DEMO_PASSWORD, load_demo
from cuncun.regions.models import GroupCode
from cuncun.regions.services import add_to_group, ensure_group
from tests.conftest import PASSWORD, township, village


def test_home_shows_the_county_and_the_plan_in_chinese(plan):
    page = Client().get("/").content.decode()
    assert "景洪市" in page and "乡镇级单位" in page
    assert plan.title in page
    assert 'lang="zh-CN"' in page


def test_a_browser_set_to_english_still_gets_chinese_until_the_person_switches(plan):
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})
    assert 'lang="zh-CN"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()


def test_the_english_switch(plan):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "township-level units" in page


def test_pages_load_nothing_from_the_internet(plan):
    for url in ["/", "/plan/", "/regions/", "/accounts/login/"]:
        page = Client().get(url).content.decode()
        assert "http://" not in page and "https://" not in page, url


def test_an_unknown_page_is_a_clear_404_in_chinese(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到" in response.content.decode()


def test_the_plan_page_quotes_the_plan(plan):
    page = Client().get("/plan/").content.decode()
    assert "市电商办" in page and "乡镇服务站点覆盖率100%" in page
    assert "¥3,500,000.00" in page


def test_the_division_browser_starts_at_the_users_township(county, gasa_staff):
    client = Client()
    client.login(username="gasa", password=PASSWORD)
    page = client.get("/regions/").content.decode()
    assert "曼达村委会" in page and "勐龙镇" not in page


def test_another_township_is_refused_with_a_clear_message(county, gasa_staff):
    client = Client()
    client.login(username="gasa", password=PASSWORD)
    response = client.get(f"/regions/{township('勐龙镇').pk}/")
    assert response.status_code == 403
    assert "不在您负责的范围" in response.content.decode()


def test_a_wrong_password_shows_a_message_and_logs_nobody_in(gasa_staff):
    client = Client()
    response = client.post("/accounts/login/", {"username": "gasa", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_protected_by_csrf(gasa_staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "gasa", "password": PASSWORD})
    assert response.status_code == 403


# The whole demo of every app, twice: minutes on a small machine, beyond the usual hang limit.
@pytest.mark.timeout(1200)
def test_load_demo_twice_makes_no_duplicates_and_marks_eight_poor_villages(db):
    load_demo()
    load_demo()
    from cuncun.accounts.models import User
    from cuncun.regions.models import UnitGroupMembership

    assert User.objects.filter(username="township").count() == 1
    poor = UnitGroupMembership.objects.filter(group__code="poor_village")
    assert poor.count() == 8 and all(m.is_demo for m in poor)
    assert Client().login(username="operator", password=DEMO_PASSWORD)
    from cuncun.training.access import is_training_office

    assert is_training_office(User.objects.get(username="training"))
    from cuncun.financing.models import LoanApplication

    # the loans' demo runs after the reports' demo: each application carries its monthly reports
    assert all(a.sales_record["reports"] for a in LoanApplication.objects.filter(is_demo=True))


def test_the_demo_banner_says_the_people_are_invented(plan, settings):
    settings.CUNCUN_DEMO = True
    assert "演示数据" in Client().get("/").content.decode()


def _settings_of(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CUNCUN_DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "cuncun.settings", **env},
        capture_output=True,
        text=True,
    )


def test_without_secret_key_outside_debug_the_server_refuses_to_start():
    result = _settings_of({})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_outside_debug_cookies_are_secure_and_hsts_is_on():
    result = _settings_of({"SECRET_KEY": "x" * 50})
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_home_leads_with_coverage_against_the_targets(plan):
    from datetime import date

    from tests.conftest import village
    from tests.factories import site_in

    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    page = Client().get("/").content.decode()
    assert page.count('id="headlines"') == 1 and "今日三级覆盖" in page
    assert "1%" in page  # 1 of 83 administrative villages


def test_the_division_browser_says_that_the_poor_village_marks_are_demo_data(plan):
    page = Client().get("/regions/").content.decode()
    assert "被标为贫困村" not in page  # no marks, nothing to say

    poor = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    add_to_group(actor=None, group=poor, unit=village("勐旺乡", "勐旺村委会"), is_demo=True)

    page = Client().get("/regions/").content.decode()
    assert "这里有 1 个村被标为贫困村，具体是哪些村属于演示数据" in page
