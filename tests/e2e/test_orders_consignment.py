"""Browser: 代售 on a phone. The operator receives a farmer's pineapples from the console's
"代售 收货" button and prints the receipt with the point's commission; a buyer buys them and
collects them at the point; the operator pays the farmer after a confirmation and prints the
slip."""

from decimal import Decimal

from playwright.sync_api import expect

from cuncun.catalog.models import Stock, Unit
from cuncun.merchants.models import MerchantKind
from cuncun.network.services import set_commission_rate
from cuncun.orders.models import FarmerEntry, FarmerEntryKind, Order
from cuncun.orders.services import pack_order, ship_order
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.merchants import factories as f
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def test_an_operator_receives_a_farmers_produce_it_sells_and_the_farmer_is_paid_with_a_slip(
    live_server,
    browser,
    phone,
    market,  # noqa: F811
    gasa_staff,
):
    farmer = f.merchant(
        "岩温",
        kind=MerchantKind.FARMER,
        region=village("嘎洒镇", "曼达村委会"),
        represented_by=market.operator,
    )
    pineapple = f.product(
        farmer, "菠萝", price="3.45", unit=Unit.JIN, cat=f.category("fruit", "水果")
    ).skus.get()
    set_commission_rate(actor=gasa_staff, site=market.point, percent="8", reason="乡镇会议决定")

    # The farmer brings 40 jin; the operator weighs them and records the intake.
    log_in(phone, live_server, "operator", PASSWORD)
    phone.locator('[data-key="consign_intake"]').click()
    expect(phone.locator("#rate")).to_contain_text("8.00%")
    phone.get_by_role("link", name="收岩温的货").click()
    phone.get_by_label("数量（称重或点数）").fill("40")
    phone.get_by_role("button", name="入库").click()
    receipt = phone.locator("#receipt")
    for shown in ["岩温", "40 斤", "8.00%"]:
        expect(receipt).to_contain_text(shown)
    assert Stock.objects.get(site=market.point, sku=pineapple).quantity == 40

    # A buyer buys 7 jin for pickup at the point and pays cash there.
    buyer = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    log_in(buyer, live_server, "buyer", PASSWORD)
    buyer.goto(f"{live_server.url}/market/p/{pineapple.product_id}/")
    buyer.locator("input[name=quantity]").first.fill("7")
    buyer.get_by_role("button", name="加入购物车").first.click()
    # the product page again, with the cart's link: leaving it before would cut the adding short
    expect(buyer.locator(".messages")).to_contain_text("已加入购物车")
    buyer.get_by_role("link", name="去购物车").click()
    buyer.get_by_role("link", name="去结算").click()
    buyer.get_by_label("到服务点自提").check()
    buyer.get_by_label("取货点").select_option(label=f"{market.point.name}（曼达村委会）")
    buyer.get_by_label("到服务点现金支付").check()
    buyer.get_by_role("button", name="提交订单").click()
    expect(buyer.locator("#payment")).to_contain_text("¥24.15")

    phone.goto(f"{live_server.url}/market/point/")
    phone.locator("#cash").get_by_role("link", name="已收现金").click()
    phone.locator("#confirm").get_by_role("button", name="已收现金").click()
    expect(phone.locator(".messages")).to_contain_text("已收现金，订单已付款")

    # Packed from the point's own shelf, it waits there; the buyer collects it with the code.
    order = Order.objects.get()
    pack_order(actor=market.operator, order=order)
    ship_order(actor=market.operator, order=order)
    order.refresh_from_db()
    phone.goto(f"{live_server.url}/market/point/")
    phone.get_by_label(f"买家取货码 {order.number}").fill(order.pickup_code)
    phone.get_by_label(f"买家取货码 {order.number}").press("Enter")
    expect(phone.locator(".messages")).to_contain_text("已交付")

    # The console now counts a farmer with money to collect; the operator pays after confirming.
    phone.goto(f"{live_server.url}/console/")
    expect(phone.locator('[data-key="consign_intake"] .console-count')).to_have_text("1")
    phone.locator('[data-key="consign_intake"]').click()
    phone.get_by_role("link", name="给岩温付款").click()
    expect(phone.locator("#balance")).to_contain_text("¥22.22")  # ¥24.15 less 8% (¥1.93)
    phone.get_by_role("button", name="下一步").click()
    expect(phone.locator("#confirm")).to_contain_text("22.22")
    phone.locator("#confirm").get_by_role("button", name="付款").click()

    slip = phone.locator("#slip")
    for shown in ["岩温", "¥22.22", "现金", "农户签字"]:
        expect(slip).to_contain_text(shown)
    payout = FarmerEntry.objects.get(kind=FarmerEntryKind.PAYOUT)
    assert payout.amount == Decimal("-22.22") and payout.recorded_by == market.operator
    # Sending the confirmation again (a double tap) pays nothing more.
    phone.go_back()
    phone.locator("#confirm").get_by_role("button", name="付款").click()
    expect(slip).to_be_visible()  # the same slip again: the server has answered
    assert FarmerEntry.objects.filter(kind=FarmerEntryKind.PAYOUT).count() == 1
