"""Browser: a merchant lists a new product in the seller console, adds a second SKU to it and
records its stock at the county warehouse; buyers then find it on the market. Then the seller
gives it a season and takes the second SKU off sale."""

from playwright.sync_api import expect

from cuncun.catalog.models import Product, Stock
from cuncun.catalog.services import ensure_category
from cuncun.core.models import AuditEntry
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def test_a_merchant_adds_a_product_with_a_sku_and_sets_its_stock_in_the_console(
    live_server,
    phone,
    market,  # noqa: F811
):
    grain = ensure_category(actor=None, code="grain", name="米面粮油", kind="farm_product")
    ensure_category(actor=None, code="rice", name="大米", kind="farm_product", parent=grain)
    log_in(phone, live_server, "merchant", PASSWORD)
    phone.goto(f"{live_server.url}/catalog/console/")
    phone.get_by_role("link", name="新商品").click()
    phone.get_by_label("名称").fill("勐龙红糯米")
    phone.get_by_label("分类").select_option(label="大米")
    phone.get_by_label("单位").select_option(label="斤（500克）")
    phone.get_by_label("价格（元）").fill("12.50")
    phone.get_by_role("button", name="上架").click()
    expect(phone.locator(".messages")).to_contain_text("勐龙红糯米 已上架")

    phone.get_by_role("link", name="添加规格").click()
    phone.get_by_label("单位").select_option(label="箱")
    phone.get_by_label("价格（元）").fill("120")
    phone.get_by_label("规格").fill("10斤/箱")
    phone.get_by_role("button", name="添加此规格").click()
    expect(phone.locator(".messages")).to_contain_text("已添加")

    product = Product.objects.get(name="勐龙红糯米")
    box = product.skus.get(name="10斤/箱")
    card = phone.locator(f"#sku-{box.pk}")
    card.get_by_label("站点").select_option(label=market.warehouse.name)
    card.get_by_label("现有数量").fill("20")
    card.get_by_role("button", name="登记盘点数").click()

    expect(phone.locator(".messages")).to_contain_text("库存已登记")
    expect(phone.locator(f"#sku-{box.pk}")).to_contain_text("现有 20")
    stock = Stock.objects.get(sku=box)
    assert (stock.site, stock.quantity) == (market.warehouse, 20)
    assert AuditEntry.objects.filter(action="stock.count", actor=market.tea_owner).count() == 1
    phone.goto(f"{live_server.url}/market/?q=红糯米")
    expect(phone.locator(".products")).to_contain_text("勐龙红糯米")

    # Later in the year: the seller gives it a season and takes the box off sale.
    phone.goto(f"{live_server.url}/catalog/console/p/{product.pk}/")
    phone.get_by_label("上市季节（月日-月日）").fill("0901-0131")
    phone.get_by_role("button", name="保存上市季节").click()
    expect(phone.locator(".messages")).to_contain_text("上市季节已保存")
    phone.locator(f"#sku-{box.pk}").get_by_role("button", name="停售").click()
    expect(phone.locator(f"#sku-{box.pk}")).to_contain_text("已停售")
    assert list(product.season_windows.values_list("starts", "ends")) == [(901, 131)]
    assert not product.skus.get(pk=box.pk).is_active
