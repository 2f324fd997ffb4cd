"""Festival results: a campaign's paid, not refunded orders counted by merchant, township, poor
village and poverty-registered household; who may read them; the xlsx; the dashboard's glance.

The small case, by hand (the festival: 普洱茶 ¥50 → ¥40; 岩香's mangoes ¥30 → ¥25, 岩香 lives in
曼达村委会 of 嘎洒镇, a poor village, and is a poverty-registered household):
  buyer   buys 2 普洱茶 (¥80) and 1 coffee at its list price (not in the festival), pays;
  buyer 2 buys 1 普洱茶 (¥40) and 2 mangoes (¥50), pays;
  buyer   buys 1 mango (¥25), pays, and is refunded (not counted);
  buyer 2 reserves 1 mango and never pays (not counted).
Counted: 3 orders, 2 buyers, 5 units, ¥170 — 刘家茶园 (勐龙镇) 2 orders, 2 buyers, 3 units, ¥120;
岩香 (嘎洒镇, poor village, poverty-registered) 1 order, 1 buyer, 2 units, ¥50."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cuncun.accounts.models import User
from cuncun.accounts.roles import Role
from cuncun.core.errors import NotAllowed
from cuncun.core.glances import glances_for
from cuncun.orders.queries import festival_results, festivals_visible_to
from cuncun.orders.services import (
    confirm_offline_payment,
    place_order,
    refund_order,
    start_payment,
)
from cuncun.promotions.models import CampaignKind
from cuncun.promotions.services import create_campaign, join_campaign
from cuncun.regions.models import GroupCode
from cuncun.regions.services import add_to_group, ensure_group
from tests.conftest import PASSWORD, township, village
from tests.merchants import factories as f
from tests.orders.conftest import pickup_request
from tests.promotions.conftest import festival, office, vouchers  # noqa: F401  (fixtures)

D = Decimal


def buy(market, buyer, lines, key, voucher_ids=()):
    request = pickup_request(market, lines)
    request.voucher_ids = list(voucher_ids)
    return place_order(actor=buyer, idempotency_key=key, request=request)


def pay(market, placed):
    payment = start_payment(actor=placed.checkout.buyer, checkout=placed.checkout)
    confirm_offline_payment(
        actor=market.operator, payment=payment, amount=str(placed.checkout.total)
    )


@pytest.fixture
def sold(festival):  # noqa: F811  (the imported fixture)
    manda = village("嘎洒镇", "曼达村委会")
    add_to_group(
        actor=None,
        group=ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村"),
        unit=manda,
    )
    farmer = f.merchant("岩香", region=manda, is_poverty_registered=True)
    mango = f.product(farmer, "芒果", price="30.00").skus.get()
    f.stock(mango, festival.warehouse, 10)
    join_campaign(
        actor=None,
        campaign=festival.campaign,
        sku=mango,
        festival_price="25.00",
        per_buyer_limit=5,
        set_aside=6,
    )
    second = User.objects.create_user("buyer2", password=PASSWORD, phone="13800000002")
    tea, coffee = festival.tea.pk, festival.coffee.pk
    pay(festival, buy(festival, festival.buyer, [(tea, 2), (coffee, 1)], "a"))
    pay(festival, buy(festival, second, [(festival.tea.pk, 1), (mango.pk, 2)], "b"))
    refunded = buy(festival, festival.buyer, [(mango.pk, 1)], "c")
    pay(festival, refunded)
    refund_order(actor=festival.buyer, order=refunded.orders[0], reason="不要了")
    buy(festival, second, [(mango.pk, 1)], "d")  # reserved, never paid
    festival.farmer, festival.mango, festival.second = farmer, mango, second
    return festival


def row(name, orders, buyers, units, sales):
    return {"name": name, "orders": orders, "buyers": buyers, "units": units, "sales": D(sales)}


def test_results_count_paid_not_refunded_festival_lines_by_hand(sold):
    results = festival_results(sold.campaign)

    assert results.total == row("双十二网络购物节", 3, 2, 5, "170")
    assert results.by_merchant == [row("刘家茶园", 2, 2, 3, "120"), row("岩香", 1, 1, 2, "50")]
    assert results.by_township == [row("勐龙镇", 2, 2, 3, "120"), row("嘎洒镇", 1, 1, 2, "50")]
    assert results.by_poor_village == [
        row("不在贫困村", 2, 2, 3, "120"),
        row("位于贫困村", 1, 1, 2, "50"),
    ]
    assert results.by_poverty_household == [
        row("其他商家", 2, 2, 3, "120"),
        row("建档立卡贫困户", 1, 1, 2, "50"),
    ]


def test_sales_are_what_was_paid_after_the_orders_vouchers(festival):  # noqa: F811
    shop = vouchers(
        festival.tea_owner,
        merchant=festival.tea_garden,
        amount="10",
        threshold="100",
        with_festival_prices=True,
    )
    # 3 × ¥40 = ¥120 less the shop's ¥10: the buyer paid ¥110
    pay(festival, buy(festival, festival.buyer, [(festival.tea.pk, 3)], "v", [shop.pk]))

    assert festival_results(festival.campaign).total["sales"] == D("110")


def test_the_office_reads_every_festival_and_a_township_its_own_fair_only(sold, make_user, county):
    menglong = make_user("menglong", Role.TOWNSHIP_STAFF, township("勐龙镇"))
    gasa = make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    fair = create_campaign(
        actor=menglong,
        name="勐龙镇农产品节",
        kind=CampaignKind.FAIR,
        region=township("勐龙镇"),
        starts_at=sold.campaign.starts_at,
        ends_at=sold.campaign.ends_at,
    )

    assert set(festivals_visible_to(sold.office)) == {sold.campaign, fair}
    assert list(festivals_visible_to(menglong)) == [fair]
    assert list(festivals_visible_to(gasa)) == []
    with pytest.raises(NotAllowed):
        festivals_visible_to(sold.tea_owner)


def test_pages_answer_the_office_and_refuse_others(sold, client, make_user):
    url = reverse("orders:festival", args=[sold.campaign.pk])
    menglong = make_user("menglong", Role.TOWNSHIP_STAFF, township("勐龙镇"))

    client.force_login(sold.office)
    page = client.get(url)
    assert page.status_code == 200 and "岩香" in page.content.decode()
    assert url in client.get(reverse("orders:festivals")).content.decode()

    client.force_login(menglong)  # the county's festival is not the township's fair
    assert client.get(url).status_code == 404
    client.force_login(sold.tea_owner)
    assert client.get(url).status_code == 403
    assert client.get(reverse("orders:festivals")).status_code == 403


def test_the_xlsx_holds_the_total_and_each_grouping(sold, client):
    client.force_login(sold.office)
    response = client.get(reverse("orders:festival_export", args=[sold.campaign.pk]))

    book = load_workbook(BytesIO(response.content))
    assert len(book.worksheets) == 5
    total = list(book.worksheets[0].iter_rows(values_only=True))
    assert total[1] == ("双十二网络购物节", 3, 2, 5, 170)
    merchants = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    assert merchants == [("刘家茶园", 2, 2, 3, 120), ("岩香", 1, 1, 2, 50)]


def test_the_dashboard_glance_shows_the_running_festival_to_the_office_only(sold):
    glance = next(g for g in glances_for(sold.office) if "双十二" in g.title)

    assert glance.url == reverse("orders:festival", args=[sold.campaign.pk])
    assert glance.figures == [("订单", "3"), ("销售额", "¥170.00"), ("买家", "2")]
    assert not any("双十二" in g.title for g in glances_for(sold.tea_owner))
