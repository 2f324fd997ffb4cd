"""The price rules of promotions.pricing, by hand and for any prices and vouchers."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cuncun.core.errors import InvalidInput
from cuncun.promotions.models import Funder, VoucherKind
from cuncun.promotions.pricing import LineToPrice, VoucherTerms, price_orders

D = Decimal


def shop_voucher(id_, merchant_id, amount, threshold="0", **kw):
    kind = VoucherKind.THRESHOLD if D(threshold) else VoucherKind.DIRECT
    return VoucherTerms(
        id=id_,
        name=f"店铺券{id_}",
        funder=Funder.MERCHANT,
        kind=kind,
        amount=D(amount),
        threshold=D(threshold),
        merchant_id=merchant_id,
        **kw,
    )


def program_voucher(id_, amount, threshold="0", **kw):
    kind = VoucherKind.THRESHOLD if D(threshold) else VoucherKind.DIRECT
    return VoucherTerms(
        id=id_,
        name=f"平台券{id_}",
        funder=Funder.PROGRAM,
        kind=kind,
        amount=D(amount),
        threshold=D(threshold),
        **kw,
    )


def test_a_festival_price_and_two_stacked_vouchers_computed_by_hand():
    # Given tea 3 × ¥40 at the festival (list ¥50) and coffee 1 × ¥80 of another shop
    lines = [
        LineToPrice(
            sku_id=1, merchant_id=1, list_price=D("50"), quantity=3, festival_price=D("40")
        ),
        LineToPrice(sku_id=2, merchant_id=2, list_price=D("80"), quantity=1),
    ]
    # When the tea shop's 满100减15 (also on festival prices) and the program's ¥10 off are used
    orders = price_orders(
        lines,
        [
            shop_voucher(7, 1, "15", "100", with_festival_prices=True),
            program_voucher(9, "10"),
        ],
    )
    # Then tea: 120 − 15 = 105; the program voucher counts list-price goods only: coffee 80 − 10
    assert (orders[1].list_total, orders[1].goods, orders[1].total) == (
        D("150"),
        D("120"),
        D("105"),
    )
    assert [(v.id, a) for v, a in orders[1].discounts] == [(7, D("15"))]
    assert orders[2].total == D("70") and [(v.id, a) for v, a in orders[2].discounts] == [
        (9, D("10"))
    ]


def test_a_voucher_not_on_festival_prices_refuses_a_cart_all_at_festival_prices():
    lines = [LineToPrice(1, 1, D("50"), 3, festival_price=D("40"))]
    with pytest.raises(InvalidInput, match="不能与活动价同享"):
        price_orders(lines, [shop_voucher(7, 1, "15", "100")])


def test_a_threshold_not_reached_is_refused_saying_how_far():
    lines = [LineToPrice(1, 1, D("50"), 1)]
    with pytest.raises(InvalidInput, match=r"¥100\.00.*¥50\.00"):
        price_orders(lines, [shop_voucher(7, 1, "20", "100")])


def test_two_program_vouchers_or_two_of_one_shop_do_not_stack():
    lines = [LineToPrice(1, 1, D("500"), 1)]
    with pytest.raises(InvalidInput, match="一张平台券"):
        price_orders(lines, [program_voucher(1, "5"), program_voucher(2, "5")])
    with pytest.raises(InvalidInput, match="一张店铺券"):
        price_orders(lines, [shop_voucher(1, 1, "5"), shop_voucher(2, 1, "5")])


def test_a_voucher_bigger_than_the_order_leaves_one_fen_to_pay():
    orders = price_orders([LineToPrice(1, 1, D("3"), 1)], [shop_voucher(1, 1, "10")])
    assert orders[1].total == D("0.01") and orders[1].discounts[0][1] == D("2.99")


money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
line_st = st.builds(
    lambda sku, merchant, price, qty, cut: LineToPrice(
        sku, merchant, price, qty, festival_price=(price * cut).quantize(D("0.01")) or None
    ),
    st.integers(1, 1000),
    st.integers(1, 3),
    money,
    st.integers(1, 20),
    st.sampled_from([None, D("0.5"), D("0.9"), D("0.99")]).map(lambda c: c or D("0")),
)


@st.composite
def voucher_sets(draw):
    chosen = []
    for merchant_id in draw(st.sets(st.integers(1, 3), max_size=3)):
        chosen.append(
            shop_voucher(
                merchant_id,
                merchant_id,
                draw(money),
                draw(st.sampled_from(["0", "50", "300"])),
                with_festival_prices=draw(st.booleans()),
            )
        )
    if draw(st.booleans()):
        chosen.append(
            program_voucher(
                99,
                draw(money),
                draw(st.sampled_from(["0", "100"])),
                with_festival_prices=draw(st.booleans()),
            )
        )
    return chosen


# The draws are small; on a shared, busy machine generating them can still look slow.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_st, min_size=1, max_size=6, unique_by=lambda x: x.sku_id), voucher_sets())
def test_the_charged_total_is_never_below_one_fen_nor_above_the_list_price(lines, chosen):
    try:
        orders = price_orders(lines, chosen)
    except InvalidInput:
        return  # a voucher that does not apply is refused whole: nothing is charged
    for order in orders.values():
        assert D("0.01") <= order.total <= order.goods <= order.list_total
        assert all(amount > 0 for _v, amount in order.discounts)
        assert sum(a for _v, a in order.discounts) + order.total == order.goods
    assert sum(len(o.lines) for o in orders.values()) == len(lines)
