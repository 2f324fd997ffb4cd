"""A product's photos are public while the product is on the market (the market front, its page
and the API link them through the catalog's own address) and the seller's alone once it is not."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cuncun.accounts.models import Role
from cuncun.catalog.models import ProductStatus
from cuncun.catalog.services import add_product_photo, set_product_status
from tests.conftest import township
from tests.merchants import factories as f

pytestmark = pytest.mark.usefixtures("media_root")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.fixture
def seller(make_user):
    return make_user("merchant", Role.MERCHANT, township("勐龙镇"))


@pytest.fixture
def product(seller):
    return f.product(f.merchant("刘家茶园", owner=seller))


@pytest.fixture
def photo(product, seller):
    upload = SimpleUploadedFile("茶园.jpg", JPEG, content_type="image/jpeg")
    return add_product_photo(actor=seller, product=product, upload=upload)


def test_a_photo_of_a_product_on_sale_loads_for_a_visitor_and_may_be_cached(client, photo):
    served = client.get(reverse("catalog:product_photo", args=[photo.pk]))

    assert served.status_code == 200
    assert b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "public, max-age=86400"


def test_the_market_front_the_product_page_and_the_console_link_the_photo(
    client, photo, product, seller
):
    address = reverse("catalog:product_photo", args=[photo.pk])

    assert f'src="{address}"' in client.get(reverse("orders:market")).content.decode()
    product_page = client.get(reverse("orders:product", args=[product.pk])).content.decode()
    assert f'src="{address}"' in product_page
    client.force_login(seller)
    console = client.get(reverse("catalog:manage_product", args=[product.pk])).content.decode()
    assert f'src="{address}"' in console


def test_the_api_lists_the_photos_by_their_address(client, photo, product):
    body = client.get(f"/api/catalog/products/{product.pk}/").json()

    assert body["photos"] == [reverse("catalog:product_photo", args=[photo.pk])]
    assert client.get(body["photos"][0]).status_code == 200


def test_a_photo_of_a_withdrawn_product_is_only_its_sellers(
    client, photo, product, seller, make_user
):
    other_seller = make_user("coffee", Role.MERCHANT, township("嘎洒镇"))
    f.merchant("曼达咖啡合作社", owner=other_seller, region=township("嘎洒镇"))
    set_product_status(actor=seller, product=product, status=ProductStatus.DELISTED)
    address = reverse("catalog:product_photo", args=[photo.pk])

    assert client.get(address).status_code == 404
    client.force_login(other_seller)
    assert client.get(address).status_code == 404
    client.force_login(seller)
    served = client.get(address)
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
