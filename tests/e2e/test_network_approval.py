from datetime import date

from playwright.sync_api import expect

from cuncun.network.models import Site, SiteStatus
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.factories import site_in


def _coverage(page, live_server):
    page.goto(f"{live_server.url}/network/coverage/")
    return page.locator('[data-indicator="village_point_coverage"]')


def test_township_staff_approve_a_new_village_point_and_coverage_changes(
    live_server, phone, plan, gasa_staff
):
    applied = site_in(
        village("嘎洒镇", "曼达村委会"), status=SiteStatus.APPLIED, opened_on=date(2017, 1, 5)
    )
    log_in(phone, live_server, "gasa", PASSWORD)
    expect(_coverage(phone, live_server)).to_contain_text("0 / 83")

    phone.goto(f"{live_server.url}/network/manage/")
    phone.get_by_text(applied.name).click()
    phone.get_by_text("批准", exact=True).first.click()
    phone.get_by_role("button", name="批准").click()
    expect(phone.locator("#status")).to_contain_text("已批准")

    phone.wait_for_load_state()  # the whole checklist: all() takes the boxes there are now
    for box in phone.locator("#lifecycle input[type=checkbox]").all():
        box.check()
    phone.get_by_role("button", name="记录验收").click()
    expect(phone.locator("#status")).to_contain_text("已验收")

    phone.get_by_text("开业运营", exact=True).first.click()
    phone.get_by_role("button", name="开业运营").click()
    expect(phone.locator("#status")).to_contain_text("运营")
    assert Site.objects.get(pk=applied.pk).status == SiteStatus.OPERATING

    expect(_coverage(phone, live_server)).to_contain_text("1 / 83")
    expect(phone.locator("#uncovered")).not_to_contain_text("曼达村委会")
