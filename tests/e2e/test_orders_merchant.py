"""Browser: a merchant finds the paid order, packs it, ships it and prints the packing slip."""

from playwright.sync_api import expect

from cuncun.network.services import ensure_carrier
from cuncun.orders.models import Order, OrderStatus
from cuncun.orders.services import confirm_offline_payment, place_order, start_payment
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market, pickup_request  # noqa: F401  (the fixture)


def test_a_merchant_packs_and_ships_an_order_and_prints_its_slip(live_server, phone, market):  # noqa: F811
    ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    placed = place_order(
        actor=market.buyer,
        idempotency_key="e2e",
        request=pickup_request(market, [(market.tea.pk, 3)]),
    )
    confirm_offline_payment(
        actor=market.operator, payment=start_payment(actor=market.buyer, checkout=placed.checkout)
    )
    (order,) = placed.orders

    log_in(phone, live_server, "merchant", PASSWORD)
    phone.get_by_role("link", name="订单", exact=True).click()
    phone.get_by_role("link", name="待打包订单").click()
    expect(phone.locator("#sell-orders")).to_contain_text(order.number)
    phone.get_by_role("button", name="已打包").click()
    expect(phone.locator(".messages")).to_contain_text("已打包。")

    phone.get_by_role("link", name="已打包").click()
    phone.get_by_label("快递公司").select_option(label="中国邮政")
    phone.get_by_label("运单号").fill("YZ9800001111")
    phone.get_by_role("button", name="发货", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("已发货。")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.tracking_number == "YZ9800001111"

    phone.get_by_role("link", name="已发货").click()
    phone.get_by_role("button", name="打印发货单").click()
    slip = phone.locator(".slip")
    for shown in [order.number, "普洱茶", market.point.name]:
        expect(slip).to_contain_text(shown)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
