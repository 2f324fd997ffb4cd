"""Browser: on a phone, a buyer finds their village's pickup point by township or by typing, and
the delivery address is asked for only when the goods come to an address."""

from playwright.sync_api import expect

from cuncun.orders.models import Checkout
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.merchants import factories as f
from tests.orders.conftest import market  # noqa: F401  (the fixture)


def test_a_buyer_finds_the_pickup_point_by_township_then_by_typing_on_a_phone(
    live_server,
    phone,
    market,  # noqa: F811
):
    # Given pickup points in two townships
    f.pickup_point(village("勐龙镇", "景龙村委会"), name="景龙村服务点")
    f.pickup_point(village("嘎洒镇", "曼勉村委会"), name="曼勉村服务点")
    log_in(phone, live_server, "buyer", PASSWORD)
    phone.goto(f"{live_server.url}/market/checkout/?sku={market.tea.pk}&quantity=1")

    # When pickup is chosen, the address is not asked for; a delivery asks for it
    phone.get_by_label("到服务点自提").check()
    expect(phone.get_by_label("收货地址")).to_be_hidden()
    phone.get_by_label("送货上门").check()
    expect(phone.get_by_label("收货地址")).to_be_visible()
    expect(phone.get_by_label("取货点")).to_be_hidden()
    phone.get_by_label("到服务点自提").check()

    # When the buyer picks the township, only its points are offered
    phone.locator("#pickup-township").select_option("勐龙镇")
    offered = phone.locator("#id_pickup_site optgroup option:not([hidden])")
    expect(offered).to_have_text(["景龙村服务点（景龙村委会）"])
    expect(phone.get_by_label("取货点")).not_to_have_value("")  # the only one is chosen

    # And typing a village's name finds its point in any township
    phone.locator("#pickup-township").select_option("")
    phone.locator("#pickup-search").fill("曼勉")
    expect(offered).to_have_text(["曼勉村服务点（曼勉村委会）"])
    phone.locator("#pickup-search").fill("没有这个村")
    expect(phone.locator("#pickup-none")).to_be_visible()
    phone.locator("#pickup-search").fill("曼勉")

    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_role("button", name="提交订单").click()
    expect(phone.locator("#payment")).to_be_visible()  # the order placed, then the database
    assert Checkout.objects.get().pickup_site.name == "曼勉村服务点"
