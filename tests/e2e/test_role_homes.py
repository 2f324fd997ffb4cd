"""On a phone, each person logs in and lands on their own work under a header that leaves the
screen to that work; the operator reaches each job of the counter in one tap."""

import pytest

from cuncun.accounts.models import Role
from cuncun.accounts.services import register_buyer
from cuncun.funds.services import ensure_fund
from cuncun.orders.services import place_order, start_payment
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in
from tests.orders.conftest import market, pickup_request  # noqa: F401 (the market fixture)
from tests.training.conftest import join_training_office

MAX_HEADER_PX = 90


def header_height(page) -> float:
    return page.locator("header.topbar").bounding_box()["height"]


@pytest.mark.parametrize(
    ("role", "region", "path", "heading"),
    [
        (Role.COUNTY_OFFICE, None, "/dashboard/", "h1"),
        (Role.TOWNSHIP_STAFF, "嘎洒镇", "/network/manage/", "h1"),
        (Role.MERCHANT, "勐龙镇", "/market/sell/", "h1"),
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
    assert phone.url == f"{live_server.url}{path}"
    assert phone.locator(heading).first.is_visible()
    assert header_height(phone) <= MAX_HEADER_PX


def test_a_buyer_lands_on_the_market_on_a_phone(live_server, phone, plan):
    register_buyer(phone="13800000001", password=PASSWORD)
    log_in(phone, live_server, "13800000001", PASSWORD)
    assert phone.url == f"{live_server.url}/market/"
    assert header_height(phone) <= MAX_HEADER_PX


def test_the_training_office_lands_on_its_sessions_on_a_phone(live_server, phone, plan, make_user):
    join_training_office(make_user("peixun", Role.MEMBER_DEPARTMENT), plan)
    log_in(phone, live_server, "peixun", PASSWORD)
    assert phone.url == f"{live_server.url}/training/sessions/"
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

    assert phone.url == f"{live_server.url}/console/"
    assert header_height(phone) <= MAX_HEADER_PX
    cash = phone.locator('[data-key="cash"]')
    assert cash.locator(".console-count").inner_text() == "1"
    for label in ["取件", "入库", "代购", "代售", "收现金", "今日台账"]:
        assert phone.locator(".console-label", has_text=label).first.is_visible()
    cash.click()
    assert "/market/point/" in phone.url
    assert "¥50.00" in phone.locator("body").inner_text()
