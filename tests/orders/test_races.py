"""No oversell: many checkouts at once, with real transactions, on whichever database the suite
runs (the whole suite runs on SQLite and on PostgreSQL). On SQLite the writers queue on the file's
write lock (busy timeout), as they do in production; on PostgreSQL they meet on the stock rows,
where two carts locking the same rows in opposite orders could deadlock, and where one key sent
twice at once meets itself: those two races run on PostgreSQL only.
"""

import pytest

from cuncun.catalog.models import Stock
from cuncun.catalog.services import InsufficientStock, set_stock
from cuncun.orders.models import Checkout, Order, OrderStatus, Reservation
from cuncun.orders.services import place_order
from tests.orders.conftest import delivery_request
from tests.races import at_once

CLIENTS = 64
STOCK = 6  # CLIENTS ≥ 10 × STOCK


def fire(market, sku, quantity_per_order=1, clients=CLIENTS):
    """`clients` threads, each with its own connection, submit a checkout at the same moment."""

    def attempt(n):
        try:
            place_order(
                actor=market.buyer,
                idempotency_key=f"race-{n}",
                request=delivery_request([(sku.pk, quantity_per_order)]),
            )
            return "ok"
        except InsufficientStock:
            return "short"

    return at_once(attempt, clients)


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_never_oversell(market):
    set_stock(actor=None, sku=market.tea, site=market.warehouse, quantity=STOCK)

    results = fire(market, market.tea)

    assert results.count("ok") == STOCK
    assert results.count("short") == CLIENTS - STOCK
    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    assert stock.quantity - stock.quantity_allocated == 0
    assert stock.quantity_allocated == STOCK
    assert Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count() == STOCK
    assert sum(r.quantity for r in Reservation.objects.all()) == STOCK


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_of_several_units_take_only_whole_orders(market):
    set_stock(actor=None, sku=market.coffee, site=market.warehouse, quantity=20)

    results = fire(market, market.coffee, quantity_per_order=3)

    assert results.count("ok") == 6  # 6 × 3 = 18; the 2 left make no order of 3
    stock = Stock.objects.get(sku=market.coffee, site=market.warehouse)
    assert stock.quantity_allocated == 18 and stock.quantity - stock.quantity_allocated == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_promise_more_than_is_on_hand(market):
    from django.db import IntegrityError, transaction
    from django.db.models import F

    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(quantity_allocated=F("quantity") + 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sku_carts_in_opposite_line_order_neither_deadlock_nor_oversell(market):
    for sku in (market.tea, market.coffee):
        set_stock(actor=None, sku=sku, site=market.warehouse, quantity=STOCK)

    def attempt(n):
        lines = [(market.tea.pk, 1), (market.coffee.pk, 1)]
        try:
            place_order(
                actor=market.buyer,
                idempotency_key=f"pair-{n}",
                request=delivery_request(lines if n % 2 else lines[::-1]),
            )
            return "ok"
        except InsufficientStock:
            return "short"

    results = at_once(attempt, CLIENTS)  # a deadlock would raise here, in its thread

    assert results.count("ok") == STOCK and results.count("short") == CLIENTS - STOCK
    for sku in (market.tea, market.coffee):
        stock = Stock.objects.get(sku=sku, site=market.warehouse)
        assert (stock.quantity, stock.quantity_allocated) == (STOCK, STOCK)
    assert Order.objects.count() == 2 * STOCK  # each checkout one order per merchant


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_sent_at_once_makes_one_checkout(market):
    request = delivery_request([(market.tea.pk, 2), (market.coffee.pk, 1)])

    placements = at_once(
        lambda _n: place_order(actor=market.buyer, idempotency_key="double-tap", request=request),
        8,
    )

    assert len({p.checkout.pk for p in placements}) == 1
    assert sum(not p.replayed for p in placements) == 1
    assert Checkout.objects.count() == 1 and Order.objects.count() == 2
    tea = Stock.objects.get(sku=market.tea, site=market.warehouse)
    coffee = Stock.objects.get(sku=market.coffee, site=market.warehouse)
    assert (tea.quantity_allocated, coffee.quantity_allocated) == (2, 1)
