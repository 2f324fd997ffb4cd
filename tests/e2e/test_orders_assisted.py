"""Browser: a village operator buys for a villager at their point (代购), takes the cash at the
counter, and the purchase goes into the point's service ledger."""

from cuncun.network.models import ServiceRecord, SiteService
from cuncun.orders.models import Checkout, OrderStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def test_a_village_operator_buys_for_a_villager_and_takes_the_cash_at_the_point(
    live_server,
    phone,
    market,  # noqa: F811
):
    log_in(phone, live_server, "operator", PASSWORD)
    phone.goto(f"{live_server.url}/market/p/{market.coffee.product_id}/")
    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_load_state()
    phone.get_by_role("link", name="去购物车").click()
    phone.get_by_role("link", name="去结算").click()

    phone.get_by_label("到服务点自提").check()
    assert phone.get_by_label("取货点").input_value() == str(market.point.pk)  # their own point
    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_label("我在为村民代购").check()
    phone.get_by_label("村民姓名").fill("玉香")
    phone.get_by_label("村民手机").fill("13700000009")
    phone.get_by_role("button", name="提交订单").click()
    phone.wait_for_load_state()
    assert "请到曼达村服务点支付现金 ¥80.00" in phone.locator("#payment").inner_text()

    phone.goto(f"{live_server.url}/market/point/")
    phone.locator("#cash").get_by_role("button", name="已收现金").click()
    phone.wait_for_load_state()

    assert "已收现金，订单已付款" in phone.locator(".messages").inner_text()
    checkout = Checkout.objects.get()
    assert (checkout.assisted_site, checkout.on_behalf_of_name) == (market.point, "玉香")
    assert checkout.orders.get().status == OrderStatus.PAID
    record = ServiceRecord.objects.get(kind=SiteService.ASSISTED_PURCHASE)
    assert (record.site, record.amount) == (market.point, 80)
