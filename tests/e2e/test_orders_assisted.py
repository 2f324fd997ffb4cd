"""Browser: a village operator starts 代购 from the console by writing the villager down, shops
for them (the choice stays on every page), takes the cash at the counter after its confirmation,
and the purchase goes into the point's service ledger."""

from playwright.sync_api import expect

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
    phone.locator('[data-key="assisted_purchase"]').click()
    form = phone.locator("#new-villager")
    form.get_by_label("村民姓名").fill("玉香")
    form.get_by_label("村民手机").fill("13700000009")
    form.get_by_role("button", name="为该村民代购").click()
    expect(phone.locator("#assisted-bar")).to_contain_text("正在为玉香代购")

    phone.goto(f"{live_server.url}/market/p/{market.coffee.product_id}/")
    expect(phone.locator("#assisted-bar")).to_contain_text("正在为玉香代购")
    phone.get_by_role("button", name="加入购物车").click()
    # the product page again, with the cart's link: leaving it before would cut the adding short
    expect(phone.locator(".messages")).to_contain_text("已加入购物车")
    phone.get_by_role("link", name="去购物车").click()
    phone.get_by_role("link", name="去结算").click()

    expect(phone.locator("#assisted-for")).to_contain_text("为玉香（137****0009）代购")
    expect(phone.get_by_label("取货点")).to_have_value(str(market.point.pk))  # their own point
    expect(phone.get_by_label("收货人", exact=True)).to_have_value("玉香")
    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_role("button", name="提交订单").click()
    expect(phone.locator("#payment")).to_contain_text("请到曼达村服务点支付现金 ¥80.00")
    expect(phone.locator("#assisted-bar")).to_have_count(0)  # the mode ended with the order

    phone.goto(f"{live_server.url}/market/point/")
    phone.locator("#cash").get_by_role("link", name="已收现金").click()
    # The confirmation says what the tap does before anything changes.
    expect(phone.locator("#confirm")).to_contain_text("变为已付款")
    phone.locator("#confirm").get_by_role("button", name="已收现金").click()

    expect(phone.locator(".messages")).to_contain_text("已收现金，订单已付款")
    checkout = Checkout.objects.get()
    assert (checkout.assisted_site, checkout.villager.name) == (market.point, "玉香")
    assert checkout.contact_phone == "13700000009"
    assert checkout.orders.get().status == OrderStatus.PAID
    record = ServiceRecord.objects.get(kind=SiteService.ASSISTED_PURCHASE)
    assert (record.site, record.amount) == (market.point, 80)
