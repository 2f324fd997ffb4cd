"""Accounts in the browser: the county office opens an operator's account, and a buyer opens
their own with a mobile number."""

import re

from playwright.sync_api import expect

from cuncun.accounts.models import User
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in


def test_the_office_opens_an_operators_account_and_the_operator_logs_in(
    live_server, phone, browser, office_user
):
    manda = village("嘎洒镇", "曼达村委会")
    log_in(phone, live_server, "office", PASSWORD)
    phone.get_by_role("link", name="账户管理").click()
    phone.get_by_role("link", name="新建账户").click()
    phone.get_by_label("用户名").fill("yanxiang")
    phone.get_by_label("姓名").fill("岩香")
    phone.get_by_label("手机号").fill("13900000333")
    phone.get_by_label("负责区域").select_option(label="嘎洒镇 / 曼达村委会")
    phone.get_by_label("初始密码").fill("a-long-first-password")
    phone.get_by_role("button", name="创建账户").click()
    expect(phone.locator(".messages")).to_contain_text("账户 yanxiang 已创建")
    assert User.objects.get(username="yanxiang").region == manda

    operator = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(operator, live_server, "yanxiang", "a-long-first-password")
    operator.goto(f"{live_server.url}/accounts/me/")
    expect(operator.locator("body")).to_contain_text("曼达村委会")
    expect(operator.locator("nav")).not_to_contain_text("账户管理")
    operator.context.close()


def test_a_buyer_opens_an_account_with_a_mobile_number_and_lands_on_the_market(
    live_server, phone, county
):
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.get_by_role("link", name="用手机号注册买家账户").click()
    phone.get_by_label("手机号").fill("1380000")
    phone.get_by_label("密码").fill("a-long-buyer-password")
    phone.get_by_role("button", name="注册").click()
    expect(phone.locator("[role=alert]")).to_contain_text("不是有效的手机号")
    assert not User.objects.filter(username="1380000").exists()

    phone.get_by_label("手机号").fill("13800005678")
    phone.get_by_label("密码").fill("a-long-buyer-password")
    phone.get_by_role("button", name="注册").click()
    expect(phone).to_have_url(re.compile(r"/market/$"))
    expect(phone.locator(".messages")).to_contain_text("欢迎")
