"""The operator's console with no connection: hand-overs and check-ins done offline wait on the
phone, are sent once when the connection comes back, and a refusal comes back to resolve."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.accounts.services import create_user
from cuncun.core.models import IdempotencyKey, OutboxMessage
from cuncun.logistics.models import ConsentBasis, EventKind, Parcel
from cuncun.logistics.services import ParcelDetails, check_in_parcel, register_parcel, return_parcel
from cuncun.network.models import ServiceRecord, SiteService
from cuncun.network.services import assign_operator, ensure_carrier
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, log_in
from tests.factories import site_in


def given_a_point_with_parcels(county, on_shelf: list[str], on_the_way: list[str]):
    point = site_in(village("嘎洒镇", "曼达村委会"), name="曼达村服务点")
    operator = create_user(
        actor=None,
        username="manda",
        password=PASSWORD,
        role=Role.VILLAGE_OPERATOR,
        region=point.region,
    )
    assign_operator(actor=None, site=point, name="岩罕", since=timezone.localdate(), user=operator)
    carrier = ensure_carrier(actor=None, code="ZTO", name="中通快递")
    codes = {}
    for n, waybill in enumerate(on_shelf + on_the_way):
        phone = f"1381234{n:04d}"
        register_parcel(
            actor=None,
            carrier=carrier,
            waybill=waybill,
            details=ParcelDetails(point=point, person_name="玉香南", person_phone=phone),
        )
        if waybill in on_shelf:
            check_in_parcel(
                actor=operator,
                site=point,
                carrier=carrier,
                waybill=waybill,
                consent_basis=ConsentBasis.STANDING_CONSENT,
            )
            sms = OutboxMessage.objects.filter(to=phone).latest("pk")
            codes[waybill] = re.search(r"取件码 (\d{6})", sms.text).group(1)
    return point, operator, codes


@pytest.fixture
def phone(browser):
    """This file's phone runs in a browser of its own: a service worker registered in one test
    must not meet the next test's pages, and a context alone did not keep them apart."""
    own = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = own.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    own.close()


def open_the_console_online(page, live_server, point):
    """The first visit installs the worker and keeps the console's counters on the phone."""
    log_in(page, live_server, "manda", PASSWORD)
    page.goto(f"{live_server.url}/console/")
    # This point's own counter: the phone may still hold an earlier test's point's pages.
    page.wait_for_function(
        """async (counter) => {
          const names = await caches.keys();
          const pages = names.find(n => n.startsWith('cuncun-pages-'));
          if (!pages) return false;
          const kept = await (await caches.open(pages)).keys();
          return kept.some(r => new URL(r.url).pathname === counter)
              && kept.some(r => r.url.includes('/logistics/scan/'));
        }""",
        arg=reverse("logistics:counter", args=[point.pk]),
    )
    # and the console itself answered by the worker, as it is on the phone from then on
    page.reload()
    # A function, not an expression: Playwright evaluates an expression inside the page at
    # each poll, which the console's CSP (no unsafe-eval) refuses.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def queued_items(page) -> list[dict]:
    return page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open('cuncun-offline', 1);
          open.onsuccess = () => {
            const request = open.result.transaction('actions').objectStore('actions').getAll();
            request.onsuccess = () => resolve(request.result);
          };
        })"""
    )


def hand_over(page, waybill: str, code: str) -> None:
    page.get_by_label("运单号").fill(waybill)
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name="交付取件").click()


def test_offline_handovers_and_a_check_in_are_recorded_once_when_the_connection_comes_back(
    live_server, phone, county
):
    # Given two parcels on 曼达村's shelf and one on its way there
    point, _operator, codes = given_a_point_with_parcels(
        county, on_shelf=["ZT100000001", "ZT100000002"], on_the_way=["ZT100000003"]
    )
    open_the_console_online(phone, live_server, point)

    # When the connection drops, the operator hands the two parcels over and checks one in
    phone.context.set_offline(True)
    phone.locator("[data-key=handover]").click()
    phone.wait_for_url("**/logistics/points/**")
    hand_over(phone, "ZT100000001", codes["ZT100000001"])
    hand_over(phone, "ZT100000002", codes["ZT100000002"])
    expect(phone.locator("#outbox-count")).to_contain_text("待发送 2 项")
    phone.get_by_role("link", name="快件入库").click()
    phone.wait_for_url("**/logistics/scan/**")
    expect(phone.locator("#outbox-count")).to_contain_text("待发送 2 项")
    phone.get_by_label("运单号").fill("ZT100000003")
    phone.get_by_label("放在服务点代收的依据").select_option(value=ConsentBasis.STANDING_CONSENT)
    phone.get_by_role("button", name="登记").click()
    expect(phone.locator("#outbox-count")).to_contain_text("待发送 3 项")
    kept = queued_items(phone)
    assert len({item["key"] for item in kept}) == 3  # each action its own key
    # nothing reached the server yet
    assert Parcel.objects.filter(status=EventKind.DELIVERED).count() == 0

    # When the connection comes back, the queue is sent
    phone.context.set_offline(False)
    phone.wait_for_function("() => !document.getElementById('outbox-count').textContent")

    # Then each is recorded once
    for waybill in ["ZT100000001", "ZT100000002"]:
        parcel = Parcel.objects.get(waybill=waybill)
        assert parcel.status == EventKind.DELIVERED and not parcel.on_shelf
        assert parcel.events.filter(kind=EventKind.DELIVERED).count() == 1
    checked_in = Parcel.objects.get(waybill="ZT100000003")
    assert (
        checked_in.on_shelf
        and checked_in.events.filter(kind=EventKind.AT_PICKUP_POINT).count() == 1
    )
    handed = ServiceRecord.objects.filter(site=point, kind=SiteService.PARCEL_HANDED_OVER)
    assert handed.count() == 2
    assert IdempotencyKey.objects.count() == 3

    # And sending an item again (a sync cut off after the server applied it) changes nothing
    again = phone.evaluate(
        """(item) => fetch(item.url, {method: 'POST', credentials: 'same-origin', headers: {
             'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': item.key,
             'X-CSRFToken': document.querySelector('input[name=csrfmiddlewaretoken]').value},
             body: item.body}).then(r => r.json())""",
        next(item for item in kept if "ZT100000001" in item["label"]),
    )
    assert again["outcome"] == "done" and again["replayed"] is True
    assert (
        Parcel.objects.get(waybill="ZT100000001").events.filter(kind=EventKind.DELIVERED).count()
        == 1
    )
    assert handed.count() == 2


def test_a_handover_the_server_refuses_on_sync_comes_back_to_resolve(live_server, phone, county):
    # Given a parcel on the shelf, handed over offline
    point, _operator, codes = given_a_point_with_parcels(
        county, on_shelf=["ZT200000001"], on_the_way=[]
    )
    open_the_console_online(phone, live_server, point)
    phone.context.set_offline(True)
    phone.locator("[data-key=handover]").click()
    phone.wait_for_url("**/logistics/points/**")
    hand_over(phone, "ZT200000001", codes["ZT200000001"])
    expect(phone.locator("#outbox-count")).to_contain_text("待发送 1 项")

    # and meanwhile the parcel was returned to the carrier (by the township, from another phone)
    return_parcel(actor=None, parcel=Parcel.objects.get(waybill="ZT200000001"), reason="超期未取")

    # When the connection comes back
    phone.context.set_offline(False)
    refused = phone.locator("#outbox-refused")

    # Then the refusal is shown to resolve, with why, and nothing was handed over
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("ZT200000001")
    expect(refused).to_contain_text("已不在本点等待")
    parcel = Parcel.objects.get(waybill="ZT200000001")
    assert parcel.events.filter(kind=EventKind.DELIVERED).count() == 0

    # When the operator has put it right, it leaves the list
    phone.get_by_role("button", name="已处理，从列表移除").click()
    phone.wait_for_function("() => document.getElementById('outbox-refused-box').hidden")
    assert queued_items(phone) == []


def test_a_handover_by_mistake_is_undone_from_the_receipt(live_server, phone, county):
    # Given a parcel handed over at the counter
    point, _operator, codes = given_a_point_with_parcels(
        county, on_shelf=["ZT300000001"], on_the_way=[]
    )
    log_in(phone, live_server, "manda", PASSWORD)
    phone.goto(f"{live_server.url}/logistics/points/{point.pk}/")
    hand_over(phone, "ZT300000001", codes["ZT300000001"])
    expect(phone.locator("#receipt")).to_contain_text("取件成功")

    # When the operator sees it was the wrong parcel and undoes it
    phone.get_by_role("button", name="撤销这次交付").click()

    # Then it is back on its shelf, waiting, and the recipient gets a new code
    expect(phone.locator(".messages")).to_contain_text("已撤销交付")
    parcel = Parcel.objects.get(waybill="ZT300000001")
    assert parcel.on_shelf and parcel.status == EventKind.AT_PICKUP_POINT
    expect(phone.locator("#waiting")).to_contain_text("ZT300000001")
