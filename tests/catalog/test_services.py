from datetime import date

import pytest

from cuncun.accounts.models import Role
from cuncun.catalog.models import Product, ProductStatus, Stock, Unit
from cuncun.catalog.queries import market_product, market_products
from cuncun.catalog.services import (
    ProductDetails,
    SkuDetails,
    adjust_stock,
    create_product,
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
    assert july["芒果"].in_season(date(2017, 7, 1)) and not july["冬季菠萝"].in_season(
        date(2017, 7, 1)
    )
    assert july["普洱茶"].available == 7 and july["芒果"].available == 0
    january = [p.name for p in market_products(day=date(2018, 1, 15))]
    assert january.index("冬季菠萝") < january.index("芒果")
    assert [p.name for p in market_products(q="菠萝")] == ["冬季菠萝"]
    assert market_product(mango.pk).skus.all()[0].available == 0
    assert winter.in_season(date(2017, 12, 31)) and winter.in_season(date(2018, 2, 28))


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
