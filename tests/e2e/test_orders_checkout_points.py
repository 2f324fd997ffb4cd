"""Browser: on a phone, a buyer finds their village's pickup point by township or by typing, and
the delivery address is asked for only when the goods come to an address."""

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
    assert not phone.get_by_label("收货地址").is_visible()
    phone.get_by_label("送货上门").check()
    assert phone.get_by_label("收货地址").is_visible()
    assert not phone.get_by_label("取货点").is_visible()
    phone.get_by_label("到服务点自提").check()

    # When the buyer picks the township, only its points are offered
    phone.locator("#pickup-township").select_option("勐龙镇")
    offered = phone.locator("#id_pickup_site optgroup option:not([hidden])").all_inner_texts()
    assert offered == ["景龙村服务点（景龙村委会）"]
    assert phone.get_by_label("取货点").input_value() != ""  # the only one is chosen

    # And typing a village's name finds its point in any township
    phone.locator("#pickup-township").select_option("")
    phone.locator("#pickup-search").fill("曼勉")
    assert phone.locator("#id_pickup_site optgroup option:not([hidden])").all_inner_texts() == [
        "曼勉村服务点（曼勉村委会）"
    ]
    phone.locator("#pickup-search").fill("没有这个村")
    assert phone.locator("#pickup-none").is_visible()
    phone.locator("#pickup-search").fill("曼勉")

    phone.get_by_label("到服务点现金支付").check()
    phone.get_by_role("button", name="提交订单").click()
    phone.wait_for_load_state()
    assert Checkout.objects.get().pickup_site.name == "曼勉村服务点"
