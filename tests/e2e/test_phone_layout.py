"""On a 390 px phone the parcel shelf and the office's order list are cards that fit the screen;
returning a parcel from the shelf asks for confirmation and a reason first."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from cuncun.accounts.models import User
from cuncun.logistics.models import ConsentBasis, EventKind, Parcel
from cuncun.logistics.services import check_in_parcel
from cuncun.orders.services import place_order
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_logistics_pickup import WAYBILL, given_a_parcel_at_the_county_warehouse
from tests.orders.conftest import market, pickup_request  # noqa: F401 (the market fixture)

PHONE_WIDTH = 390


def fits_the_screen(page) -> bool:
    page.wait_for_load_state()  # measured with its styles (the test waited for the page itself)
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_shelf_is_cards_on_a_phone_and_a_return_is_confirmed_with_a_reason(
    live_server, phone, county
):
    _station, point = given_a_parcel_at_the_county_warehouse(county)
    parcel = Parcel.objects.get(waybill=WAYBILL)
    check_in_parcel(
        actor=User.objects.get(username="manda"),
        site=point,
        carrier=parcel.carrier,
        waybill=WAYBILL,
        consent_basis=ConsentBasis.STANDING_CONSENT,
        at=timezone.now() - timedelta(days=9),
    )

    log_in(phone, live_server, "manda", PASSWORD)
    phone.locator('[data-key="handover"]').click()

    back = phone.locator("#waiting").get_by_role("link", name="退回")
    expect(back).to_be_visible()
    assert fits_the_screen(phone)
    box = back.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH and box["height"] >= 32  # a thumb hits it
    back.click()
    confirm = phone.locator("#confirm")
    expect(confirm).to_contain_text("取件码随即作废")
    assert Parcel.objects.get(pk=parcel.pk).on_shelf  # nothing happened yet
    confirm.get_by_label("退回原因").fill("收件人电话无人接听")
    confirm.get_by_role("button", name="确认退回").click()
    expect(phone.locator(".messages")).to_contain_text("快件退回快递企业。")

    parcel.refresh_from_db()
    assert parcel.status == EventKind.RETURNING and not parcel.on_shelf
    assert parcel.events.get(kind=EventKind.RETURNING).details["reason"] == "收件人电话无人接听"


def test_the_office_order_list_is_cards_on_a_phone(
    live_server,
    phone,
    market,  # noqa: F811
    office_user,
):
    place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/market/office/")

    row = phone.locator("#office-orders tbody tr").first
    expect(row).to_contain_text("待付款")
    assert row.locator("td").first.evaluate("e => getComputedStyle(e).display") == "block"
    assert fits_the_screen(phone)
