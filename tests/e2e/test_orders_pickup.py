"""Browser: a buyer orders from two sellers in one cart, pays cash at the village point, and
picks both orders up there with the one-time codes."""

from playwright.sync_api import expect

from cuncun.network.models import ServiceRecord, SiteService
from cuncun.orders.models import Order, OrderStatus
from cuncun.orders.services import pack_order, ship_order
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def add_to_cart(page, live_server, product_name):
    page.goto(f"{live_server.url}/market/")
    page.get_by_role("link", name=product_name).first.click()
    page.get_by_role("button", name="加入购物车").first.click()
    expect(page.locator(".messages")).to_contain_text("已加入购物车")


def test_a_buyer_orders_from_two_sellers_and_picks_up_at_the_village_point_with_the_code(
    live_server,
    browser,
    phone,
    market,  # noqa: F811
):
    log_in(phone, live_server, "buyer", PASSWORD)
    add_to_cart(phone, live_server, "普洱茶")
    add_to_cart(phone, live_server, "小粒咖啡")

    phone.get_by_role("link", name="去购物车").click()
    # 刘家茶园 first: the coffee's page, which the click leaves, names 曼达咖啡合作社 too
    expect(phone.locator("body")).to_contain_text("刘家茶园")
    expect(phone.locator("body")).to_contain_text("曼达咖啡合作社")
    phone.get_by_role("link", name="去结算").click()
    phone.get_by_label("到服务点自提").check()
    phone.get_by_label("取货点").select_option(label=f"{market.point.name}（曼达村委会）")
    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_role("button", name="提交订单").click()
    expect(phone.locator("#payment")).to_contain_text("请到曼达村服务点支付现金 ¥130.00")
    orders = list(Order.objects.order_by("pk"))
    assert [o.merchant.name for o in orders] == ["刘家茶园", "曼达咖啡合作社"]

    # The operator takes the cash at the counter.
    counter = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    log_in(counter, live_server, "operator", PASSWORD)
    counter.goto(f"{live_server.url}/market/point/")
    counter.locator("#cash").get_by_role("link", name="已收现金").click()
    # The confirmation says what the tap does before anything changes.
    expect(counter.locator("#confirm")).to_contain_text("变为已付款")
    counter.locator("#confirm").get_by_role("button", name="已收现金").click()
    expect(counter.locator(".messages")).to_contain_text("已收现金，订单已付款")

    # The sellers ship to the point; the operator checks both parcels in.
    for order, seller in zip(orders, [market.tea_owner, market.coffee_owner], strict=True):
        pack_order(actor=seller, order=order)
        ship_order(actor=seller, order=order, tracking_number=f"YZ{order.pk:04d}")
    counter.goto(f"{live_server.url}/market/point/")
    for _ in orders:
        # the next tap on the page that answered this one
        with counter.expect_navigation():
            counter.locator("#incoming").get_by_role("button", name="签收").first.click()
    expect(counter.locator("#waiting li")).to_have_count(2)

    # The buyer reads each code on their order page and shows it at the counter.
    for order in orders:
        phone.goto(f"{live_server.url}/market/orders/mine/")
        phone.locator("#my-orders").get_by_role("link").filter(has_text=order.merchant.name).click()
        shown = phone.locator("#pickup-code .code")
        expect(shown).to_be_visible()  # only the order's page has it
        code = shown.inner_text().strip()
        assert len(code) == 6

        counter.goto(f"{live_server.url}/market/point/")
        counter.get_by_label(f"买家取货码 {order.number}").fill(code)
        counter.get_by_label(f"买家取货码 {order.number}").press("Enter")
        expect(counter.locator(".messages")).to_contain_text("已交付，订单完成")

    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.COMPLETED}
    assert ServiceRecord.objects.filter(site=market.point, kind=SiteService.PICKUP).count() == 2


def test_a_wrong_pickup_code_is_refused_in_plain_words(live_server, browser, phone, market):  # noqa: F811
    from cuncun.orders.services import (
        confirm_offline_payment,
        place_order,
        receive_at_point,
        start_payment,
    )
    from tests.orders.conftest import pickup_request

    placed = place_order(
        actor=market.buyer,
        idempotency_key="e2e",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    confirm_offline_payment(
        actor=market.operator, payment=start_payment(actor=market.buyer, checkout=placed.checkout)
    )
    (order,) = placed.orders
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)

    log_in(phone, live_server, "operator", PASSWORD)
    phone.goto(f"{live_server.url}/market/point/")
    phone.get_by_label(f"买家取货码 {order.number}").fill(
        "000000" if order.pickup_code != "000000" else "111111"
    )
    phone.get_by_role("button", name="交付").click()
    expect(phone.locator(".messages")).to_contain_text("取货码错误，还可以再试4次")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AT_PICKUP_POINT
