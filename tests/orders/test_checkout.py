from datetime import timedelta

import pytest
from django.utils import timezone

from cuncun.catalog.models import Stock
from cuncun.catalog.services import InsufficientStock, set_seasons, set_sku_on_sale
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
    set_cart_quantity,
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


def cart_lines(market):
    return dict(CartLine.objects.filter(cart__buyer=market.buyer).values_list("sku_id", "quantity"))


def test_adding_to_the_cart_adds_up_and_refuses_more_than_one_order_takes(market):
    add_to_cart(actor=market.buyer, sku=market.tea, quantity=990)
    add_to_cart(actor=market.buyer, sku=market.tea, quantity=9)
    assert cart_lines(market) == {market.tea.pk: 999}

    with pytest.raises(InvalidInput, match="最多再加0") as error:
        add_to_cart(actor=market.buyer, sku=market.tea, quantity=1)

    assert error.value.details == {"held": 999, "max": 999}
    assert cart_lines(market) == {market.tea.pk: 999}  # refused, not cut down


@pytest.mark.parametrize("quantity", [0, -1, -999, 1000, 10**12, "3", 2.5, True])
def test_a_quantity_that_is_not_1_to_999_never_reaches_the_cart(market, quantity):
    add_to_cart(actor=market.buyer, sku=market.coffee, quantity=2)

    with pytest.raises(InvalidInput):
        add_to_cart(actor=market.buyer, sku=market.coffee, quantity=quantity)
    if quantity != 0:
        with pytest.raises(InvalidInput):
            set_cart_quantity(actor=market.buyer, sku=market.coffee, quantity=quantity)

    assert cart_lines(market) == {market.coffee.pk: 2}


def test_a_cart_line_is_set_to_a_quantity_and_zero_takes_it_out(market):
    add_to_cart(actor=market.buyer, sku=market.tea, quantity=2)
    set_cart_quantity(actor=market.buyer, sku=market.tea, quantity=5)
    assert cart_lines(market) == {market.tea.pk: 5}
    set_cart_quantity(actor=market.buyer, sku=market.tea, quantity=0)
    assert cart_lines(market) == {}


def test_a_sku_off_sale_cannot_be_slipped_into_the_cart_by_setting_its_quantity(market):
    set_sku_on_sale(actor=market.tea_owner, sku=market.tea, on_sale=False)
    with pytest.raises(Conflict, match="未在售"):
        set_cart_quantity(actor=market.buyer, sku=market.tea, quantity=3)
    with pytest.raises(Conflict):
        add_to_cart(actor=market.buyer, sku=market.tea, quantity=1)
    assert cart_lines(market) == {}


@pytest.mark.parametrize("quantity", [0, -3, 1000, 10**18])
def test_checkout_refuses_a_quantity_out_of_range_and_reserves_nothing(market, quantity):
    with pytest.raises(InvalidInput):
        place_order(
            actor=market.buyer,
            idempotency_key="k",
            request=pickup_request(market, [(market.tea.pk, quantity)]),
        )
    assert not Checkout.objects.exists()
    assert held(market.tea, market.warehouse) == (10, 0)


def test_checkout_refuses_texts_longer_than_their_columns(market):
    request = delivery_request([(market.tea.pk, 1)])
    request.address = "景洪市" * 100
    request.recipient_name = "张" * 51
    with pytest.raises(InvalidInput) as error:
        place_order(actor=market.buyer, idempotency_key="k", request=request)
    assert len(error.value.details["problems"]) == 2
    assert not Checkout.objects.exists()


def test_a_checkout_short_after_freeing_expired_units_says_what_is_left(market):
    place_order(
        actor=market.buyer, idempotency_key="a", request=delivery_request([(market.tea.pk, 3)])
    )
    Reservation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(InsufficientStock) as error:
        place_order(
            actor=market.buyer, idempotency_key="b", request=delivery_request([(market.tea.pk, 12)])
        )

    assert error.value.details["lines"][0]["available"] == 10  # the 3 came back, still short
    assert held(market.tea, market.warehouse) == (10, 0)


def test_a_sold_out_sku_refuses_the_next_buyers_without_looking_for_expired_units_again(
    market,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    place_order(
        actor=market.buyer, idempotency_key="all", request=delivery_request([(market.tea.pk, 10)])
    )

    def refused_checkout(key):
        with CaptureQueriesContext(connection) as queries, pytest.raises(InsufficientStock):
            place_order(
                actor=market.buyer,
                idempotency_key=key,
                request=delivery_request([(market.tea.pk, 1)]),
            )
        return [q["sql"] for q in queries.captured_queries]

    first, second = refused_checkout("x"), refused_checkout("y")

    reservation_table = Reservation._meta.db_table
    assert sum(reservation_table in sql for sql in first) == 1
    assert sum(reservation_table in sql for sql in second) == 0
    assert len(second) == len(first) - 1
