"""The seller console's pages: a SKU added, a product edited, its seasons set, a SKU taken off
sale and back, stock counted only where the seller may keep goods; each through the services."""

import pytest

from cuncun.accounts.models import Role
from cuncun.catalog.models import Sku, Stock
from cuncun.core.models import AuditEntry
from tests.conftest import township, village
from tests.factories import site_in
from tests.merchants import factories as f


@pytest.fixture
def seller(make_user):
    return make_user("merchant", Role.MERCHANT, township("勐龙镇"))


@pytest.fixture
def product(seller):
    return f.product(f.merchant("刘家茶园", owner=seller))


@pytest.fixture
def console(client, seller):
    client.force_login(seller)
    return client


def page(client, url) -> str:
    return client.get(url).content.decode()


def test_a_seller_adds_a_sku_from_the_console(console, product):
    url = f"/catalog/console/p/{product.pk}/sku/"
    assert "添加规格" in page(console, url)

    response = console.post(
        url, {"unit": "box", "price": "450", "variant": "10斤/箱", "grade": "一级", "code": "PE-10"}
    )

    assert response["Location"] == f"/catalog/console/p/{product.pk}/"
    box = Sku.objects.get(code="PE-10")
    assert (box.product, str(box.price), box.name) == (product, "450.00", "10斤/箱")


def test_a_bad_sku_is_shown_on_its_form_and_nothing_is_added(console, product):
    text = console.post(
        f"/catalog/console/p/{product.pk}/sku/", {"unit": "box", "price": "200000"}
    ).content.decode()
    assert "100000" in text and 'role="alert"' in text
    assert product.skus.count() == 1


def test_a_seller_edits_a_product_from_the_console(console, product):
    from cuncun.catalog.services import ensure_category

    origin = village("勐龙镇", "曼栋村委会")
    pu_er = ensure_category(
        actor=None, code="pu-er", name="普洱茶", kind=product.category.kind, parent=product.category
    )
    response = console.post(
        f"/catalog/console/p/{product.pk}/edit/",
        {
            "name": "勐龙古树普洱",
            "category": pu_er.pk,
            "description": "春茶",
            "origin": origin.pk,
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.category, product.origin) == ("勐龙古树普洱", pu_er, origin)
    assert product.description == "春茶"


def test_a_seller_sets_seasons_from_the_console_and_a_bad_one_is_explained(console, product):
    url = f"/catalog/console/p/{product.pk}/seasons/"
    console.post(url, {"windows": "0501-0831，1101 - 0228"})
    assert sorted(product.season_windows.values_list("starts", "ends")) == [
        (501, 831),
        (1101, 228),
    ]
    assert "0501-0831, 1101-0228" in page(console, f"/catalog/console/p/{product.pk}/")

    text = console.post(url, {"windows": "五月到八月"}, follow=True).content.decode()
    assert "五月到八月" in text and product.season_windows.count() == 2
    text = console.post(url, {"windows": "1340-0101"}, follow=True).content.decode()
    assert "1340" in text and product.season_windows.count() == 2

    console.post(url, {"windows": ""})
    assert not product.season_windows.exists()


def test_a_seller_takes_a_sku_off_sale_and_back_from_the_console(console, product):
    sku = product.skus.get()
    url = f"/catalog/console/p/{product.pk}/on-sale/"
    console.post(url, {"sku": sku.pk, "on_sale": "0"})
    assert not Sku.objects.get(pk=sku.pk).is_active
    assert "恢复销售" in page(console, f"/catalog/console/p/{product.pk}/")
    console.post(url, {"sku": sku.pk, "on_sale": "1"})
    assert Sku.objects.get(pk=sku.pk).is_active
    assert AuditEntry.objects.filter(action__in=["sku.off_sale", "sku.on_sale"]).count() == 2


def test_the_console_offers_only_the_sites_where_the_seller_may_keep_goods(
    console, product, county
):
    warehouse = f.warehouse(county)
    point = site_in(village("勐龙镇", "曼栋村委会"), name="曼栋村服务点")
    text = page(console, f"/catalog/console/p/{product.pk}/")
    assert warehouse.name in text and point.name not in text

    sku = product.skus.get()
    url = f"/catalog/console/p/{product.pk}/stock/"
    console.post(url, {"sku": sku.pk, "site": point.pk, "quantity": 5})
    console.post(url, {"sku": sku.pk, "site": warehouse.pk, "quantity": 8})
    assert list(Stock.objects.values_list("site_id", "quantity")) == [(warehouse.pk, 8)]


def test_another_sellers_product_is_not_found_in_the_console(client, make_user, product):
    other = make_user("other", Role.MERCHANT, township("嘎洒镇"))
    f.merchant("别家茶店", owner=other, region=township("嘎洒镇"))
    client.force_login(other)
    sku = product.skus.get()
    response = client.post(
        f"/catalog/console/p/{product.pk}/on-sale/", {"sku": sku.pk, "on_sale": "0"}
    )
    assert response.status_code == 404
    assert Sku.objects.get(pk=sku.pk).is_active
