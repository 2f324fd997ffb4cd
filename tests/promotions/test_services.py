"""Campaigns and vouchers through the checkout: the price in force at reservation, limits,
budgets, and what a cancel or a refund gives back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.core.errors import InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.orders.models import OrderDiscount, OrderLine
from cuncun.orders.services import (
    cancel_checkout,
    confirm_offline_payment,
    place_order,
    refund_order,
    start_payment,
)
from cuncun.promotions.models import BuyerTally, CampaignItem, CampaignKind, VoucherBatch
from cuncun.promotions.services import LimitReached, create_campaign, join_campaign
from tests.conftest import township
from tests.orders.conftest import pickup_request
from tests.promotions.conftest import vouchers

D = Decimal


def buy(market, lines, key="k", voucher_ids=()):
    request = pickup_request(market, lines)
    request.voucher_ids = list(voucher_ids)
    return place_order(actor=market.buyer, idempotency_key=key, request=request)


def test_a_township_organises_only_its_own_fair(gasa_staff, menglong_staff, county):
    now = timezone.now()
    window = {"starts_at": now, "ends_at": now + timedelta(days=1)}
    fair = create_campaign(
        actor=gasa_staff,
        name="嘎洒芒果节",
        kind=CampaignKind.FAIR,
        region=township("嘎洒镇"),
        **window,
    )
    assert fair.region == township("嘎洒镇")
    with pytest.raises(NotAllowed):
        create_campaign(
            actor=menglong_staff,
            name="抢办",
            kind=CampaignKind.FAIR,
            region=township("嘎洒镇"),
            **window,
        )
    with pytest.raises(NotAllowed):
        create_campaign(
            actor=gasa_staff, name="全市节", kind=CampaignKind.FESTIVAL, region=county, **window
        )


def test_a_merchant_joins_a_fair_of_its_township_only_below_its_list_price(market, gasa_staff):
    now = timezone.now()
    fair = create_campaign(
        actor=gasa_staff,
        name="嘎洒咖啡节",
        kind=CampaignKind.FAIR,
        region=township("嘎洒镇"),
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    with pytest.raises(OutOfScope):  # the tea garden is in 勐龙镇
        join_campaign(
            actor=market.tea_owner,
            campaign=fair,
            sku=market.tea,
            festival_price="40",
            per_buyer_limit=1,
            set_aside=1,
        )
    with pytest.raises(NotAllowed):  # not its SKU
        join_campaign(
            actor=market.tea_owner,
            campaign=fair,
            sku=market.coffee,
            festival_price="70",
            per_buyer_limit=1,
            set_aside=1,
        )
    with pytest.raises(InvalidInput) as refused:
        join_campaign(
            actor=market.coffee_owner,
            campaign=fair,
            sku=market.coffee,
            festival_price="90",
            per_buyer_limit=60,
            set_aside=50,
        )
    assert len(refused.value.details["problems"]) == 3  # price, limit above set-aside, stock
    assert not CampaignItem.objects.exists()


def test_the_festival_price_in_force_at_reservation_stays_on_the_order(festival):
    placed = buy(festival, [(festival.tea.pk, 2)])

    CampaignItem.objects.filter(pk=festival.item.pk).update(festival_price=D("30"))
    line = OrderLine.objects.get()
    assert (line.list_price, line.unit_price, line.total) == (D("50"), D("40"), D("80"))
    assert line.campaign_item == festival.item and placed.checkout.total == D("80")
    festival.item.refresh_from_db()
    assert festival.item.taken == 2


def test_outside_the_window_the_list_price_is_charged(festival):
    festival.campaign.__class__.objects.filter(pk=festival.campaign.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1),
        starts_at=timezone.now() - timedelta(hours=2),
    )
    buy(festival, [(festival.tea.pk, 2)])
    line = OrderLine.objects.get()
    assert (line.unit_price, line.campaign_item) == (D("50"), None)


def test_a_buyer_beyond_the_limit_is_refused_with_what_they_already_hold(festival):
    buy(festival, [(festival.tea.pk, 2)], key="a")

    with pytest.raises(LimitReached) as refused:
        buy(festival, [(festival.tea.pk, 2)], key="b")

    assert "3" in str(refused.value) and "2" in str(refused.value)
    assert OrderLine.objects.count() == 1
    assert BuyerTally.objects.get(scope=f"item:{festival.item.pk}").used == 2


def test_a_retried_checkout_that_reached_the_limit_is_answered_with_its_order(festival):
    # The checkout does not look its key up first: the retry runs, meets the limit its first
    # delivery reached, and must still be answered with that first order.
    first = buy(festival, [(festival.tea.pk, 3)], key="a")
    again = buy(festival, [(festival.tea.pk, 3)], key="a")

    assert again.replayed and again.checkout == first.checkout
    assert OrderLine.objects.count() == 1
    assert BuyerTally.objects.get(scope=f"item:{festival.item.pk}").used == 3
    festival.item.refresh_from_db()
    assert festival.item.taken == 3


def test_a_cancelled_checkout_gives_the_units_and_the_limit_back(festival):
    placed = buy(festival, [(festival.tea.pk, 3)], key="a")
    cancel_checkout(actor=festival.buyer, checkout=placed.checkout)

    festival.item.refresh_from_db()
    assert festival.item.taken == 0
    buy(festival, [(festival.tea.pk, 3)], key="b")  # the limit is whole again


def test_a_refund_gives_back_what_was_paid_and_the_vouchers_budget(festival, budget_line):
    shop = vouchers(
        festival.tea_owner,
        merchant=festival.tea_garden,
        amount="10",
        threshold="100",
        with_festival_prices=True,
    )
    program = vouchers(
        festival.office,
        budget_line=budget_line,
        name="平台直降5元",
        kind="direct",
        amount="5",
        threshold="0",
        with_festival_prices=True,
    )
    placed = buy(festival, [(festival.tea.pk, 3)], voucher_ids=[shop.pk, program.pk])
    order = placed.orders[0]
    # 3 × ¥40 = ¥120, less the shop's ¥10 and the program's ¥5
    assert order.total == D("105") and placed.checkout.total == D("105")
    assert sorted(OrderDiscount.objects.values_list("name", "amount")) == [
        ("平台直降5元", D("5")),
        ("满100减20", D("10")),
    ]
    payment = start_payment(actor=festival.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=festival.operator, payment=payment, amount="105.00")

    refund_order(actor=festival.buyer, order=order, reason="不要了")

    assert order.refund.amount == D("105")
    shop.refresh_from_db()
    program.refresh_from_db()
    festival.item.refresh_from_db()
    assert (shop.spent, program.spent, festival.item.taken) == (0, 0, 0)
    assert set(BuyerTally.objects.values_list("used", flat=True)) == {0}
    assert AuditEntry.objects.filter(action="voucher.issue").count() == 2


def test_a_voucher_used_up_by_its_budget_is_refused_and_nothing_is_reserved(festival):
    batch = vouchers(
        festival.coffee_owner,
        merchant=festival.coffee_coop,
        name="咖啡直降",
        kind="direct",
        amount="30",
        threshold="0",
        budget="30",
        per_buyer_limit=5,
    )
    buy(festival, [(festival.coffee.pk, 1)], key="a", voucher_ids=[batch.pk])

    with pytest.raises(InvalidInput):
        buy(festival, [(festival.coffee.pk, 1)], key="b", voucher_ids=[batch.pk])

    assert VoucherBatch.objects.get().spent == D("30") and OrderLine.objects.count() == 1


def test_a_program_voucher_needs_a_budget_line_and_the_office(festival):
    with pytest.raises(NotAllowed):
        vouchers(festival.tea_owner, budget_line="ZX-1")
    with pytest.raises(InvalidInput, match="预算科目"):
        vouchers(festival.office, budget_line="")
