"""Browser: the county office looks at the county's orders by state."""

from playwright.sync_api import expect

from cuncun.orders.services import confirm_offline_payment, place_order, start_payment
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market, pickup_request  # noqa: F401  (the fixture)


def test_the_county_office_filters_the_orders_by_state(
    live_server,
    phone,
    market,  # noqa: F811
    office_user,
):
    paid = place_order(
        actor=market.buyer,
        idempotency_key="paid",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    confirm_offline_payment(
        actor=market.operator, payment=start_payment(actor=market.buyer, checkout=paid.checkout)
    )
    unpaid = place_order(
        actor=market.buyer,
        idempotency_key="unpaid",
        request=pickup_request(market, [(market.coffee.pk, 1)]),
    )
    paid_number, unpaid_number = paid.orders[0].number, unpaid.orders[0].number
    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/market/office/")
    table = phone.locator("#office-orders")
    expect(table).to_contain_text(paid_number)
    expect(table).to_contain_text(unpaid_number)

    # Each time the shown orders first, then the one left out: the page before lists it.
    phone.get_by_role("link", name="待付款 (1)").click()
    expect(phone.locator("#orders-heading")).to_have_text("待付款")
    expect(table).to_contain_text(unpaid_number)
    expect(table).not_to_contain_text(paid_number)

    phone.get_by_role("link", name="已付款 (1)").click()
    expect(table).to_contain_text(paid_number)
    expect(table).not_to_contain_text(unpaid_number)
    phone.get_by_role("link", name="全部").click()
    expect(table.locator("tbody tr")).to_have_count(2)
