"""Pre-orders (预售): booking within the quota, paying through the providers, and the harvest
filling bookings first come first served, refunding the rest — figures computed by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.catalog.models import Stock
from cuncun.core.errors import Conflict, NotAllowed
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.orders.models import OrderStatus, PaymentStatus, PreorderOutcome, Refund
from cuncun.orders.preorders import book_preorder, confirm_harvest, open_preorder
from cuncun.orders.services import confirm_offline_payment, start_payment
from tests.orders.conftest import pickup_request


@pytest.fixture
def mango_offer(market):
    """The coffee co-op's pre-order: ¥60 a box, 10 boxes, bookings close tomorrow."""
    return open_preorder(
        actor=market.coffee_owner,
        sku=market.coffee,
        price="60",
        quota=10,
        closes_at=timezone.now() + timedelta(days=1),
        expected_harvest=timezone.localdate() + timedelta(days=10),
        expected_grade="一级",
    )


def book(market, offer, quantity, paid=True):
    preorder = book_preorder(
        actor=market.buyer, offer=offer, quantity=quantity, request=pickup_request(market, [])
    )
    if paid:
        payment = start_payment(actor=market.buyer, checkout=preorder.order.checkout)
        confirm_offline_payment(actor=market.operator, payment=payment)
    return preorder


def test_bookings_never_exceed_the_quota(market, mango_offer):
    book(market, mango_offer, 7, paid=False)
    with pytest.raises(Conflict, match="3"):
        book(market, mango_offer, 4, paid=False)
    mango_offer.refresh_from_db()
    assert mango_offer.booked == 7


def test_the_harvest_fills_first_come_first_served_and_refunds_the_rest(market, mango_offer):
    # Given bookings of 4, 3 and 2 boxes paid (¥240, ¥180, ¥120) and one of 1 never paid
    first, second, third = (book(market, mango_offer, n) for n in (4, 3, 2))
    unpaid = book(market, mango_offer, 1, paid=False)
    stock_before = Stock.objects.get(sku=market.coffee, site=market.warehouse)

    # When only 6 boxes of grade 二级 come in
    counts = confirm_harvest(
        actor=market.coffee_owner,
        offer=mango_offer,
        quantity=6,
        grade="二级",
        site=market.warehouse,
    )

    # Then 4 are filled, 3 do not fit (refunded ¥180), 2 still fit, the unpaid one is cancelled
    assert counts == {"filled": 2, "refunded": 1, "cancelled": 1}
    for preorder in (first, second, third, unpaid):
        preorder.refresh_from_db()
    outcomes = [p.outcome for p in (first, second, third, unpaid)]
    assert outcomes == [
        PreorderOutcome.FILLED,
        PreorderOutcome.REFUNDED,
        PreorderOutcome.FILLED,
        PreorderOutcome.CANCELLED,
    ]
    assert Refund.objects.get().amount == Decimal("180.00")
    second.order.refresh_from_db()
    assert second.order.status == OrderStatus.REFUNDED
    line = first.order.lines.get()
    assert (line.quantity, line.unit_price, line.total) == (4, Decimal("60"), Decimal("240"))
    assert line.sku_name.endswith("二级") and first.order.status == OrderStatus.PAID
    stock = Stock.objects.get(sku=market.coffee, site=market.warehouse)
    assert stock.quantity == stock_before.quantity + 6
    assert stock.quantity_allocated == stock_before.quantity_allocated + 6
    # Each booking was texted when booked, and each paid one at the harvest
    assert OutboxMessage.objects.filter(reference="preorder").count() == 4 + 3
    assert AuditEntry.objects.filter(action="preorder.harvest").count() == 1
    with pytest.raises(Conflict):
        confirm_harvest(
            actor=market.coffee_owner,
            offer=mango_offer,
            quantity=1,
            grade="",
            site=market.warehouse,
        )


def test_only_the_seller_confirms_the_harvest(market, mango_offer):
    with pytest.raises(NotAllowed):
        confirm_harvest(
            actor=market.tea_owner, offer=mango_offer, quantity=5, grade="", site=market.warehouse
        )


def test_a_paid_booking_is_paid_through_the_provider(market, mango_offer):
    preorder = book(market, mango_offer, 2)
    payment = preorder.order.checkout.payments.get()
    assert (payment.status, payment.amount) == (PaymentStatus.SUCCEEDED, Decimal("120.00"))
