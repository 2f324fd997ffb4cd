"""The free-pickup voucher (免取件费券): a market order collected at a village point pays the
point's published fee for order pickup at the handover; a voucher pays it in the buyer's place,
the point still earns it (its ledger says who pays), and the voucher's budget counts it."""

from decimal import Decimal

import pytest

from cuncun.accounts.models import User
from cuncun.core.errors import InvalidInput
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.network.models import ServiceRecord, SiteService
from cuncun.network.services import set_site_fee
from cuncun.orders.models import Order, OrderDiscount
from cuncun.orders.services import (
    confirm_offline_payment,
    pack_order,
    pick_up_order,
    place_order,
    receive_at_point,
    refund_order,
    ship_order,
    start_payment,
)
from cuncun.promotions.models import BuyerTally, VoucherBatch
from cuncun.promotions.services import LimitReached
from tests.conftest import PASSWORD
from tests.orders.conftest import delivery_request, pickup_request
from tests.promotions.conftest import vouchers

D = Decimal


@pytest.fixture
def fee(festival):
    """The village point charges ¥2 for handing a market order over."""
    set_site_fee(actor=None, site=festival.point, service=SiteService.PICKUP, amount="2", per="单")
    return D("2.00")


def free_pickup(market, budget_line="", *, merchant=None, **terms):
    values = {
        "name": "购物节免取件费",
        "kind": "free_pickup",
        "amount": "2",
        "threshold": "0",
        "budget": "10",
        **terms,
    }
    owner = market.tea_owner if merchant else market.office
    return vouchers(owner, merchant=merchant, budget_line=budget_line, **values)


def buy(market, lines, voucher_ids=(), key="k", buyer=None):
    request = pickup_request(market, lines)
    request.voucher_ids = list(voucher_ids)
    return place_order(actor=buyer or market.buyer, idempotency_key=key, request=request)


def paid_and_waiting(market, placed) -> list[Order]:
    """Cash paid at the point, each order shipped by its seller and checked in at the point."""
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    sellers = {market.tea_garden.pk: market.tea_owner, market.coffee_coop.pk: market.coffee_owner}
    waiting = []
    for order in placed.orders:
        seller = sellers[order.merchant_id]
        pack_order(actor=seller, order=order)
        ship_order(actor=seller, order=order, tracking_number=f"YZ{order.pk:04d}")
        waiting.append(receive_at_point(actor=market.operator, order=order))
    return waiting


def handover_row(market, order) -> ServiceRecord:
    return ServiceRecord.objects.get(
        site=market.point, kind=SiteService.PICKUP, reference=f"orders.Order:{order.pk}"
    )


def test_with_a_program_voucher_the_buyer_collects_free_and_the_point_earns_its_fee(
    festival, fee, budget_line
):
    batch = free_pickup(festival, budget_line)

    placed = buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk])

    order = placed.orders[0]
    # the goods cost what they cost; the fee is the point's, paid by the voucher
    assert (order.total, placed.checkout.total, order.pickup_fee) == (D("80"), D("80"), fee)
    assert list(OrderDiscount.objects.values_list("on_pickup_fee", "amount")) == [(True, fee)]
    batch.refresh_from_db()
    assert batch.spent == fee
    [order] = paid_and_waiting(festival, placed)
    assert order.pickup_fee_due == 0
    sms = OutboxMessage.objects.get(reference=f"orders.Order:{order.pk}")
    assert "取件费已由您的优惠券支付" in sms.text

    pick_up_order(actor=festival.operator, order=order, code=order.pickup_code)

    row = handover_row(festival, order)
    assert row.amount == fee  # the point earns its whole fee …
    assert "购物节免取件费" in row.note and budget_line in row.note  # … from the program's line
    assert "柜台收取¥0.00" in row.note
    handed = AuditEntry.objects.for_object(order).get(action="order.pick_up")
    assert (handed.after["pickup_fee"], handed.after["collected"]) == ("2.00", "0.00")


def test_without_a_voucher_the_buyer_pays_the_points_fee_at_the_handover(festival, fee):
    placed = buy(festival, [(festival.coffee.pk, 1)])
    [order] = paid_and_waiting(festival, placed)
    assert (order.total, order.pickup_fee_due) == (D("80"), fee)
    sms = OutboxMessage.objects.get(reference=f"orders.Order:{order.pk}")
    assert "取件费¥2.00，取货时付给服务点" in sms.text

    pick_up_order(actor=festival.operator, order=order, code=order.pickup_code)

    row = handover_row(festival, order)
    assert (row.amount, row.note) == (fee, "")


def test_the_fee_in_force_at_checkout_stays_on_the_order(festival, fee):
    placed = buy(festival, [(festival.coffee.pk, 1)])
    set_site_fee(actor=None, site=festival.point, service=SiteService.PICKUP, amount="5", per="单")
    [order] = paid_and_waiting(festival, placed)

    pick_up_order(actor=festival.operator, order=order, code=order.pickup_code)

    assert handover_row(festival, order).amount == fee


def test_a_shops_free_pickup_voucher_pays_for_its_own_order_only(festival, fee):
    batch = free_pickup(festival, merchant=festival.tea_garden, budget="6")

    placed = buy(festival, [(festival.tea.pk, 1), (festival.coffee.pk, 1)], voucher_ids=[batch.pk])

    tea, coffee = sorted(placed.orders, key=lambda o: o.merchant_id != festival.tea_garden.pk)
    assert (tea.pickup_fee_due, coffee.pickup_fee_due) == (0, fee)
    tea, coffee = paid_and_waiting(festival, placed)
    pick_up_order(actor=festival.operator, order=tea, code=tea.pickup_code)
    assert festival.tea_garden.name in handover_row(festival, tea).note


def test_it_is_refused_for_a_delivery_and_nothing_is_reserved(festival, fee, budget_line):
    batch = free_pickup(festival, budget_line)
    request = delivery_request([(festival.coffee.pk, 1)])
    request.voucher_ids = [batch.pk]

    with pytest.raises(InvalidInput, match="取件费"):
        place_order(actor=festival.buyer, idempotency_key="d", request=request)

    assert not Order.objects.exists() and VoucherBatch.objects.get().spent == 0


def test_a_buyer_uses_it_as_often_as_allowed_and_its_budget_holds(festival, fee, budget_line):
    batch = free_pickup(festival, budget_line, budget="4", per_buyer_limit=1)
    buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk], key="a")

    with pytest.raises(LimitReached, match="1"):
        buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk], key="b")
    neighbour = User.objects.create_user("neighbour", password=PASSWORD)
    buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk], key="c", buyer=neighbour)
    stranger = User.objects.create_user("stranger", password=PASSWORD)
    with pytest.raises(InvalidInput, match="已领完"):  # ¥4 pays two pickups
        buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk], key="d", buyer=stranger)

    batch.refresh_from_db()
    assert batch.spent == D("4") and Order.objects.count() == 2


def test_a_refund_before_the_handover_gives_the_voucher_back(festival, fee, budget_line):
    batch = free_pickup(festival, budget_line)
    placed = buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk])
    [order] = paid_and_waiting(festival, placed)

    refund_order(actor=festival.operator, order=order, reason="买家不要了")

    batch.refresh_from_db()
    assert order.refund.amount == D("80")  # what was paid for the goods; the fee never was
    assert batch.spent == 0 and BuyerTally.objects.get(scope=f"voucher:{batch.pk}").used == 0
    assert not ServiceRecord.objects.filter(kind=SiteService.PICKUP).exists()


def test_a_program_voucher_paying_two_orders_is_one_use_until_both_are_refunded(
    festival, fee, budget_line
):
    batch = free_pickup(festival, budget_line, per_buyer_limit=1)
    placed = buy(festival, [(festival.tea.pk, 1), (festival.coffee.pk, 1)], voucher_ids=[batch.pk])
    tally = BuyerTally.objects.get(scope=f"voucher:{batch.pk}")
    batch.refresh_from_db()
    assert (batch.spent, tally.used) == (2 * fee, 1)  # both orders' fees, one use
    first, second = paid_and_waiting(festival, placed)

    refund_order(actor=festival.operator, order=first, reason="买家不要了")
    batch.refresh_from_db()
    tally.refresh_from_db()
    assert (batch.spent, tally.used) == (fee, 1)  # the other order still holds it

    refund_order(actor=festival.operator, order=second, reason="买家不要了")
    batch.refresh_from_db()
    tally.refresh_from_db()
    assert (batch.spent, tally.used) == (0, 0)


def test_the_orders_api_says_the_points_fee_and_what_is_left_to_pay_at_the_counter(
    festival, fee, budget_line, client
):
    batch = free_pickup(festival, budget_line, amount="1.50")
    placed = buy(festival, [(festival.coffee.pk, 1)], voucher_ids=[batch.pk])
    [paid] = placed.orders
    unpaid = buy(festival, [(festival.tea.pk, 1)], key="k2").orders[0]
    client.force_login(festival.buyer)

    mine = {o["id"]: o for o in client.get("/api/orders/").json()}
    one = client.get(f"/api/orders/{paid.pk}/").json()

    assert (one["total"], one["pickup_fee"], one["pickup_fee_due"]) == ("80.00", "2.00", "0.50")
    assert (mine[paid.pk]["pickup_fee"], mine[paid.pk]["pickup_fee_due"]) == ("2.00", "0.50")
    assert (mine[unpaid.pk]["pickup_fee"], mine[unpaid.pk]["pickup_fee_due"]) == ("2.00", "2.00")
    # the counter's list of the point says the same
    client.force_login(festival.operator)
    at_point = client.get("/api/orders/", {"role": "point", "site": festival.point.code}).json()
    assert {o["id"]: o["pickup_fee_due"] for o in at_point} == {paid.pk: "0.50", unpaid.pk: "2.00"}
