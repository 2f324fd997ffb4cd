from datetime import date

import pytest

from cuncun.accounts.models import Role
from cuncun.catalog.models import LOW_STOCK_DEFAULT, Product, ProductStatus, Sku, Stock, Unit
from cuncun.catalog.queries import market_product, market_products
from cuncun.catalog.services import (
    ProductDetails,
    SkuDetails,
    adjust_stock,
    create_product,
    set_low_stock_level,
    set_product_status,
    set_sku_price,
    set_stock,
)
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.merchants.models import MerchantKind
from cuncun.network.models import SiteKind
from tests.conftest import township, village
from tests.factories import site_in
from tests.merchants import factories as f


@pytest.fixture
def seller(make_user):
    return make_user("merchant", Role.MERCHANT, township("勐龙镇"))


@pytest.fixture
def tea_garden(seller):
    return f.merchant("刘家茶园", owner=seller)


@pytest.fixture
def warehouse(county):
    return f.warehouse(county)


def test_a_seller_lists_a_product_with_its_skus(seller, tea_garden):
    product = create_product(
        actor=seller,
        merchant=tea_garden,
        details=ProductDetails(
            name="普洱茶饼",
            category=f.category(),
            origin=village("勐龙镇", "曼栋村委会"),
            skus=(
                SkuDetails(
                    unit=Unit.PIECE,
                    price="128",
                    name="357g 饼",
                    grade="一级",
                    net_weight_kg="0.357",
                ),
                SkuDetails(unit=Unit.BOX, price="880.5", name="7饼/提"),
            ),
        ),
    )
    assert product.status == ProductStatus.LISTED
    assert [str(s.price) for s in product.skus.order_by("price")] == ["128.00", "880.50"]
    assert AuditEntry.objects.for_object(product).filter(action="product.create").exists()


def test_every_problem_of_a_product_is_reported_and_nothing_is_kept(seller, tea_garden):
    with pytest.raises(InvalidInput) as error:
        create_product(
            actor=seller,
            merchant=tea_garden,
            details=ProductDetails(
                name="",
                category=f.category(),
                skus=(SkuDetails(unit="catty", price="0"),),
                seasons=((1340, 101),),
            ),
        )
    name, sku, season = error.value.details["problems"]
    assert "名称" in name and "单位" in sku and "价格" in sku and "1340" in season
    assert not Product.objects.exists()


def test_a_merchant_lists_only_on_their_own_shop(make_user, tea_garden):
    other = make_user("other", Role.MERCHANT, township("嘎洒镇"))
    with pytest.raises(NotAllowed):
        create_product(
            actor=other,
            merchant=tea_garden,
            details=ProductDetails(
                name="茶", category=f.category(), skus=(SkuDetails("jin", "10"),)
            ),
        )


def test_a_village_operator_lists_produce_for_a_farmer_they_represent(make_user):
    operator = make_user("op", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼达村委会"))
    farmer = f.merchant(
        "岩温",
        kind=MerchantKind.FARMER,
        region=village("嘎洒镇", "曼达村委会"),
        represented_by=operator,
    )
    product = create_product(
        actor=operator,
        merchant=farmer,
        details=ProductDetails(
            name="芒果", category=f.category("fruit", "水果"), skus=(SkuDetails("jin", "6"),)
        ),
    )
    assert product.merchant == farmer


def test_a_stock_count_cannot_fall_below_what_is_promised(seller, tea_garden, warehouse):
    sku = f.product(tea_garden).skus.get()
    set_stock(actor=seller, sku=sku, site=warehouse, quantity=10)
    Stock.objects.filter(sku=sku).update(quantity_allocated=4)

    with pytest.raises(Conflict, match="4"):
        set_stock(actor=seller, sku=sku, site=warehouse, quantity=3)
    with pytest.raises(Conflict):
        adjust_stock(actor=seller, sku=sku, site=warehouse, change=-7, reason="霉变")
    adjust_stock(actor=seller, sku=sku, site=warehouse, change=-6, reason="霉变")
    adjust_stock(actor=seller, sku=sku, site=warehouse, change=20, reason="新茶入库")

    stock = Stock.objects.get(sku=sku)
    assert (stock.quantity, stock.quantity_allocated, stock.available) == (24, 4, 20)
    assert AuditEntry.objects.filter(action__startswith="stock.").count() == 3


def test_goods_are_kept_only_at_sites_that_stock_them(tea_garden, county):
    sku = f.product(tea_garden).skus.get()
    incubator = site_in(county, SiteKind.INCUBATOR, name="电商产业园")
    with pytest.raises(InvalidInput):
        set_stock(actor=None, sku=sku, site=incubator, quantity=1)


def test_a_price_change_is_audited(seller, tea_garden):
    sku = f.product(tea_garden).skus.get()
    set_sku_price(actor=seller, sku=sku, price="55.5")
    entry = AuditEntry.objects.get(action="sku.price")
    assert (entry.before, entry.after) == ({"price": "50.00"}, {"price": "55.50"})


def test_a_seller_sets_a_skus_warning_line_and_another_seller_cannot(seller, tea_garden, make_user):
    sku = f.product(tea_garden).skus.get()
    assert sku.low_stock_level == LOW_STOCK_DEFAULT  # none set: the default line

    set_low_stock_level(actor=seller, sku=sku, level=12)

    sku.refresh_from_db()
    assert sku.low_stock_level == 12
    entry = AuditEntry.objects.get(action="sku.low_stock")
    assert (entry.before, entry.after) == ({"low_stock_at": None}, {"low_stock_at": 12})
    with pytest.raises(InvalidInput):
        set_low_stock_level(actor=seller, sku=sku, level=-1)
    other = make_user("other", Role.MERCHANT, township("勐龙镇"))
    with pytest.raises(NotAllowed):
        set_low_stock_level(actor=other, sku=sku, level=3)
    sku.refresh_from_db()
    assert sku.low_stock_at == 12


def test_the_market_shows_what_is_in_season_and_in_stock_first(tea_garden, warehouse):
    mango = f.product(
        tea_garden, "芒果", price="8", seasons=((501, 831),), cat=f.category("fruit", "水果")
    )
    winter = f.product(
        tea_garden, "冬季菠萝", price="5", seasons=((1101, 228),), cat=f.category("fruit", "水果")
    )
    tea = f.product(tea_garden, "普洱茶")
    f.stock(tea.skus.get(), warehouse, 7)

    july = {p.name: p for p in market_products(day=date(2017, 7, 1))}
    assert july["芒果"].in_season_flag and not july["冬季菠萝"].in_season_flag
    assert july["普洱茶"].available == 7 and july["芒果"].available == 0
    january = [p.name for p in market_products(day=date(2018, 1, 15))]
    assert january.index("冬季菠萝") < january.index("芒果")
    assert [p.name for p in market_products(q="菠萝")] == ["冬季菠萝"]
    assert market_product(mango.pk).skus.all()[0].available == 0
    year_end = {p.name: p for p in market_products(day=date(2017, 12, 31))}
    feb_end = {p.name: p for p in market_products(day=date(2018, 2, 28))}
    assert year_end["冬季菠萝"].in_season_flag and feb_end[winter.name].in_season_flag


def test_delisted_products_and_stopped_merchants_leave_the_market(seller, tea_garden):
    from cuncun.merchants.services import set_merchant_active

    tea = f.product(tea_garden, "普洱茶")
    set_product_status(actor=seller, product=tea, status=ProductStatus.DELISTED)
    assert not market_products().exists()
    set_product_status(actor=seller, product=tea, status=ProductStatus.LISTED)
    set_merchant_active(actor=None, merchant=tea_garden, active=False, reason="停业")
    assert not market_products().exists()


def test_the_market_costs_a_fixed_number_of_queries(
    tea_garden, warehouse, django_assert_max_num_queries
):
    for n in range(6):
        f.stock(f.product(tea_garden, f"茶{n}").skus.get(), warehouse, n + 1)
    with django_assert_max_num_queries(2):
        rows = list(market_products())
        assert len(rows) == 6 and all(len(p.photos.all()) == 0 for p in rows)


# --- where goods may be kept -----------------------------------------------------------------


def stock_at(sku, site):
    return Stock.objects.filter(sku=sku, site=site).values_list("quantity", flat=True).first()


def test_a_merchant_keeps_goods_at_the_county_warehouse_and_at_a_store_it_runs(
    seller, tea_garden, warehouse, county
):
    from cuncun.network.services import assign_operator

    sku = f.product(tea_garden).skus.get()
    shop = site_in(township("勐龙镇"), SiteKind.PICKUP_STORE, name="刘家茶叶店")
    assign_operator(actor=None, site=shop, name="刘茶", since=date(2017, 1, 10), user=seller)

    set_stock(actor=seller, sku=sku, site=warehouse, quantity=10)
    set_stock(actor=seller, sku=sku, site=shop, quantity=4)

    assert (stock_at(sku, warehouse), stock_at(sku, shop)) == (10, 4)


def test_a_merchant_cannot_put_its_goods_on_a_village_points_shelf(seller, tea_garden):
    sku = f.product(tea_garden).skus.get()
    point = site_in(village("勐龙镇", "曼栋村委会"), name="曼栋村服务点")

    with pytest.raises(NotAllowed, match="曼栋村服务点"):
        set_stock(actor=seller, sku=sku, site=point, quantity=5)
    with pytest.raises(NotAllowed):
        adjust_stock(actor=seller, sku=sku, site=point, change=5, reason="到货")

    assert not Stock.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="stock.").exists()


def test_an_operator_stocks_a_farmer_they_represent_only_at_their_own_point(make_user, warehouse):
    manda = village("嘎洒镇", "曼达村委会")
    operator = f.operator_of(make_user, region=manda)
    own_point = f.pickup_point(manda, operator=operator, name="曼达村服务点")
    other_point = site_in(village("嘎洒镇", "曼勉村委会"), name="曼勉村服务点")
    farmer = f.merchant("岩温", kind=MerchantKind.FARMER, region=manda, represented_by=operator)
    sku = f.product(farmer, "芒果", cat=f.category("fruit", "水果")).skus.get()

    set_stock(actor=operator, sku=sku, site=own_point, quantity=30)
    for site in (other_point, warehouse):
        with pytest.raises(NotAllowed, match="只能放在您经营的服务点"):
            set_stock(actor=operator, sku=sku, site=site, quantity=30)

    assert list(Stock.objects.values_list("site_id", "quantity")) == [(own_point.pk, 30)]


def test_another_merchant_cannot_count_someone_elses_stock(make_user, tea_garden, warehouse):
    other = make_user("other", Role.MERCHANT, township("嘎洒镇"))
    sku = f.product(tea_garden).skus.get()
    with pytest.raises(NotAllowed):
        set_stock(actor=other, sku=sku, site=warehouse, quantity=5)
    assert not Stock.objects.exists()


@pytest.mark.parametrize("quantity", [-1, 1_000_001, 10**20, "5", 2.5, None, True])
def test_a_stock_count_out_of_range_changes_nothing(seller, tea_garden, warehouse, quantity):
    sku = f.product(tea_garden).skus.get()
    set_stock(actor=seller, sku=sku, site=warehouse, quantity=10)

    with pytest.raises(InvalidInput):
        set_stock(actor=seller, sku=sku, site=warehouse, quantity=quantity)

    assert stock_at(sku, warehouse) == 10


@pytest.mark.parametrize("change", [0, 1_000_001, -(10**9), "3", False])
def test_a_stock_adjustment_out_of_range_changes_nothing(seller, tea_garden, warehouse, change):
    sku = f.product(tea_garden).skus.get()
    set_stock(actor=seller, sku=sku, site=warehouse, quantity=10)
    with pytest.raises(InvalidInput):
        adjust_stock(actor=seller, sku=sku, site=warehouse, change=change, reason="盘点")
    assert stock_at(sku, warehouse) == 10


def test_goods_received_cannot_push_a_site_past_the_most_it_holds(seller, tea_garden, warehouse):
    from cuncun.catalog.services import MAX_QUANTITY

    sku = f.product(tea_garden).skus.get()
    set_stock(actor=seller, sku=sku, site=warehouse, quantity=MAX_QUANTITY - 5)
    with pytest.raises(InvalidInput):
        adjust_stock(actor=seller, sku=sku, site=warehouse, change=6, reason="到货")
    assert stock_at(sku, warehouse) == MAX_QUANTITY - 5


# --- products, SKUs, seasons -------------------------------------------------------------------


def test_a_seller_adds_a_sku_takes_it_off_sale_and_back(seller, tea_garden):
    from cuncun.catalog.services import add_sku, set_sku_on_sale

    product = f.product(tea_garden)
    box = add_sku(
        actor=seller,
        product=product,
        details=SkuDetails(unit=Unit.BOX, price="450", name="10斤/箱", code="PE-BOX"),
    )
    assert box.code == "PE-BOX" and product.skus.count() == 2

    set_sku_on_sale(actor=seller, sku=box, on_sale=False)
    assert [s.pk for s in market_product(product.pk).skus.all()] == [product.skus.first().pk]
    set_sku_on_sale(actor=seller, sku=box, on_sale=True)
    assert market_product(product.pk).skus.count() == 2
    assert list(
        AuditEntry.objects.filter(action__startswith="sku.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["sku.create", "sku.off_sale", "sku.on_sale"]


def test_a_sku_code_is_taken_once(seller, tea_garden):
    from cuncun.catalog.services import add_sku

    product = f.product(tea_garden)
    add_sku(actor=seller, product=product, details=SkuDetails("jin", "10", code="A-1"))
    with pytest.raises(Conflict):
        add_sku(actor=seller, product=product, details=SkuDetails("jin", "12", code="A-1"))
    assert product.skus.count() == 2


@pytest.mark.parametrize(
    "details",
    [
        SkuDetails("jin", "0"),
        SkuDetails("jin", "-5"),
        SkuDetails("jin", "100000.01"),
        SkuDetails("jin", "NaN"),
        SkuDetails("jin", "10", name="装" * 61),
        SkuDetails("jin", "10", grade="一" * 21),
        SkuDetails("jin", "10", net_weight_kg="100000"),
        SkuDetails("jin", "10", net_weight_kg="0.0001"),
        SkuDetails("jin", "10", net_weight_kg="abc"),
        SkuDetails("jin", "10", code="有空 格"),
    ],
)
def test_a_bad_sku_is_refused_and_nothing_is_added(seller, tea_garden, details):
    from cuncun.catalog.services import add_sku

    product = f.product(tea_garden)
    with pytest.raises(InvalidInput):
        add_sku(actor=seller, product=product, details=details)
    assert product.skus.count() == 1


@pytest.mark.parametrize("price", ["0", "-1", "100000.01", "1e30", "abc"])
def test_a_price_out_of_range_changes_nothing(seller, tea_garden, price):
    sku = f.product(tea_garden).skus.get()
    with pytest.raises(InvalidInput):
        set_sku_price(actor=seller, sku=sku, price=price)
    assert str(Sku.objects.get(pk=sku.pk).price) == "50.00"


def test_a_seller_edits_a_product_and_the_change_is_audited(seller, tea_garden):
    from cuncun.catalog.services import update_product

    product = f.product(tea_garden)
    manliu = village("勐龙镇", "曼栋村委会")
    update_product(
        actor=seller,
        product=product,
        changes={"name": " 古树普洱 ", "description": "春茶", "origin": manliu},
    )
    product.refresh_from_db()
    assert (product.name, product.origin) == ("古树普洱", manliu)
    entry = AuditEntry.objects.get(action="product.update")
    assert entry.before["name"] == "普洱茶" and entry.after["name"] == "古树普洱"


def test_a_product_name_too_long_or_an_origin_outside_the_divisions_is_refused(
    seller, tea_garden, county
):
    from cuncun.catalog.services import update_product

    product = f.product(tea_garden)
    with pytest.raises(InvalidInput, match="100"):
        update_product(actor=seller, product=product, changes={"name": "茶" * 101})
    with pytest.raises(InvalidInput):
        update_product(actor=seller, product=product, changes={"origin": county})
    assert Product.objects.get(pk=product.pk).name == "普洱茶"


def test_seasons_are_replaced_and_a_bad_month_day_changes_nothing(seller, tea_garden):
    from cuncun.catalog.services import set_seasons

    product = f.product(tea_garden, seasons=((301, 531),))
    set_seasons(actor=seller, product=product, windows=[(501, 831), (1101, 228)])
    assert sorted(product.season_windows.values_list("starts", "ends")) == [
        (501, 831),
        (1101, 228),
    ]
    for bad in [(1301, 101), (230, 301), (10**30, 101)]:
        with pytest.raises(InvalidInput):
            set_seasons(actor=seller, product=product, windows=[bad])
    assert product.season_windows.count() == 2
    set_seasons(actor=seller, product=product, windows=[])
    assert not product.season_windows.exists()
