"""No oversell: many checkouts at once, with real transactions, on whichever database the suite
runs (the whole suite runs on SQLite and on PostgreSQL). On SQLite the writers queue on the file's
write lock (busy timeout), as they do in production; on PostgreSQL they meet on the stock rows.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from cuncun.catalog.models import Stock
from cuncun.catalog.services import InsufficientStock, set_stock
from cuncun.orders.models import Order, OrderStatus, Reservation
from cuncun.orders.services import place_order
from tests.orders.conftest import delivery_request

CLIENTS = 64
STOCK = 6  # CLIENTS ≥ 10 × STOCK


def fire(market, sku, quantity_per_order=1, clients=CLIENTS):
    """`clients` threads, each with its own connection, submit a checkout at the same moment."""
    start = threading.Barrier(clients, timeout=60)

    def attempt(n):
        start.wait()
        try:
            place_order(
                actor=market.buyer,
                idempotency_key=f"race-{n}",
                request=delivery_request([(sku.pk, quantity_per_order)]),
            )
            return "ok"
        except InsufficientStock:
            return "short"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(attempt, range(clients)))
    close_old_connections()
    return results


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
