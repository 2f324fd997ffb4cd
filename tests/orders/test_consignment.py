"""代售: a farmer's produce taken in at a point, sold, owed to them less the point's commission,
and paid out from an append-only ledger."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cuncun.catalog.models import Stock, Unit
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.merchants.models import MerchantKind
from cuncun.network.models import CommissionRate
from cuncun.network.services import set_commission_rate
from cuncun.orders import consignment
from cuncun.orders.consignment import PayoutTooLarge, commission_on, pay_farmer
from cuncun.orders.models import FarmerEntry, FarmerEntryKind, Order, OrderStatus
from cuncun.orders.services import (
    confirm_offline_payment,
    pack_order,
    pick_up_order,
    place_order,
    refund_order,
    ship_order,
    start_payment,
)
from tests.conftest import village
from tests.merchants import factories as f
from tests.orders.conftest import pickup_request
from tests.races import at_once


@pytest.fixture
def farm(market, gasa_staff):
    """岩温, a farmer the point's operator sells for, with pineapples at ¥3.45 a jin; the township
    set the point's commission at 8%."""
    farmer = f.merchant(
        "岩温",
        kind=MerchantKind.FARMER,
        region=village("嘎洒镇", "曼达村委会"),
        represented_by=market.operator,
        is_poverty_registered=True,
    )
    pineapple = f.product(
        farmer, "菠萝", price="3.45", unit=Unit.JIN, cat=f.category("fruit", "水果")
    ).skus.get()
    set_commission_rate(actor=gasa_staff, site=market.point, percent="8", reason="乡镇会议决定")
    return SimpleNamespace(farmer=farmer, pineapple=pineapple)


def intake(market, farm, quantity=40):
    return consignment.receive_consignment(
        actor=market.operator,
        site=market.point,
        farmer=farm.farmer,
        sku=farm.pineapple,
        quantity=quantity,
    )


def paid(market, farm, quantity, key="k") -> Order:
    placed = place_order(
        actor=market.buyer,
        idempotency_key=key,
        request=pickup_request(market, [(farm.pineapple.pk, quantity)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)
    return Order.objects.get(pk=placed.orders[0].pk)


def handed_over(market, order) -> Order:
    pack_order(actor=market.operator, order=order)
    ship_order(actor=market.operator, order=order)  # from the point's own shelf: waits there
    order.refresh_from_db()
    pick_up_order(actor=market.operator, order=order, code=order.pickup_code)
    return Order.objects.get(pk=order.pk)


def pay(market, farm, amount, key="pay-1", **extra):
    return pay_farmer(
        actor=extra.pop("actor", market.operator),
        site=market.point,
        farmer=farm.farmer,
        amount=amount,
        method=extra.pop("method", "cash"),
        idempotency_key=key,
        **extra,
    )


def test_an_intake_puts_the_produce_in_the_points_stock_with_the_rate_on_its_receipt(market, farm):
    received = intake(market, farm, 40)

    stock = Stock.objects.get(site=market.point, sku=farm.pineapple)
    assert stock.quantity == 40 and received.stock == stock
    assert received.commission_percent == Decimal("8.00")
    assert received.number.startswith("DS")
    entry = AuditEntry.objects.for_object(received).get(action="consignment.intake")
    assert entry.actor == market.operator and entry.after["commission_percent"] == "8.00"


def test_no_intake_before_the_township_sets_a_rate(market, farm):
    CommissionRate.objects.all().delete()

    with pytest.raises(Conflict) as refused:
        intake(market, farm)

    assert "佣金" in str(refused.value.message)
    assert not Stock.objects.filter(sku=farm.pineapple).exists()


def test_an_intake_of_nothing_changes_nothing(market, farm):
    with pytest.raises(InvalidInput):
        intake(market, farm, 0)
    assert not Stock.objects.filter(sku=farm.pineapple).exists()


def test_an_operator_takes_in_only_for_the_farmers_they_sell_for(market, farm, make_user):
    other = f.operator_of(make_user, "other_op", village("嘎洒镇", "曼达村委会"))
    with pytest.raises(NotAllowed):
        consignment.receive_consignment(
            actor=other, site=market.point, farmer=farm.farmer, sku=farm.pineapple, quantity=5
        )


def test_commission_is_rounded_half_up_to_the_fen():
    # 7 jin at ¥3.45 = ¥24.15; 8% of it = ¥1.932 → ¥1.93. 3 at ¥4.15 = ¥12.45; 8% = ¥0.996 → ¥1.00.
    assert commission_on(Decimal("24.15"), Decimal("8")) == Decimal("1.93")
    assert commission_on(Decimal("12.45"), Decimal("8")) == Decimal("1.00")
    assert commission_on(Decimal("6.25"), Decimal("10")) == Decimal("0.63")  # 0.625 → 0.63


def test_a_paid_sale_is_owed_to_the_farmer_less_the_commission(market, farm):
    intake(market, farm)

    order = paid(market, farm, 7)

    sale = FarmerEntry.objects.get(kind=FarmerEntryKind.SALE)
    # 7 × ¥3.45 = ¥24.15; 8% commission ¥1.93; owed ¥22.22.
    assert (sale.gross, sale.commission, sale.amount) == (
        Decimal("24.15"),
        Decimal("1.93"),
        Decimal("22.22"),
    )
    assert sale.farmer == farm.farmer and sale.order == order
    balance = consignment.balance_of(farm.farmer, market.point)
    assert balance.owed == Decimal("22.22") and balance.payable == 0  # not handed over yet


def test_the_rate_of_the_intake_holds_after_the_township_changes_it(market, farm, gasa_staff):
    intake(market, farm)
    set_commission_rate(actor=gasa_staff, site=market.point, percent="12", reason="调整")

    paid(market, farm, 10)  # ¥34.50

    sale = FarmerEntry.objects.get(kind=FarmerEntryKind.SALE)
    assert sale.commission_percent == Decimal("8.00") and sale.commission == Decimal("2.76")


def test_a_refund_reverses_what_was_owed(market, farm, office_user):
    intake(market, farm)
    order = paid(market, farm, 7)

    refund_order(actor=office_user, order=order, reason="买家不要了")

    reversal = FarmerEntry.objects.get(kind=FarmerEntryKind.REVERSAL)
    assert reversal.amount == Decimal("-22.22") and reversal.commission == Decimal("-1.93")
    assert FarmerEntry.objects.count() == 2  # the sale stays: the ledger is append-only
    assert consignment.balance_of(farm.farmer, market.point).owed == 0


def test_the_farmer_may_collect_once_the_buyer_has_the_goods(market, farm):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))

    entry = pay(market, farm, "22.22")

    assert entry.kind == FarmerEntryKind.PAYOUT and entry.amount == Decimal("-22.22")
    assert consignment.balance_of(farm.farmer, market.point).owed == 0
    audit = AuditEntry.objects.for_object(entry).get(action="consignment.payout")
    assert audit.before == {"payable": "22.22"} and audit.actor == market.operator


def test_the_console_counts_the_farmers_with_money_to_collect(market, farm):
    intake(market, farm)
    paid(market, farm, 7, key="a")
    assert consignment.farmers_to_pay(market.point) == 0  # sold, not handed over yet

    handed_over(market, paid(market, farm, 2, key="b"))

    ((farmer, balance),) = consignment.farmers_with_balances(market.point)
    assert farmer == farm.farmer and balance.payable == Decimal("6.35")  # 6.90 − 0.55
    assert balance.owed == Decimal("28.57") and consignment.farmers_to_pay(market.point) == 1


def test_a_payout_above_what_is_payable_is_refused_with_the_figures(market, farm):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7, key="a"))  # ¥22.22 payable
    paid(market, farm, 10, key="b")  # ¥31.74 more, not handed over yet

    with pytest.raises(PayoutTooLarge) as refused:
        pay(market, farm, "30.00")

    message = str(refused.value.message)
    assert "22.22" in message and "31.74" in message and "30.00" in message
    assert not FarmerEntry.objects.filter(kind=FarmerEntryKind.PAYOUT).exists()


def test_the_same_payout_sent_twice_pays_once(market, farm):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))

    first = pay(market, farm, "20.00", key="same")
    again = pay(market, farm, "20.00", key="same")

    assert first == again
    assert FarmerEntry.objects.filter(kind=FarmerEntryKind.PAYOUT).count() == 1


def test_a_transfer_needs_its_transaction_number(market, farm):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))

    with pytest.raises(InvalidInput) as refused:
        pay(market, farm, "10.00", method="transfer")

    assert "流水号" in str(refused.value.message)
    entry = pay(market, farm, "10.00", key="t2", method="transfer", receipt_number="4200001")
    assert entry.receipt_number == "4200001"


def test_only_the_points_operator_pays_its_farmers(market, farm, gasa_staff):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))

    with pytest.raises(NotAllowed):
        pay(market, farm, "5.00", actor=gasa_staff)


def test_a_township_sets_rates_only_in_its_township_and_an_operator_never(market, menglong_staff):
    with pytest.raises(OutOfScope):
        set_commission_rate(actor=menglong_staff, site=market.point, percent="5", reason="x")
    with pytest.raises(NotAllowed):
        set_commission_rate(actor=market.operator, site=market.point, percent="0", reason="x")


def test_a_rate_out_of_range_is_refused_and_history_is_kept(market, gasa_staff, office_user):
    for bad in ["-1", "50.01", "8.125", "八"]:
        with pytest.raises(InvalidInput):
            set_commission_rate(actor=gasa_staff, site=market.point, percent=bad, reason="x")

    set_commission_rate(actor=gasa_staff, site=market.point, percent="8", reason="首次")
    set_commission_rate(actor=office_user, site=market.point, percent="6.5", reason="市里统一")

    rates = list(market.point.commission_rates.values_list("percent", flat=True))
    assert rates == [Decimal("6.50"), Decimal("8.00")]
    assert CommissionRate.objects.in_force(market.point.pk).percent == Decimal("6.50")
    changes = AuditEntry.objects.for_object(market.point).filter(action="site.commission")
    assert changes.count() == 2


def test_a_township_reads_only_its_own_points_statements(market, farm, gasa_staff, menglong_staff):
    assert market.point in consignment.consignment_sites(gasa_staff)
    assert market.point not in consignment.consignment_sites(menglong_staff)


def test_the_monthly_statement_sums_sales_commission_refunds_and_payouts(market, farm, office_user):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7, key="a"))  # ¥24.15, commission ¥1.93
    refund_order(actor=office_user, order=paid(market, farm, 2, key="b"), reason="坏果")
    pay(market, farm, "20.00")

    (row,) = consignment.monthly_statement(market.point, timezone.localdate().strftime("%Y-%m"))

    assert row.farmer == farm.farmer and row.units == 7
    assert (row.sales, row.commission, row.owed) == (
        Decimal("24.15"),
        Decimal("1.93"),
        Decimal("22.22"),
    )
    assert row.refunded == Decimal("6.90") and row.paid_cash == Decimal("20.00")
    assert row.balance == Decimal("2.22")


def test_an_order_of_goods_not_consigned_owes_no_farmer(market, farm):
    paid_order = place_order(
        actor=market.buyer,
        idempotency_key="t",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=paid_order.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)

    assert Order.objects.get(pk=paid_order.orders[0].pk).status == OrderStatus.PAID
    assert not FarmerEntry.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payouts_at_once_never_pay_more_than_is_payable(market, farm):
    intake(market, farm)
    handed_over(market, paid(market, farm, 7))  # ¥22.22 payable

    def attempt(n):
        try:
            pay(market, farm, "10.00", key=f"race-{n}")
            return "paid"
        except PayoutTooLarge:
            return "refused"

    results = at_once(attempt, 8)

    assert results.count("paid") == 2 and results.count("refused") == 6
    assert consignment.balance_of(farm.farmer, market.point).owed == Decimal("2.22")
