"""Browser: the county office edits a merchant of the register (its park tenancy and the owner's
account), records and removes one of its outside shops, and stops it."""

from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.merchants.models import Merchant, MerchantKind
from cuncun.merchants.services import MerchantDetails, register_merchant
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in


def test_the_county_office_edits_a_merchant_its_shops_and_stops_it(
    live_server, phone, make_user, office_user
):
    owner = make_user("shanyun", Role.MERCHANT, township("嘎洒镇"))
    merchant = register_merchant(
        actor=None,
        details=MerchantDetails(
            name="版纳山韵茶业", kind=MerchantKind.ENTERPRISE, region=township("嘎洒镇")
        ),
    )
    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/merchants/{merchant.pk}/")

    phone.get_by_role("link", name="编辑").click()
    phone.get_by_label("店主账号（用户名）").fill("shanyun")
    phone.get_by_label("入驻电商产业园").check()
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator(".messages")).to_contain_text("已保存")
    expect(phone.locator("#details")).to_contain_text("shanyun")
    expect(phone.locator("#details")).to_contain_text("产业园")

    shops = phone.locator("#shops")
    shops.get_by_label("平台").select_option(label="拼多多")
    shops.get_by_label("店铺编号").fill("pdd-8866")
    shops.get_by_role("button", name="登记店铺").click()
    expect(phone.locator("#shops")).to_contain_text("pdd-8866")
    phone.locator("#shops").get_by_role("button", name="删除拼多多店铺 pdd-8866").click()
    expect(phone.locator(".messages")).to_contain_text("店铺已删除")

    phone.get_by_label("原因").fill("停业整顿")
    phone.get_by_role("button", name="停用该商家").click()

    expect(phone.get_by_role("button", name="恢复销售")).to_be_visible()
    merchant = Merchant.objects.get(pk=merchant.pk)
    assert merchant.owner == owner and merchant.is_park_tenant and not merchant.is_active
    assert not merchant.platform_shops.exists()
