import re

from playwright.sync_api import expect

from cuncun.regions.models import RegionUnit
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in


def test_a_township_user_logs_in_and_sees_only_their_townships_villages(
    live_server, phone, county, gasa_staff
):
    gasa = township("嘎洒镇")
    log_in(phone, live_server, "gasa", PASSWORD)
    phone.get_by_role("link", name="行政区划").click()

    shown = phone.locator("#children li")
    expect(shown).to_have_count(gasa.children.count())  # the township's page
    phone.wait_for_load_state()  # and all of it, before it is read at once
    names = sorted(text.split()[0] for text in shown.all_inner_texts())
    assert names == sorted(gasa.children.values_list("name", flat=True))
    assert "勐龙镇" not in phone.content()

    other = RegionUnit.objects.get(name="勐龙镇")
    response = phone.goto(f"{live_server.url}/regions/{other.pk}/")
    assert response.status == 403
    expect(phone.locator("[role=alert]")).to_contain_text("不在您负责的范围")


def test_a_wrong_password_is_said_clearly_in_the_browser(live_server, phone, county, gasa_staff):
    log_in(phone, live_server, "gasa", "not-the-password")
    expect(phone.locator("[role=alert]")).to_contain_text("用户名或密码错误")
    expect(phone).to_have_url(re.compile(r"/accounts/login/$"))
