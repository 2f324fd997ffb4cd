import pytest

from cuncun.accounts.models import Role
from cuncun.orders.models import CartLine, Checkout, Order, OrderStatus, Payment
from cuncun.orders.services import (
    confirm_offline_payment,
    pack_order,
    place_order,
    ship_order,
    start_payment,
)
from tests.conftest import township, village
from tests.merchants import factories as f
from tests.orders.conftest import pickup_request


def text(response) -> str:
    return response.content.decode()


def test_the_market_front_lists_products_in_chinese(client, market):
    page = text(client.get("/market/", {"q": "咖啡"}))
    assert '<div class="name">小粒咖啡</div>' in page
    assert '<div class="name">普洱茶</div>' not in page
    assert "搜索" in page and "购物车" in page


def test_a_product_page_offers_its_skus(client, market):
    page = text(client.get(f"/market/p/{market.tea.product_id}/"))
    assert "一级 500g" in page and "¥50.00" in page and "加入购物车" in page and "立即购买" in page


def test_buy_now_is_posted_and_sent_on_without_the_csrf_token_in_the_address(client, market):
    client.force_login(market.buyer)
    response = client.post(
        "/market/buy-now/",
        {"sku": market.tea.pk, "quantity": 2, "csrfmiddlewaretoken": "a-token"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/market/checkout/?sku={market.tea.pk}&quantity=2"
    assert "一级 500g" in text(client.get(response["Location"]))
    assert client.get("/market/buy-now/").status_code == 405


def test_anonymous_visitors_browse_but_log_in_to_check_out(client, market):
    response = client.get("/market/checkout/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_buyer_checks_out_a_two_seller_cart_from_the_pages(client, market):
    client.force_login(market.buyer)
    client.post("/market/cart/add/", {"sku": market.tea.pk, "quantity": 2})
    client.post("/market/cart/add/", {"sku": market.coffee.pk, "quantity": 1})
    cart = text(client.get("/market/cart/"))
    assert "刘家茶园" in cart and "曼达咖啡合作社" in cart and "¥180" in cart

    form = text(client.get("/market/checkout/"))
    assert market.point.name in form
    response = client.post(
        "/market/checkout/",
        {
            "idempotency_key": "page-1",
            "fulfilment": "pickup",
            "pickup_site": market.point.pk,
            "payment_provider": "offline",
        },
    )
    checkout = Checkout.objects.get()
    assert response["Location"] == f"/market/checkout/{checkout.pk}/"
    page = text(client.get(response["Location"]))
    assert "请到曼达村服务点支付现金" in page
    assert Order.objects.filter(checkout=checkout).count() == 2


def test_a_shortfall_is_shown_line_by_line_on_the_checkout_page(client, market):
    client.force_login(market.buyer)
    client.post("/market/cart/add/", {"sku": market.tea.pk, "quantity": 20})
    client.post("/market/cart/add/", {"sku": market.coffee.pk, "quantity": 9})
    page = text(
        client.post(
            "/market/checkout/",
            {
                "idempotency_key": "page-2",
                "fulfilment": "pickup",
                "pickup_site": market.point.pk,
                "payment_provider": "offline",
            },
        )
    )
    assert "库存不足（2 项）" in page
    assert "要20，只剩10" in page and "要9，只剩5" in page
    assert not Checkout.objects.exists()


def test_buy_now_goes_to_the_sandbox_gateway_and_back(client, market):
    client.force_login(market.buyer)
    response = client.post(
        "/market/checkout/",
        {
            "idempotency_key": "page-3",
            "sku": market.coffee.pk,
            "quantity": 1,
            "fulfilment": "delivery",
            "recipient_name": "张三",
            "recipient_phone": "13800000002",
            "address": "昆明市",
            "payment_provider": "sandbox",
        },
    )
    assert response["Location"].startswith("/market/sandbox-gateway/")
    back = client.post(response["Location"], {"decision": "pay"})
    checkout = Checkout.objects.get()
    assert back["Location"] == f"/market/checkout/{checkout.pk}/return/"
    client.get(back["Location"])  # asks the gateway
    assert Order.objects.get().status == OrderStatus.PAID


def paid_order(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="v",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    return Order.objects.get(pk=placed.orders[0].pk)


def test_the_seller_packs_ships_and_prints_slips(client, market):
    order = paid_order(market)
    client.force_login(market.tea_owner)
    page = text(client.get("/market/sell/"))
    assert order.number in page and "打印发货单" in page
    client.post(f"/market/orders/{order.pk}/step/", {"step": "pack"})
    client.post(f"/market/orders/{order.pk}/step/", {"step": "ship", "tracking_number": "YZ0001"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    slips = text(client.get("/market/sell/slips/", {"order": order.pk}))
    assert "发货单" in slips and market.point.name in slips and "市物流仓储配送中心" in slips


def test_another_seller_cannot_pack_the_order(client, market):
    order = paid_order(market)
    client.force_login(market.coffee_owner)
    response = client.post(f"/market/orders/{order.pk}/step/", {"step": "pack"})
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_the_point_counter_takes_cash_and_hands_over_by_code(client, market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="v",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    client.force_login(market.operator)
    assert "¥50.00" in text(client.get("/market/point/"))
    client.post(f"/market/point/cash/{payment.reference}/")
    assert Payment.objects.get().status == "succeeded"

    order = Order.objects.get()
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    client.post(f"/market/orders/{order.pk}/step/", {"step": "arrive"})
    order.refresh_from_db()
    wrong = client.post(
        f"/market/orders/{order.pk}/step/", {"step": "pickup", "code": "bad"}, follow=True
    )
    assert "取货码错误，还可以再试4次" in text(wrong)
    client.post(f"/market/orders/{order.pk}/step/", {"step": "pickup", "code": order.pickup_code})
    assert Order.objects.get().status == OrderStatus.COMPLETED


def test_the_buyer_sees_the_pickup_code_on_the_order_page(client, market):
    order = paid_order(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    from cuncun.orders.services import receive_at_point

    receive_at_point(actor=market.operator, order=order)
    order.refresh_from_db()
    client.force_login(market.buyer)
    page = text(client.get(f"/market/orders/{order.pk}/"))
    assert "您的取货码" in page and order.pickup_code in page
    client.force_login(market.tea_owner)
    assert order.pickup_code not in text(client.get(f"/market/orders/{order.pk}/"))


def test_township_staff_see_the_orders_of_their_townships_merchants(client, market, make_user):
    paid_order(market)
    gasa = make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    menglong = make_user("menglong", Role.TOWNSHIP_STAFF, township("勐龙镇"))
    client.force_login(gasa)
    assert "刘家茶园" not in text(client.get("/market/office/"))
    client.force_login(menglong)
    page = text(client.get("/market/office/"))
    assert "刘家茶园" in page and "辖区订单" in page


@pytest.mark.parametrize("url", ["/market/office/", "/market/point/", "/catalog/console/"])
def test_role_pages_refuse_a_plain_buyer(client, market, url):
    client.force_login(market.buyer)
    assert client.get(url).status_code == 403


def test_the_seller_console_lists_products_and_records_stock(client, market):
    client.force_login(market.tea_owner)
    page = text(client.get("/catalog/console/"))
    assert "商家后台" in page and "普洱茶" in page and "小粒咖啡" not in page
    client.post(
        f"/catalog/console/p/{market.tea.product_id}/stock/",
        {"sku": market.tea.pk, "site": market.warehouse.pk, "quantity": 7},
    )
    assert market.tea.stocks.get(site=market.warehouse).quantity == 7


def test_an_operator_buys_for_a_villager_chosen_before_the_checkout(client, market):
    from cuncun.network.models import ServiceRecord, SiteService

    client.force_login(market.operator)
    # The operator writes the villager down first; the market then carries the choice.
    client.post(
        "/market/assisted/",
        {"name": "玉香", "phone": "13700000009", "village": market.point.region_id},
    )
    client.post("/market/cart/add/", {"sku": market.coffee.pk, "quantity": 1})
    form = text(client.get("/market/checkout/"))
    assert "为玉香（137****0009）代购" in form and "正在为玉香代购" in form
    response = client.post(
        "/market/checkout/",
        {
            "idempotency_key": "assist-1",
            "fulfilment": "pickup",
            "pickup_site": market.point.pk,
            "payment_provider": "offline",
            "recipient_name": "玉香",
            "recipient_phone": "13700000009",
        },
    )
    checkout = Checkout.objects.get()
    assert checkout.assisted_site == market.point and checkout.on_behalf_of_name == "玉香"
    assert checkout.villager.phone == checkout.contact_phone == "13700000009"
    assert "正在为玉香代购" not in text(client.get("/market/"))  # the mode ends with the order
    payment = Payment.objects.get()
    client.post(f"/market/point/cash/{payment.reference}/")
    assert ServiceRecord.objects.filter(
        site=market.point, kind=SiteService.ASSISTED_PURCHASE
    ).exists()
    assert response.status_code == 302


def test_a_cart_update_without_a_quantity_is_refused_and_keeps_the_line(client, market):
    client.force_login(market.buyer)
    client.post("/market/cart/add/", {"sku": market.tea.pk, "quantity": 2})

    page = text(client.post("/market/cart/update/", {"sku": market.tea.pk}, follow=True))
    assert "这里需要整数" in page
    for garbled in ["", "abc", "-1", "1000"]:
        client.post("/market/cart/update/", {"sku": market.tea.pk, "quantity": garbled})

    assert CartLine.objects.get().quantity == 2
    client.post("/market/cart/update/", {"sku": market.tea.pk, "quantity": "0"})
    assert not CartLine.objects.exists()


def test_adding_more_than_an_order_takes_is_refused_in_words_on_the_product_page(client, market):
    client.force_login(market.buyer)
    client.post("/market/cart/add/", {"sku": market.tea.pk, "quantity": 999})
    page = text(
        client.post("/market/cart/add/", {"sku": market.tea.pk, "quantity": 1}, follow=True)
    )
    assert "最多999件" in page
    assert CartLine.objects.get().quantity == 999


def shipped_with_tracking(market, waybill="SF1234567890"):
    from cuncun.logistics.carriers import install_standard_carriers

    carrier = install_standard_carriers()["SF"]
    order = paid_order(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order, carrier=carrier, tracking_number=waybill)
    return Order.objects.get(pk=order.pk), carrier


def test_the_buyer_follows_the_parcel_scan_by_scan_on_the_order_page(client, market):
    from datetime import timedelta

    from django.utils import timezone

    from cuncun.logistics.models import EventKind, EventSource
    from cuncun.logistics.services import EventInput, ParcelDetails, record_event

    order, carrier = shipped_with_tracking(market)
    start = timezone.now() - timedelta(hours=5)
    for hours, kind, site in [
        (0, EventKind.ACCEPTED, None),
        (2, EventKind.ARRIVED_HUB, market.warehouse),
        (3, EventKind.DEPARTED_HUB, market.warehouse),
    ]:
        record_event(
            actor=None,
            carrier=carrier,
            waybill="sf1234567890",
            event=EventInput(
                kind=kind, occurred_at=start + timedelta(hours=hours), site=site, location="景洪"
            ),
            source=EventSource.API,
            details=ParcelDetails(point=market.point),
        )
    client.force_login(market.buyer)

    page = text(client.get(f"/market/orders/{order.pk}/"))

    tracking = page[page.index('id="tracking"') :]
    tracking = tracking[: tracking.index("</section>")]
    assert "包裹跟踪" in tracking
    assert tracking.count("<li>") == 3
    assert tracking.index("已揽收") < tracking.index("到达分拨点") < tracking.index("离开分拨点")
    assert "顺丰" in page
    assert market.warehouse.name in tracking


def test_an_order_whose_waybill_logistics_does_not_know_shows_no_tracking(client, market):
    order, _carrier = shipped_with_tracking(market, waybill="SF000")
    client.force_login(market.buyer)
    assert 'id="tracking"' not in text(client.get(f"/market/orders/{order.pk}/"))


def test_the_county_office_filters_its_orders_by_state(client, market, office_user):
    paid = paid_order(market)
    unpaid = place_order(
        actor=market.buyer,
        idempotency_key="unpaid",
        request=pickup_request(market, [(market.coffee.pk, 1)]),
    ).orders[0]
    client.force_login(office_user)

    page = text(client.get("/market/office/", {"status": OrderStatus.PENDING_PAYMENT}))

    table = page[page.index('id="office-orders"') :]
    assert unpaid.number in table and paid.number not in table
    table = text(client.get("/market/office/", {"status": OrderStatus.PAID}))
    table = table[table.index('id="office-orders"') :]
    assert paid.number in table and unpaid.number not in table


def test_a_merchants_account_has_no_office_order_view(client, market):
    paid_order(market)
    client.force_login(market.coffee_owner)
    assert client.get("/market/office/").status_code == 403
    assert client.get("/api/orders/", {"role": "office"}).json() == []


def test_only_staff_who_follow_an_areas_orders_read_them_through_the_queryset(
    market, office_user, gasa_staff, menglong_staff
):
    order = paid_order(market)  # the tea garden's, in 勐龙镇
    readers = {
        user.username: list(Order.objects.visible_to(user))
        for user in (
            office_user,
            menglong_staff,
            gasa_staff,
            market.tea_owner,
            market.coffee_owner,
            market.operator,
            market.buyer,
        )
    }
    assert readers == {
        "office": [order],
        "menglong": [order],
        "gasa": [],
        # a merchant's, an operator's and a buyer's accounts read their orders elsewhere
        "merchant": [],
        "coffee": [],
        "operator": [],
        "buyer": [],
    }


def test_township_staff_see_a_refund_not_paid_back_but_only_the_office_sends_it_again(
    client, market, menglong_staff
):
    from cuncun.orders.models import Refund, RefundStatus
    from cuncun.orders.services import refund_order

    order = paid_order(market)
    refund_order(actor=market.buyer, order=order, reason="不要了")
    refund = Refund.objects.get()
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED, last_error="timeout")
    client.force_login(menglong_staff)
    page = text(client.get("/market/office/"))
    assert "尚未退回的退款" in page and "timeout" in page
    assert f"/market/office/refunds/{refund.pk}/retry/" not in page

    page = text(client.post(f"/market/office/refunds/{refund.pk}/retry/", follow=True))

    assert "只有市电商办可以这样做" in page
    assert Refund.objects.get().status == RefundStatus.FAILED


def test_the_office_sees_a_refund_not_paid_back_and_sends_it_again(
    client, market, office_user, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from cuncun.core.models import AuditEntry
    from cuncun.orders.models import Refund, RefundStatus
    from cuncun.orders.services import refund_order

    order = paid_order(market)
    refund_order(actor=market.buyer, order=order, reason="不要了")  # its task is not run here
    refund = Refund.objects.get()
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED, last_error="timeout")
    client.force_login(office_user)
    page = text(client.get("/market/office/"))
    assert "尚未退回的退款" in page and "timeout" in page
    assert f"/market/office/refunds/{refund.pk}/retry/" in page

    with django_capture_on_commit_callbacks(execute=True):
        page = text(client.post(f"/market/office/refunds/{refund.pk}/retry/", follow=True))

    assert "已重新发起退款" in page
    assert Refund.objects.get().status == RefundStatus.PENDING
    entry = AuditEntry.objects.get(action="refund.retry")
    assert entry.actor == office_user and entry.before["status"] == RefundStatus.FAILED
    queued = DBTaskResult.objects.filter(task_path__endswith="send_refund")
    assert [row.args_kwargs["args"] for row in queued] == [[refund.pk]]
    client.force_login(market.buyer)
    page = text(client.get(f"/market/orders/{order.pk}/"))
    refund_line = page[page.index('id="refund"') :].split("</p>")[0]
    assert "退款中" in refund_line and "未退回" not in refund_line


def test_the_sandbox_gateways_page_sends_the_buyer_back_only_to_this_site(client, market):
    from cuncun.orders.models import SandboxCharge

    charge = SandboxCharge.objects.create(
        token="t1", merchant_reference="r1", amount="10", return_url="https://evil.example/"
    )
    assert (
        client.post(f"/market/sandbox-gateway/{charge.token}/", {"decision": "fail"})["Location"]
        == "/"
    )


def test_shipping_from_the_page_with_a_garbled_tracking_number_says_so_and_ships_nothing(
    client, market
):
    order = paid_order(market)
    pack_order(actor=market.tea_owner, order=order)
    client.force_login(market.tea_owner)
    page = text(
        client.post(
            f"/market/orders/{order.pk}/step/",
            {"step": "ship", "tracking_number": "Y" * 41},
            follow=True,
        )
    )
    assert "40" in page
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKED


def test_the_checkout_offers_every_pickup_point_grouped_under_its_township(client, market):
    # Given points that take pickups in two townships, and one that does not
    f.pickup_point(village("勐龙镇", "景龙村委会"), name="景龙村服务点")
    f.pickup_point(village("嘎洒镇", "曼勉村委会"), name="曼勉村服务点")
    f.pickup_point(village("嘎洒镇", "曼播村委会"), name="曼播村服务点", mode="disabled")
    client.force_login(market.buyer)

    # When the buyer opens the checkout
    page = text(client.get("/market/checkout/", {"sku": market.tea.pk, "quantity": 1}))

    # Then each point is offered under its township, the one without pickup nowhere
    gasa = page[page.index('<optgroup label="嘎洒镇">') :]
    gasa = gasa[: gasa.index("</optgroup>")]
    assert "曼达村服务点（曼达村委会）" in gasa and "曼勉村服务点（曼勉村委会）" in gasa
    assert '<optgroup label="勐龙镇">' in page and "景龙村服务点（景龙村委会）" in page
    assert "曼播村服务点" not in page
    assert 'id="pickup-township"' in page and 'id="pickup-search"' in page


def test_a_pickup_without_a_point_is_told_only_to_choose_a_point(client, market):
    # Given a buyer who chose pickup and cash but no point
    client.force_login(market.buyer)
    response = client.post(
        "/market/checkout/",
        {
            "idempotency_key": "no-point",
            "sku": market.tea.pk,
            "quantity": 1,
            "fulfilment": "pickup",
            "pickup_site": "",
            "recipient_phone": "13900000001",
            "payment_provider": "offline",
        },
    )
    # Then the page names the missing point, and nothing about delivery or cash
    page = text(response)
    assert "请选择取货点" in page
    assert "现金" not in page.split('role="alert"')[1].split("</div>")[0]
    assert not Checkout.objects.exists()
