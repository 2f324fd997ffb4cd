from datetime import timedelta

import pytest
from django.utils import timezone

from cuncun.catalog.models import Stock
from cuncun.catalog.services import InsufficientStock, set_seasons
from cuncun.core.errors import Conflict, InvalidInput
from cuncun.network.models import PickupMode
from cuncun.network.services import update_site_profile
from cuncun.orders.models import (
    CartLine,
    Checkout,
    Order,
    OrderStatus,
    Reservation,
)
from cuncun.orders.services import (
    add_to_cart,
    cancel_checkout,
    place_order,
    release_expired_reservations,
)
from tests.merchants import factories as f
from tests.orders.conftest import delivery_request, pickup_request


def held(sku, site):
    stock = Stock.objects.get(sku=sku, site=site)
    return stock.quantity, stock.quantity_allocated


def test_one_cart_with_two_sellers_becomes_one_order_per_seller(market):
    add_to_cart(actor=market.buyer, sku=market.tea, quantity=2)
    add_to_cart(actor=market.buyer, sku=market.coffee, quantity=1)

    placed = place_order(
        actor=market.buyer, idempotency_key="k1", request=pickup_request(market, lines=None)
    )

    assert [o.merchant for o in placed.orders] == [market.tea_garden, market.coffee_coop]
    assert [o.total for o in placed.orders] == [100, 80]
    assert placed.checkout.total == 180
    assert {o.status for o in placed.orders} == {OrderStatus.PENDING_PAYMENT}
    assert held(market.tea, market.warehouse) == (10, 2)
    assert held(market.coffee, market.warehouse) == (5, 1)
    assert Reservation.objects.count() == 2
    assert not CartLine.objects.exists()


def test_a_shortfall_names_every_short_line_and_keeps_nothing(market):
    with pytest.raises(InsufficientStock) as error:
        place_order(
            actor=market.buyer,
            idempotency_key="k1",
            request=pickup_request(market, [(market.tea.pk, 11), (market.coffee.pk, 6)]),
        )
    lines = error.value.details["lines"]
    assert [(x["sku"], x["requested"], x["available"]) for x in lines] == [
        (market.tea.pk, 11, 10),
        (market.coffee.pk, 6, 5),
    ]
    assert "普洱茶" in str(error.value.message) and "小粒咖啡" in str(error.value.message)
    assert not Checkout.objects.exists()
    assert held(market.tea, market.warehouse) == (10, 0)


def test_the_same_idempotency_key_answers_the_first_checkout(market):
    request = pickup_request(market, [(market.tea.pk, 3)])
    first = place_order(actor=market.buyer, idempotency_key="same", request=request)
    again = place_order(actor=market.buyer, idempotency_key="same", request=request)

    assert again.replayed and again.checkout == first.checkout
    assert Checkout.objects.count() == 1
    assert held(market.tea, market.warehouse) == (10, 3)


def test_a_double_submitted_cart_is_answered_with_the_first_checkout(market):
    add_to_cart(actor=market.buyer, sku=market.tea, quantity=1)
    request = pickup_request(market, lines=None)
    first = place_order(actor=market.buyer, idempotency_key="form-1", request=request)
    again = place_order(actor=market.buyer, idempotency_key="form-1", request=request)
    assert again.checkout == first.checkout and again.replayed


def test_a_key_reused_for_another_request_is_refused(market):
    place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    with pytest.raises(Conflict):
        place_order(
            actor=market.buyer,
            idempotency_key="k",
            request=pickup_request(market, [(market.tea.pk, 2)]),
        )


def test_submission_without_an_idempotency_key_is_refused(market):
    with pytest.raises(InvalidInput):
        place_order(
            actor=market.buyer,
            idempotency_key="",
            request=pickup_request(market, [(market.tea.pk, 1)]),
        )


def test_unpaid_orders_release_their_reservation_when_it_expires(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=delivery_request([(market.tea.pk, 4), (market.coffee.pk, 1)]),
    )
    reserved_until = placed.checkout.reserved_until

    assert release_expired_reservations(now=reserved_until - timedelta(seconds=1)) == 0
    assert release_expired_reservations(now=reserved_until) == 1

    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.CANCELLED}
    assert held(market.tea, market.warehouse) == (10, 0)
    assert not Reservation.objects.exists()
    assert release_expired_reservations(now=reserved_until) == 0  # safe to run again


def test_stock_held_by_an_expired_checkout_serves_the_next_buyer(market):
    old = place_order(
        actor=market.buyer, idempotency_key="a", request=delivery_request([(market.tea.pk, 10)])
    )
    Reservation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    new = place_order(
        actor=market.buyer, idempotency_key="b", request=delivery_request([(market.tea.pk, 10)])
    )

    assert Order.objects.get(checkout=old.checkout).status == OrderStatus.CANCELLED
    assert new.orders[0].status == OrderStatus.PENDING_PAYMENT
    assert held(market.tea, market.warehouse) == (10, 10)


def test_the_buyer_cancels_an_unpaid_checkout_and_the_stock_is_free_again(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 2)]),
    )
    cancel_checkout(actor=market.buyer, checkout=placed.checkout)
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert held(market.tea, market.warehouse) == (10, 0)


def test_a_point_that_picks_up_its_own_stock_only_needs_the_goods_there(market):
    update_site_profile(
        actor=None, site=market.point, changes={"pickup_mode": PickupMode.OWN_STOCK}
    )
    request = pickup_request(market, [(market.tea.pk, 1)])
    with pytest.raises(InsufficientStock) as error:
        place_order(actor=market.buyer, idempotency_key="k1", request=request)
    assert error.value.details["lines"][0]["site"] == market.point.name

    f.stock(market.tea, market.point, 3)
    placed = place_order(actor=market.buyer, idempotency_key="k2", request=request)
    assert placed.orders[0].lines.get().stock.site == market.point


def test_a_point_shipped_to_from_anywhere_prefers_its_own_shelf(market):
    f.stock(market.tea, market.point, 3)
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 2)]),
    )
    assert placed.orders[0].lines.get().stock.site == market.point
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k2",
        request=pickup_request(market, [(market.tea.pk, 2)]),
    )
    assert placed.orders[0].lines.get().stock.site == market.warehouse  # 1 left at the point


def test_a_point_without_pickup_is_refused(market):
    update_site_profile(actor=None, site=market.point, changes={"pickup_mode": PickupMode.DISABLED})
    with pytest.raises(InvalidInput, match="不提供自提"):
        place_order(
            actor=market.buyer,
            idempotency_key="k",
            request=pickup_request(market, [(market.tea.pk, 1)]),
        )


def test_cash_is_paid_at_a_point_so_delivery_orders_pay_online(market):
    with pytest.raises(InvalidInput):
        place_order(
            actor=market.buyer,
            idempotency_key="k",
            request=delivery_request([(market.tea.pk, 1)], provider="offline"),
        )


def test_a_product_out_of_season_cannot_be_bought(market):
    today = timezone.localdate()
    other = (today.month % 12) + 1
    set_seasons(
        actor=None, product=market.tea.product, windows=[(other * 100 + 1, other * 100 + 28)]
    )
    with pytest.raises(Conflict, match="不在上市季节"):
        place_order(
            actor=market.buyer,
            idempotency_key="k",
            request=pickup_request(market, [(market.tea.pk, 1)]),
        )


def test_delivery_needs_an_address_and_a_valid_phone(market):
    request = delivery_request([(market.tea.pk, 1)])
    request.address = ""
    request.recipient_phone = "123"
    with pytest.raises(InvalidInput) as error:
        place_order(actor=market.buyer, idempotency_key="k", request=request)
    assert len(error.value.details["problems"]) == 2
