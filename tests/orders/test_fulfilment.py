from datetime import timedelta

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.catalog.models import Stock
from cuncun.core.errors import Conflict, NotAllowed
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.merchants.models import MerchantKind
from cuncun.network.models import ServiceRecord, SiteService
from cuncun.orders.models import Order, OrderStatus, PaymentStatus, Refund
from cuncun.orders.queries import merchants_with_sales
from cuncun.orders.services import (
    PICKUP_CODE_MAX_FAILURES,
    CheckoutRequest,
    PickupRefused,
    TransitionRefused,
    confirm_delivery,
    confirm_offline_payment,
    confirm_receipt,
    pack_order,
    pick_up_order,
    place_order,
    receive_at_point,
    refund_order,
    reissue_pickup_code,
    ship_order,
    start_payment,
)
from tests.conftest import village
from tests.merchants import factories as f
from tests.orders.conftest import delivery_request, pickup_request


def paid_pickup(market, lines=None, key="k"):
    placed = place_order(
        actor=market.buyer,
        idempotency_key=key,
        request=pickup_request(market, lines or [(market.tea.pk, 2)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    return [Order.objects.get(pk=o.pk) for o in placed.orders]


def fresh(order):
    return Order.objects.get(pk=order.pk)


def test_a_pickup_order_goes_from_paid_to_picked_up_with_its_code(market):
    (order,) = paid_pickup(market)

    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order, tracking_number="YZ123")
    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    assert (stock.quantity, stock.quantity_allocated) == (8, 0)  # the goods left the warehouse

    receive_at_point(actor=market.operator, order=order)
    order = fresh(order)
    assert order.status == OrderStatus.AT_PICKUP_POINT and len(order.pickup_code) == 6
    sms = OutboxMessage.objects.get(reference=f"orders.Order:{order.pk}")
    assert sms.to == market.buyer.phone and order.pickup_code in sms.text

    pick_up_order(actor=market.operator, order=order, code=order.pickup_code)

    assert fresh(order).status == OrderStatus.COMPLETED
    record = ServiceRecord.objects.get(site=market.point, kind=SiteService.PICKUP)
    assert record.reference == f"orders.Order:{order.pk}"


def test_a_wrong_code_is_refused_and_counted(market):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)
    code = fresh(order).pickup_code
    wrong = "000000" if code != "000000" else "111111"

    with pytest.raises(PickupRefused) as error:
        pick_up_order(actor=market.operator, order=order, code=wrong)
    assert error.value.code == "pickup_code_wrong"
    assert error.value.details["tries_left"] == PICKUP_CODE_MAX_FAILURES - 1
    assert fresh(order).pickup_code_failures == 1
    assert fresh(order).status == OrderStatus.AT_PICKUP_POINT

    for _ in range(PICKUP_CODE_MAX_FAILURES - 1):
        with pytest.raises(PickupRefused):
            pick_up_order(actor=market.operator, order=order, code=wrong)
    with pytest.raises(PickupRefused) as error:
        pick_up_order(actor=market.operator, order=order, code=code)  # even the right one now
    assert error.value.code == "pickup_code_locked"

    reissue_pickup_code(actor=market.buyer, order=order)
    pick_up_order(actor=market.operator, order=order, code=fresh(order).pickup_code)
    assert fresh(order).status == OrderStatus.COMPLETED


def test_a_used_code_is_refused_clearly(market):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)
    code = fresh(order).pickup_code
    pick_up_order(actor=market.operator, order=order, code=code)

    with pytest.raises(PickupRefused, match=r"已于.*使用") as error:
        pick_up_order(actor=market.operator, order=order, code=code)
    assert error.value.code == "pickup_code_used"


def test_an_expired_code_is_refused_clearly(market):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)
    Order.objects.filter(pk=order.pk).update(
        pickup_code_expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(PickupRefused, match="过期") as error:
        pick_up_order(actor=market.operator, order=order, code=fresh(order).pickup_code)
    assert error.value.code == "pickup_code_expired"


def test_only_the_points_operator_hands_goods_over(market, make_user):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)
    other = make_user("other-op", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼勉村委会"))
    with pytest.raises(NotAllowed):
        pick_up_order(actor=other, order=order, code=fresh(order).pickup_code)


def test_goods_from_the_points_own_shelf_wait_there_once_shipped(market):
    f.stock(market.tea, market.point, 5)
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    assert fresh(order).status == OrderStatus.AT_PICKUP_POINT
    assert Stock.objects.get(sku=market.tea, site=market.point).quantity == 3


def test_a_delivered_order_is_completed_when_the_buyer_confirms(market):
    from cuncun.orders.models import SandboxCharge
    from cuncun.orders.payments import PROVIDERS
    from cuncun.orders.services import refresh_payment

    placed = place_order(
        actor=market.buyer, idempotency_key="k", request=delivery_request([(market.coffee.pk, 1)])
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    PROVIDERS["sandbox"].decide(SandboxCharge.objects.get().token, pay=True)
    refresh_payment(actor=market.buyer, payment=payment)
    (order,) = placed.orders

    pack_order(actor=market.coffee_owner, order=order)
    ship_order(actor=market.coffee_owner, order=order)
    with pytest.raises(TransitionRefused):
        receive_at_point(actor=market.operator, order=order)
    confirm_delivery(actor=market.coffee_owner, order=order)
    confirm_receipt(actor=market.buyer, order=order)
    assert fresh(order).status == OrderStatus.COMPLETED


def test_steps_out_of_order_are_refused(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    (order,) = placed.orders
    with pytest.raises(TransitionRefused):
        pack_order(actor=market.tea_owner, order=order)  # not paid
    (order,) = paid_pickup(market, key="k2")
    with pytest.raises(TransitionRefused):
        ship_order(actor=market.tea_owner, order=order)  # not packed
    with pytest.raises(TransitionRefused):
        confirm_receipt(actor=market.buyer, order=order)
    assert fresh(order).status == OrderStatus.PAID


def test_every_step_is_audited(market):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    receive_at_point(actor=market.operator, order=order)
    pick_up_order(actor=market.operator, order=order, code=fresh(order).pickup_code)

    actions = list(
        AuditEntry.objects.for_object(order).order_by("id").values_list("action", "after__status")
    )
    assert actions == [
        ("order.place", "pending_payment"),
        ("order.pay", "paid"),
        ("order.pack", "packed"),
        ("order.ship", "shipped"),
        ("order.arrive", "at_pickup_point"),
        ("order.pick_up", "completed"),
    ]


def test_a_seller_acts_only_on_their_own_orders(market):
    orders = paid_pickup(market, [(market.tea.pk, 1), (market.coffee.pk, 1)])
    tea_order = next(o for o in orders if o.merchant == market.tea_garden)
    with pytest.raises(NotAllowed):
        pack_order(actor=market.coffee_owner, order=tea_order)


def test_a_refund_before_shipping_returns_the_units_to_stock(market):
    orders = paid_pickup(market, [(market.tea.pk, 2), (market.coffee.pk, 1)])
    tea_order = next(o for o in orders if o.merchant == market.tea_garden)

    refund_order(actor=market.buyer, order=tea_order, reason="买错了")

    assert fresh(tea_order).status == OrderStatus.REFUNDED
    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    assert (stock.quantity, stock.quantity_allocated) == (10, 0)
    refund = Refund.objects.get()
    assert refund.amount == 100 and refund.payment.status == PaymentStatus.SUCCEEDED
    assert refund.payment.refunded_amount == 100  # the coffee order is still paid


def test_the_buyer_cannot_refund_once_packed_but_the_seller_can(market):
    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    with pytest.raises(NotAllowed):
        refund_order(actor=market.buyer, order=order, reason="不要了")
    refund_order(actor=market.tea_owner, order=order, reason="缺货")
    assert fresh(order).status == OrderStatus.REFUNDED


def test_an_assisted_purchase_goes_in_the_points_ledger_when_paid(market):
    placed = place_order(
        actor=market.operator,
        idempotency_key="k",
        request=CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=market.point.pk,
            assisted_site_id=market.point.pk,
            on_behalf_of_name="玉香",
            on_behalf_of_phone="13700000009",
            lines=[(market.coffee.pk, 1)],
        ),
    )
    assert not ServiceRecord.objects.exists()
    payment = start_payment(actor=market.operator, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)

    record = ServiceRecord.objects.get(kind=SiteService.ASSISTED_PURCHASE)
    assert record.site == market.point and record.amount == 80
    assert record.reference == f"orders.Order:{placed.orders[0].pk}"


def test_a_refunded_assisted_purchase_is_taken_back_in_the_ledger_by_a_new_row(market, office_user):
    # Given an assisted purchase paid in cash at the point
    placed = place_order(
        actor=market.operator,
        idempotency_key="k",
        request=CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=market.point.pk,
            assisted_site_id=market.point.pk,
            on_behalf_of_name="玉香",
            on_behalf_of_phone="13700000009",
            lines=[(market.coffee.pk, 1)],
        ),
    )
    payment = start_payment(actor=market.operator, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    (order,) = placed.orders

    # When the county office refunds it (twice: the second is refused, nothing doubles)
    refund_order(actor=office_user, order=order, reason="村民退货")
    with pytest.raises(Conflict):
        refund_order(actor=office_user, order=order, reason="再退")

    # Then the first row stays and a correcting row nets the day to nothing
    rows = ServiceRecord.objects.filter(kind=SiteService.ASSISTED_PURCHASE).order_by("pk")
    original, correction = rows
    assert (original.amount, original.quantity) == (80, 1)
    assert (correction.amount, correction.quantity, correction.corrects) == (-80, -1, original)
    assert sum(r.amount for r in rows) == 0


def test_only_a_points_operator_buys_for_villagers_there(market):
    request = CheckoutRequest(
        fulfilment="pickup",
        payment_provider="offline",
        pickup_site_id=market.point.pk,
        assisted_site_id=market.point.pk,
        on_behalf_of_name="玉香",
        lines=[(market.coffee.pk, 1)],
    )
    with pytest.raises(NotAllowed):
        place_order(actor=market.buyer, idempotency_key="k", request=request)


def test_a_sale_for_a_represented_farmer_goes_in_the_operators_ledger(market):
    farmer = f.merchant(
        "岩温",
        kind=MerchantKind.FARMER,
        region=village("嘎洒镇", "曼达村委会"),
        represented_by=market.operator,
    )
    rice = f.product(farmer, "紫米", price="12.00", cat=f.category("grain", "粮油"))
    f.stock(rice.skus.get(), market.point, 20)
    paid_pickup(market, [(rice.skus.get().pk, 5)])

    record = ServiceRecord.objects.get(kind=SiteService.ASSISTED_SALE)
    assert record.site == market.point and record.amount == 60


def test_merchants_with_sales_counts_paid_orders_only(market):
    place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.coffee.pk, 1)]),
    )
    assert list(merchants_with_sales()) == []
    paid_pickup(market, key="k2")
    assert list(merchants_with_sales()) == [market.tea_garden.pk]
    assert list(merchants_with_sales(since=timezone.localdate() + timedelta(days=1))) == []


def test_a_tracking_number_longer_than_its_column_is_refused_and_the_order_stays_packed(market):
    from cuncun.core.errors import InvalidInput

    (order,) = paid_pickup(market)
    pack_order(actor=market.tea_owner, order=order)
    with pytest.raises(InvalidInput, match="40"):
        ship_order(actor=market.tea_owner, order=order, tracking_number="YZ" + "9" * 39)
    assert fresh(order).status == OrderStatus.PACKED
    assert Stock.objects.get(sku=market.tea, site=market.warehouse).quantity == 10
