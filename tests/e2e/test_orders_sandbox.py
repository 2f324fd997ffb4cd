"""Browser: a buyer buys now for delivery, pays on the sandbox gateway's page and comes back to an
order shown paid."""

from playwright.sync_api import expect

from cuncun.orders.models import Order, OrderStatus, PaymentStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def test_a_buyer_pays_on_the_sandbox_gateway_and_the_order_shows_paid(
    live_server,
    phone,
    market,  # noqa: F811
):
    log_in(phone, live_server, "buyer", PASSWORD)
    phone.goto(f"{live_server.url}/market/p/{market.coffee.product_id}/")
    phone.get_by_role("button", name="立即购买").click()
    phone.get_by_label("送货上门").check()
    phone.get_by_label("收货人", exact=True).fill("张三")
    phone.get_by_label("收货人手机").fill("13800000002")
    phone.get_by_label("收货地址").fill("昆明市五华区某路1号")
    phone.get_by_label("在线支付（沙箱）").check()
    phone.get_by_role("button", name="提交订单").click()

    expect(phone.get_by_role("heading", name="沙箱支付网关")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("¥80.00")
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    phone.get_by_role("button", name="付款").click()

    expect(phone.locator("#payment")).to_contain_text("已付款")
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.checkout.payments.get().status == PaymentStatus.SUCCEEDED
    phone.get_by_role("link", name=market.coffee_coop.name).click()
    expect(phone.locator("#order-status")).to_have_text("已付款")
