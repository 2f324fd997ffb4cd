"""Browser: a buyer in a running festival sees it on the market front with its countdown, buys
the tea at its festival price with the program's voucher, and reads every price on the order.
A buyer with the program's free-pickup voucher collects at the village point without paying its
fee, and the operator hands over with nothing to collect. And a pre-order: a buyer books and
pays, the merchant confirms the harvest, the order is filled."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from cuncun.network.models import ServiceRecord, SiteService
from cuncun.network.services import set_site_fee
from cuncun.orders.models import Order, OrderStatus, PreorderOffer
from cuncun.orders.preorders import open_preorder
from cuncun.orders.services import confirm_offline_payment, pack_order, ship_order
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)
from tests.promotions.conftest import (  # noqa: F401  (fixtures)
    budget_line,
    festival,
    office,
    vouchers,
)


def test_a_buyer_uses_a_voucher_in_the_festival_and_reads_each_price_on_the_order(
    live_server,
    phone,
    festival,  # noqa: F811
    budget_line,  # noqa: F811
):
    vouchers(
        festival.office,
        budget_line=budget_line,
        name="平台直降5元",
        kind="direct",
        amount="5",
        threshold="0",
        with_festival_prices=True,
    )
    log_in(phone, live_server, "buyer", PASSWORD)
    phone.goto(f"{live_server.url}/market/")
    campaigns = phone.locator("#campaigns")
    expect(campaigns).to_contain_text("双十二网络购物节")
    expect(campaigns).to_contain_text("距结束")
    expect(campaigns).to_contain_text("每人限购3件")
    campaigns.get_by_role("link", name="普洱茶").click()
    phone.get_by_role("button", name="加入购物车").first.click()
    # the product page again, with the cart's link: leaving it before would cut the adding short
    expect(phone.locator(".messages")).to_contain_text("已加入购物车")
    phone.get_by_role("link", name="去购物车").click()
    phone.get_by_role("link", name="去结算").click()
    expect(phone.locator("body")).to_contain_text("¥40.00（原价¥50.00）")
    phone.get_by_label("到服务点自提").check()
    phone.get_by_label("取货点").select_option(label=f"{festival.point.name}（曼达村委会）")
    phone.get_by_label("到服务点现金支付").check()
    phone.locator("#vouchers").get_by_label("平台直降5元", exact=False).check()
    phone.screenshot(path="/tmp/festival-checkout.png", full_page=True)
    phone.get_by_role("button", name="提交订单").click()
    expect(phone.locator("#payment")).to_contain_text("¥35.00")

    order = Order.objects.get()
    phone.goto(f"{live_server.url}/market/orders/{order.pk}/")
    lines = phone.locator("#price-lines")
    for shown in ["活动价，原价¥50.00", "平台直降5元", "−¥5.00", "平台券（专项资金出资）"]:
        expect(lines).to_contain_text(shown)
    phone.screenshot(path="/tmp/festival-order.png", full_page=True)


def test_a_buyer_collects_with_a_free_pickup_voucher_and_the_counter_collects_no_fee(
    live_server,
    browser,
    phone,
    festival,  # noqa: F811
    budget_line,  # noqa: F811
):
    # Given the village point charges ¥1.50 for handing an order over, and the festival offers
    # the program's free-pickup voucher
    point = festival.point
    set_site_fee(actor=None, site=point, service=SiteService.PICKUP, amount="1.5", per="单")
    vouchers(
        festival.office,
        budget_line=budget_line,
        name="购物节免取件费券",
        kind="free_pickup",
        amount="2",
        threshold="0",
    )
    # When the buyer orders the coffee for pickup there with the voucher
    log_in(phone, live_server, "buyer", PASSWORD)
    phone.goto(f"{live_server.url}/market/")
    phone.get_by_role("link", name="小粒咖啡").first.click()
    phone.get_by_role("button", name="加入购物车").first.click()
    expect(phone.locator(".messages")).to_contain_text("已加入购物车")
    phone.get_by_role("link", name="去购物车").click()
    phone.get_by_role("link", name="去结算").click()
    phone.get_by_label("到服务点自提").check()
    phone.get_by_label("取货点").select_option(
        label=f"{festival.point.name}（曼达村委会） · 取件费¥1.50"
    )
    phone.get_by_label("到服务点现金支付").check()
    vouchers_box = phone.locator("#vouchers")
    expect(vouchers_box).to_contain_text("代付服务点取件费，每单最多¥2.00")
    vouchers_box.get_by_label("购物节免取件费券", exact=False).check()
    phone.get_by_role("button", name="提交订单").click()
    # then the goods cost what they cost, and the order says the voucher pays the point's fee
    expect(phone.locator("#payment")).to_contain_text("¥80.00")
    order = Order.objects.get()
    phone.goto(f"{live_server.url}/market/orders/{order.pk}/")
    fee = phone.locator("#pickup-fee")
    for shown in ["服务点取件费", "¥1.50", "购物节免取件费券", "平台券（专项资金出资）", "−¥1.50"]:
        expect(fee).to_contain_text(shown)
    due = phone.locator("#pickup-fee + .row")
    expect(due).to_contain_text("取货时应付")
    expect(due).to_contain_text("¥0.00")

    # When it is paid, shipped and checked in at the point
    confirm_offline_payment(actor=festival.operator, payment=order.checkout.payments.get())
    pack_order(actor=festival.coffee_owner, order=order)
    ship_order(actor=festival.coffee_owner, order=order, tracking_number="YZ0001")
    counter = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    log_in(counter, live_server, "operator", PASSWORD)
    counter.goto(f"{live_server.url}/market/point/")
    counter.locator("#incoming").get_by_role("button", name="签收").click()
    # then the counter sees there is no fee to collect, and hands it over with the buyer's code
    expect(counter.locator("#waiting")).to_contain_text("取件费已由优惠券支付，无需收取")
    order.refresh_from_db()
    counter.get_by_label(f"买家取货码 {order.number}").fill(order.pickup_code)
    counter.get_by_label(f"买家取货码 {order.number}").press("Enter")
    done = counter.locator(".messages")
    expect(done).to_contain_text("已交付，订单完成")
    expect(done).to_contain_text("无需收取")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    row = ServiceRecord.objects.get(site=festival.point, kind=SiteService.PICKUP)
    assert row.amount == Decimal("1.50") and budget_line in row.note


def test_a_pre_order_booked_and_paid_is_filled_at_harvest(
    live_server,
    browser,
    phone,
    market,  # noqa: F811
):
    offer = open_preorder(
        actor=market.coffee_owner,
        sku=market.coffee,
        price="60",
        quota=10,
        closes_at=timezone.now() + timedelta(days=1),
        expected_harvest=timezone.localdate() + timedelta(days=10),
        expected_grade="一级",
    )
    log_in(phone, live_server, "buyer", PASSWORD)
    phone.goto(f"{live_server.url}/market/")
    phone.locator("#preorders").get_by_role("link", name="小粒咖啡").click()
    phone.get_by_label("数量").fill("2")
    phone.get_by_label("到服务点自提").check()
    phone.get_by_label("取货点").select_option(label=f"{market.point.name}（曼达村委会）")
    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_role("button", name="预订并付款").click()
    expect(phone.locator("#payment")).to_contain_text("¥120.00")
    order = Order.objects.get()
    confirm_offline_payment(actor=market.operator, payment=order.checkout.payments.get())

    seller = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    log_in(seller, live_server, "coffee", PASSWORD)
    seller.goto(f"{live_server.url}/market/preorders/{offer.pk}/")
    seller.get_by_label("实收数量").fill("5")
    seller.get_by_label("等级").fill("特级")
    seller.get_by_role("button", name="确认采收").click()
    expect(seller.locator(".messages")).to_contain_text("已分配 1 单")
    seller.screenshot(path="/tmp/festival-harvest.png", full_page=True)

    phone.goto(f"{live_server.url}/market/orders/{order.pk}/")
    expect(phone.locator("#price-lines")).to_contain_text("特级")
    assert PreorderOffer.objects.get().harvested_quantity == 5
