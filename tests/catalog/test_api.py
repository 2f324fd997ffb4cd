"""The catalog API's writes: listing a product, recording a stock count, changing a price; each
by the seller only, with bad input answered 4xx and nothing changed."""

import json

import pytest

from cuncun.accounts.models import Role
from cuncun.catalog.models import Product, Sku, Stock
from cuncun.core.models import AuditEntry
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


@pytest.fixture
def sku(tea_garden):
    return f.product(tea_garden).skus.get()


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def product_body(merchant, **extra):
    return {
        "merchant": merchant.pk,
        "name": "勐龙古树红茶",
        "category": f.category().code,
        "origin": village("勐龙镇", "曼栋村委会").pk,
        "skus": [{"unit": "piece", "price": "88", "name": "250克/罐", "net_weight_kg": "0.25"}],
        "seasons": [[301, 531]],
        **extra,
    }


def test_a_seller_lists_a_product_through_the_api(client, seller, tea_garden):
    client.force_login(seller)
    response = post(client, "/api/catalog/products/", product_body(tea_garden))

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "勐龙古树红茶" and body["origin"] == "曼栋村委会"
    assert body["seasons"] == [{"starts": "03-01", "ends": "05-31"}]
    assert [(s["unit"], s["price"]) for s in body["skus"]] == [("piece", "88.00")]
    assert AuditEntry.objects.filter(action="product.create").count() == 1


def test_listing_for_another_merchant_or_without_login_is_refused(client, make_user, tea_garden):
    assert post(client, "/api/catalog/products/", product_body(tea_garden)).status_code == 401
    client.force_login(make_user("other", Role.MERCHANT, township("嘎洒镇")))
    response = post(client, "/api/catalog/products/", product_body(tea_garden))
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "茶" * 101},
        {"category": "no-such-category"},
        {"skus": []},
        {"skus": [{"unit": "catty", "price": "10"}]},
        {"skus": [{"unit": "jin", "price": "-1"}]},
        {"skus": [{"unit": "jin", "price": "99999999999999"}]},
        {"seasons": [[1340, 101]]},
        {"origin": 987654},
    ],
)
def test_a_bad_product_is_answered_400_and_nothing_is_listed(client, seller, tea_garden, bad):
    client.force_login(seller)
    response = post(client, "/api/catalog/products/", product_body(tea_garden, **bad))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_input" and response.json()["message"]
    assert not Product.objects.exists()


def test_a_seller_records_a_stock_count_through_the_api(client, seller, sku, warehouse):
    client.force_login(seller)
    response = put(
        client, f"/api/catalog/skus/{sku.pk}/stock/", {"site": warehouse.code, "quantity": 12}
    )
    assert response.status_code == 200
    assert response.json() == {
        "sku": sku.pk,
        "site": warehouse.code,
        "quantity": 12,
        "quantity_allocated": 0,
        "available": 12,
    }


@pytest.mark.parametrize("quantity", [-1, 1_000_001, 10**15])
def test_a_stock_count_out_of_range_is_answered_400(client, seller, sku, warehouse, quantity):
    f.stock(sku, warehouse, 7)
    client.force_login(seller)
    response = put(
        client, f"/api/catalog/skus/{sku.pk}/stock/", {"site": warehouse.code, "quantity": quantity}
    )
    assert response.status_code == 400
    assert Stock.objects.get(sku=sku).quantity == 7


def test_a_stock_count_by_another_merchant_or_at_a_point_not_ones_own_is_refused(
    client, make_user, seller, sku, warehouse
):
    other = make_user("other", Role.MERCHANT, township("嘎洒镇"))
    point = site_in(village("勐龙镇", "曼栋村委会"))
    client.force_login(other)
    url = f"/api/catalog/skus/{sku.pk}/stock/"
    assert put(client, url, {"site": warehouse.code, "quantity": 3}).status_code == 403
    client.force_login(seller)
    assert put(client, url, {"site": point.code, "quantity": 3}).status_code == 403
    assert put(client, url, {"site": "NO-SUCH", "quantity": 3}).status_code == 404
    assert not Stock.objects.exists()


def test_a_seller_changes_a_price_through_the_api(client, make_user, seller, sku):
    url = f"/api/catalog/skus/{sku.pk}/price/"
    client.force_login(make_user("other", Role.MERCHANT, township("嘎洒镇")))
    assert put(client, url, {"price": "60"}).status_code == 403
    client.force_login(seller)
    for bad in ["0", "-3", "100000.01"]:
        assert put(client, url, {"price": bad}).status_code == 400
    assert str(Sku.objects.get(pk=sku.pk).price) == "50.00"

    response = put(client, url, {"price": "59.9"})

    assert response.json() == {"sku": sku.pk, "price": "59.90"}
    assert AuditEntry.objects.filter(action="sku.price").count() == 1


def test_a_unit_may_be_written_by_its_chinese_short_name(client, seller, tea_garden):
    client.force_login(seller)
    body = product_body(tea_garden)
    body["skus"] = [{"unit": "件", "price": "12"}]

    response = post(client, "/api/catalog/products/", body)

    assert response.status_code == 201, response.content
    assert response.json()["skus"][0]["unit"] == "piece"


def test_a_page_far_past_the_end_is_refused_with_the_error_body(client, county):
    response = client.get("/api/catalog/products/", {"page": "400000000000000000"})

    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "details"}
