"""Browser: a village operator keeps their point's hours and fees, and a villager finds the
point and checks it on its public page, reached from the door sign."""

import re
from datetime import date

from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.network.services import assign_operator
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.factories import site_in


def test_an_operator_edits_hours_and_fees_and_the_public_page_shows_them(
    live_server, phone, make_user
):
    manda = village("嘎洒镇", "曼达村委会")
    point = site_in(manda, name="曼达村电商服务点", opened_on=date(2017, 3, 1))
    operator = make_user("yanhan", Role.VILLAGE_OPERATOR, manda)
    assign_operator(actor=None, site=point, name="岩罕", since=date(2017, 3, 1), user=operator)
    log_in(phone, live_server, "yanhan", PASSWORD)

    phone.goto(f"{live_server.url}/network/mine/")
    profile = phone.locator("form[action$='/profile/']")
    profile.get_by_label("营业时间").fill("8:00-20:00（周日休息）")
    profile.get_by_role("button", name="保存").click()
    expect(phone.locator(".messages")).to_contain_text("已保存。")
    fee = phone.locator("form[action$='/fee/']").last
    fee.get_by_label("服务").select_option("parcel_received")
    fee.get_by_label("收费（元）").fill("0.50")
    fee.get_by_label("计费单位").fill("件")
    fee.get_by_role("button", name="公布收费").click()
    expect(phone.locator("#fees")).to_contain_text("0.50")

    phone.get_by_role("link", name="公开页面").click()
    # the public page: the page left lists the same fees under the same id
    expect(phone).to_have_url(re.compile(rf"/network/s/{point.code}/$"))
    expect(phone.locator("body")).to_contain_text("8:00-20:00（周日休息）")
    expect(phone.locator("#fees")).to_contain_text("¥0.50 / 件")


def test_a_villager_finds_the_point_and_checks_it_from_the_door_sign(live_server, phone, county):
    point = site_in(village("嘎洒镇", "曼达村委会"), name="曼达村电商服务点")
    site_in(village("勐龙镇", "景龙村委会"), name="景龙村电商服务点")

    phone.goto(f"{live_server.url}/network/")
    phone.locator("#township").select_option(label="嘎洒镇")
    phone.locator("#village").select_option(label="曼达村委会")
    phone.wait_for_url(re.compile(r"[?&]village=\d"))  # the list redrawn for the village
    # one point listed: 服务点 once in the list, not twice
    expect(phone.locator("#sites")).to_have_text(re.compile(r"^(?!.*服务点.*服务点).*服务点", re.S))
    phone.get_by_role("link", name="曼达村电商服务点").click()
    expect(phone.locator("#certified")).to_contain_text("认证服务点")

    with phone.expect_response(lambda r: r.url.endswith("/qr.svg")) as qr:
        phone.get_by_role("link", name="门牌").click()
    assert qr.value.ok and qr.value.url.endswith(f"/network/s/{point.code}/qr.svg")
    assert qr.value.headers["content-type"] == "image/svg+xml"
    expect(phone.locator(".code")).to_contain_text(point.code)
    expect(phone.locator("#program")).to_contain_text("景洪市")
    phone.wait_for_function("() => document.querySelector('.qr img').naturalWidth > 0")
