"""On a phone, each person logs in and lands on their own work under a header that leaves the
screen to that work; the operator reaches each job of the counter in one tap."""

import re

import pytest
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.accounts.services import register_buyer
from cuncun.catalog.services import set_stock
from cuncun.funds.services import ensure_fund
from cuncun.network.models import SiteStatus
from cuncun.orders.services import confirm_offline_payment, place_order, start_payment
from tests.conftest import PASSWORD, township, village
from tests.e2e.conftest import log_in
from tests.factories import site_in
from tests.orders.conftest import market, pickup_request  # noqa: F401 (the market fixture)
from tests.training.conftest import join_training_office

MAX_HEADER_PX = 90


def header_height(page) -> float:
    return page.locator("header.topbar").bounding_box()["height"]


@pytest.mark.parametrize(
    ("role", "region", "path", "heading"),
    [
        (Role.COUNTY_OFFICE, None, "/dashboard/", "h1"),
        (Role.TOWNSHIP_STAFF, "嘎洒镇", "/township/", "h1"),
        (Role.MERCHANT, "勐龙镇", "/shop/", "h1"),
        (Role.COURIER, "嘎洒镇", "/logistics/", "h1"),
        (Role.FINANCE_BUREAU, None, "/funds/", "h1"),
    ],
)
def test_each_role_lands_on_its_own_work_on_a_phone(
    live_server, phone, plan, make_user, role, region, path, heading
):
    make_user("someone", role, township(region) if region else None)
    ensure_fund(actor=None, plan=plan)  # the finance bureau's home is the plan's special fund
    log_in(phone, live_server, "someone", PASSWORD)
    expect(phone).to_have_url(f"{live_server.url}{path}")
    expect(phone.locator(heading).first).to_be_visible()
    assert header_height(phone) <= MAX_HEADER_PX


def test_a_buyer_lands_on_the_market_on_a_phone(live_server, phone, plan):
    register_buyer(phone="13800000001", password=PASSWORD)
    log_in(phone, live_server, "13800000001", PASSWORD)
    expect(phone).to_have_url(f"{live_server.url}/market/")
    assert header_height(phone) <= MAX_HEADER_PX


def test_the_training_office_lands_on_its_sessions_on_a_phone(live_server, phone, plan, make_user):
    join_training_office(make_user("peixun", Role.MEMBER_DEPARTMENT), plan)
    log_in(phone, live_server, "peixun", PASSWORD)
    expect(phone).to_have_url(f"{live_server.url}/training/sessions/")
    assert header_height(phone) <= MAX_HEADER_PX


def test_the_operator_lands_on_the_console_and_takes_cash_in_one_tap(
    live_server,
    phone,
    market,  # noqa: F811
):
    # Given a buyer who chose to pay cash at the point
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    start_payment(actor=market.buyer, checkout=placed.checkout)

    log_in(phone, live_server, "operator", PASSWORD)

    expect(phone).to_have_url(f"{live_server.url}/console/")
    assert header_height(phone) <= MAX_HEADER_PX
    cash = phone.locator('[data-key="cash"]')
    expect(cash.locator(".console-count")).to_have_text("1")
    for label in ["取件", "入库", "代购", "代售", "收现金", "今日台账"]:
        expect(phone.locator(".console-label", has_text=label).first).to_be_visible()
    cash.click()
    expect(phone).to_have_url(re.compile(re.escape("/market/point/")))
    expect(phone.locator("body")).to_contain_text("¥50.00", use_inner_text=True)


def test_township_staff_land_on_what_waits_and_open_the_applications_in_one_tap(
    live_server, phone, plan, make_user
):
    # Given a village point applied for in 嘎洒镇
    site_in(village("嘎洒镇", "曼勉村委会"), status=SiteStatus.APPLIED, name="曼勉村服务点")
    make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))

    log_in(phone, live_server, "gasa", PASSWORD)

    expect(phone).to_have_url(f"{live_server.url}/township/")
    assert header_height(phone) <= MAX_HEADER_PX
    applications = phone.locator('[data-key="applications"]')
    expect(applications.locator(".console-count")).to_have_text("1")
    for label in ["站点申请", "验收", "待复核扫描", "民宿待核查", "销售月报"]:
        expect(phone.locator(".console-label", has_text=label).first).to_be_visible()
    applications.click()
    expect(phone).to_have_url(re.compile(re.escape("/network/manage/?status=applied")))
    expect(phone.locator("body")).to_contain_text("曼勉村服务点", use_inner_text=True)


def test_a_merchant_lands_on_orders_to_pack_and_low_stock_on_a_phone(
    live_server,
    phone,
    market,  # noqa: F811
):
    # Given a paid order to pack and the tea down to 3 at the warehouse (the default line is 5)
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    set_stock(actor=None, sku=market.tea, site=market.warehouse, quantity=3)

    log_in(phone, live_server, "merchant", PASSWORD)

    expect(phone).to_have_url(f"{live_server.url}/shop/")
    assert header_height(phone) <= MAX_HEADER_PX
    expect(phone.locator('[data-key="to_pack"] .console-count')).to_have_text("1")
    low = phone.locator("#low-stock")
    expect(low).to_contain_text("普洱茶")
    expect(low).to_contain_text("可售 2（提醒线 5）")
    low.get_by_text("普洱茶").click()
    product_page = f"/catalog/console/p/{market.tea.product_id}/"
    expect(phone).to_have_url(re.compile(re.escape(product_page)))
