"""Builders for the market's tests (merchants, catalog, orders), made through the services."""

from datetime import date

from cuncun.accounts.models import Role
from cuncun.catalog.models import CategoryKind, Unit
from cuncun.catalog.services import ProductDetails, SkuDetails, ensure_category, set_stock
from cuncun.merchants.models import MerchantKind
from cuncun.merchants.services import MerchantDetails, register_merchant
from cuncun.network.models import PickupMode, SiteKind
from cuncun.network.services import assign_operator, update_site_profile
from tests.conftest import township, village
from tests.factories import site_in


def merchant(name="刘家茶园", *, region=None, owner=None, kind=MerchantKind.FAMILY_FARM, **extra):
    return register_merchant(
        actor=None,
        details=MerchantDetails(
            name=name, kind=kind, region=region or township("勐龙镇"), owner=owner, **extra
        ),
    )


def category(code="tea", name="茶叶", kind=CategoryKind.FARM_PRODUCT):
    return ensure_category(actor=None, code=code, name=name, kind=kind)


def product(seller, name="普洱茶", *, price="50.00", unit=Unit.JIN, seasons=(), cat=None, **extra):
    from cuncun.catalog.services import create_product

    return create_product(
        actor=None,
        merchant=seller,
        details=ProductDetails(
            name=name,
            category=cat or category(),
            skus=(SkuDetails(unit=unit, price=price, name=extra.pop("sku_name", "")),),
            seasons=seasons,
            **extra,
        ),
    )


def stock(sku, site, quantity):
    return set_stock(actor=None, sku=sku, site=site, quantity=quantity)


def warehouse(county):
    return site_in(county, SiteKind.COUNTY_WAREHOUSE, name="市物流仓储配送中心")


def pickup_point(region=None, *, mode=PickupMode.ANY_SITE, operator=None, name=None):
    region = region or village("嘎洒镇", "曼达村委会")
    site = site_in(region, name=name)
    site = update_site_profile(actor=None, site=site, changes={"pickup_mode": mode})
    if operator is not None:
        assign_operator(
            actor=None, site=site, name=str(operator), since=date(2017, 1, 10), user=operator
        )
    return site


def operator_of(make_user, username="operator", region=None):
    region = region or village("嘎洒镇", "曼达村委会")
    return make_user(username, Role.VILLAGE_OPERATOR, region, phone="13900000005")
