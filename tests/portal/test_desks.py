"""Township staff and merchants land on what waits for them: counts that link to their lists."""

from django.test import Client

from cuncun.accounts.models import Role
from cuncun.catalog.services import set_low_stock_level
from cuncun.network.models import SiteKind, SiteStatus
from tests.conftest import township, village
from tests.factories import site_in
from tests.merchants import factories as f


def buttons_of(page: str) -> dict[str, str]:
    """data-key → count, as the home shows them."""
    counts = {}
    for chunk in page.split('data-key="')[1:]:
        key = chunk[: chunk.index('"')]
        count = chunk.split('<span class="console-count">')[1].split("</span>")[0]
        counts[key] = count
    return counts


def test_township_staff_see_the_applications_and_checks_that_are_theirs_to_take(gasa_staff):
    # Given two village points applied for and one built in 嘎洒镇, a station applied for (the
    # county office's step) and a point applied for in another township
    site_in(village("嘎洒镇", "曼勉村委会"), status=SiteStatus.APPLIED)
    site_in(village("嘎洒镇", "曼播村委会"), status=SiteStatus.APPLIED)
    site_in(village("嘎洒镇", "曼达村委会"), status=SiteStatus.APPROVED)
    site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, status=SiteStatus.APPLIED)
    site_in(village("勐龙镇", "景龙村委会"), status=SiteStatus.APPLIED)
    client = Client()
    client.force_login(gasa_staff)

    # When the township's staff open their home
    page = client.get("/township/").content.decode()

    # Then they see their own work, each count linking to its list
    counts = buttons_of(page)
    assert counts["applications"] == "2" and counts["acceptance"] == "1"
    assert counts["flagged"] == "0" and counts["homestays"] == "0"
    assert "/network/manage/?status=applied" in page and "/logistics/review/" in page
    assert "申请" in page and "嘎洒镇" in page


def test_the_township_home_is_only_for_township_staff(make_user):
    client = Client()
    client.force_login(make_user("shop", Role.MERCHANT, township("勐龙镇")))
    assert client.get("/township/").status_code == 403


def test_a_merchant_sees_the_skus_at_or_below_their_warning_line(make_user, county):
    # Given a shop with tea (default line 5) and coffee (its own line 20) at the warehouse
    owner = make_user("shop", Role.MERCHANT, township("勐龙镇"))
    garden = f.merchant("刘家茶园", owner=owner)
    warehouse = f.warehouse(county)
    tea = f.product(garden, "普洱茶", sku_name="一级").skus.get()
    coffee = f.product(garden, "小粒咖啡", sku_name="500g").skus.get()
    plenty = f.product(garden, "红糖", sku_name="1斤").skus.get()
    f.stock(tea, warehouse, 5)
    f.stock(coffee, warehouse, 12)
    f.stock(plenty, warehouse, 12)
    set_low_stock_level(actor=owner, sku=coffee, level=20)
    client = Client()
    client.force_login(owner)

    # When the merchant opens their home
    page = client.get("/shop/").content.decode()

    # Then both low SKUs are listed with what is free and the line, the plentiful one is not
    low = page[page.index('id="low-stock"') :]
    assert "普洱茶 一级" in low and "小粒咖啡 500g" in low and "红糖" not in low
    assert "可售 5（提醒线 5）" in low and "可售 12（提醒线 20）" in low
    assert buttons_of(page)["low_stock"] == "2"


def test_a_merchant_account_without_a_business_is_shown_where_to_register(make_user):
    owner = make_user("new", Role.MERCHANT, township("勐龙镇"))
    client = Client()
    client.force_login(owner)
    page = client.get("/shop/").content.decode()
    assert "/merchants/new/" in page
