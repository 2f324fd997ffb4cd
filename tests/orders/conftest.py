"""A small market: a county warehouse, a village pickup point with its operator, two merchants
(a tea garden and a coffee co-operative) each with a product in stock, and a buyer."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from cuncun.accounts.models import Role, User
from cuncun.catalog.models import CategoryKind, Unit
from cuncun.merchants.models import MerchantKind
from cuncun.orders.services import CheckoutRequest
from tests.conftest import PASSWORD, township
from tests.merchants import factories as f


@pytest.fixture(autouse=True)
def forget_cached_hints():
    """Checkout remembers in the cache until when no reservation can expire; these tests move
    expiry dates by hand and reuse keys between tests, so each starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def market(county, make_user):
    operator = f.operator_of(make_user)
    point = f.pickup_point(operator=operator, name="曼达村服务点")
    warehouse = f.warehouse(county)
    tea_owner = make_user("merchant", Role.MERCHANT, township("勐龙镇"), phone="13900000006")
    coffee_owner = make_user("coffee", Role.MERCHANT, township("嘎洒镇"))
    tea_garden = f.merchant("刘家茶园", owner=tea_owner)
    coffee_coop = f.merchant(
        "曼达咖啡合作社",
        owner=coffee_owner,
        region=township("嘎洒镇"),
        kind=MerchantKind.COOPERATIVE,
    )
    tea = f.product(tea_garden, "普洱茶", price="50.00", sku_name="一级 500g")
    coffee = f.product(
        coffee_coop,
        "小粒咖啡",
        price="80.00",
        unit=Unit.BOX,
        cat=f.category("coffee", "咖啡", CategoryKind.FARM_PRODUCT),
    )
    tea_sku, coffee_sku = tea.skus.get(), coffee.skus.get()
    f.stock(tea_sku, warehouse, 10)
    f.stock(coffee_sku, warehouse, 5)
    buyer = User.objects.create_user("buyer", password=PASSWORD, phone="13800000001")
    return SimpleNamespace(
        point=point,
        warehouse=warehouse,
        operator=operator,
        tea_owner=tea_owner,
        coffee_owner=coffee_owner,
        tea_garden=tea_garden,
        coffee_coop=coffee_coop,
        tea=tea_sku,
        coffee=coffee_sku,
        buyer=buyer,
    )


def pickup_request(market, lines, provider="offline") -> CheckoutRequest:
    return CheckoutRequest(
        fulfilment="pickup",
        payment_provider=provider,
        pickup_site_id=market.point.pk,
        lines=lines,
    )


def delivery_request(lines, provider="sandbox") -> CheckoutRequest:
    return CheckoutRequest(
        fulfilment="delivery",
        payment_provider=provider,
        recipient_name="张三",
        recipient_phone="13800000002",
        address="昆明市五华区某路1号",
        lines=lines,
    )
