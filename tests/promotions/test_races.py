"""Per-buyer limits under parallel checkouts, with real transactions, on whichever database the
suite runs (SQLite queues the writers on its write lock; PostgreSQL meets them on the tally row)."""

import pytest

from cuncun.catalog.models import Stock
from cuncun.orders.models import OrderLine
from cuncun.orders.services import place_order
from cuncun.promotions.models import BuyerTally, CampaignItem
from cuncun.promotions.services import LimitReached
from tests.orders.conftest import delivery_request
from tests.promotions.conftest import vouchers
from tests.races import at_once

CLIENTS = 64


def fire(market, quantity=1, voucher_ids=()):
    def attempt(n):
        request = delivery_request([(market.tea.pk, quantity)])
        request.voucher_ids = list(voucher_ids)
        try:
            place_order(actor=market.buyer, idempotency_key=f"limit-{n}", request=request)
            return "ok"
        except LimitReached:
            return "limit"

    return at_once(attempt, CLIENTS)


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_of_one_buyer_never_exceed_the_festival_limit(festival):
    results = fire(festival)

    assert results.count("ok") == 3 and results.count("limit") == CLIENTS - 3
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 3
    assert CampaignItem.objects.get().taken == 3
    assert BuyerTally.objects.get().used == 3
    stock = Stock.objects.get(sku=festival.tea, site=festival.warehouse)
    assert stock.quantity_allocated == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_of_two_units_take_only_whole_orders_within_the_limit(festival):
    results = fire(festival, quantity=2)

    assert results.count("ok") == 1  # 2 + 2 > 3
    assert CampaignItem.objects.get().taken == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_checkouts_use_a_voucher_only_as_often_as_a_buyer_may(festival, budget_line):
    batch = vouchers(
        festival.office,
        budget_line=budget_line,
        name="平台直降5元",
        kind="direct",
        amount="5",
        threshold="0",
        per_buyer_limit=2,
        with_festival_prices=True,
    )

    results = fire(festival, voucher_ids=[batch.pk])

    assert results.count("ok") == 2
    batch.refresh_from_db()
    assert batch.spent == 10
