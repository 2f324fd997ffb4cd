"""Browser: the county office looks at the county's orders by state."""

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
    assert paid_number in table.inner_text() and unpaid_number in table.inner_text()

    phone.get_by_role("link", name="待付款 (1)").click()
    phone.wait_for_load_state()
    assert phone.locator("#orders-heading").inner_text() == "待付款"
    assert unpaid_number in table.inner_text() and paid_number not in table.inner_text()

    phone.get_by_role("link", name="已付款 (1)").click()
    phone.wait_for_load_state()
    assert paid_number in table.inner_text() and unpaid_number not in table.inner_text()
    phone.get_by_role("link", name="全部").click()
    phone.wait_for_load_state()
    assert table.locator("tbody tr").count() == 2
