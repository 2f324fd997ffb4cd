from datetime import date

from cuncun.network.models import Site, SiteStatus
from tests.conftest import PASSWORD, village
from tests.e2e.conftest import log_in
from tests.factories import site_in


def _coverage(page, live_server) -> str:
    page.goto(f"{live_server.url}/network/coverage/")
    return page.locator('[data-indicator="village_point_coverage"]').inner_text()


def test_township_staff_approve_a_new_village_point_and_coverage_changes(
    live_server, phone, plan, gasa_staff
):
    applied = site_in(
        village("嘎洒镇", "曼达村委会"), status=SiteStatus.APPLIED, opened_on=date(2017, 1, 5)
    )
    log_in(phone, live_server, "gasa", PASSWORD)
    assert "0 / 83" in _coverage(phone, live_server)

    phone.goto(f"{live_server.url}/network/manage/")
    phone.get_by_text(applied.name).click()
    phone.get_by_text("批准", exact=True).first.click()
    phone.get_by_role("button", name="批准").click()
    assert "已批准" in phone.locator("#status").inner_text()

    for box in phone.locator("#lifecycle input[type=checkbox]").all():
        box.check()
    phone.get_by_role("button", name="记录验收").click()
    assert "已验收" in phone.locator("#status").inner_text()

    phone.get_by_text("开业运营", exact=True).first.click()
    phone.get_by_role("button", name="开业运营").click()
    assert "运营" in phone.locator("#status").inner_text()
    assert Site.objects.get(pk=applied.pk).status == SiteStatus.OPERATING

    assert "1 / 83" in _coverage(phone, live_server)
    assert "曼达村委会" not in phone.locator("#uncovered").inner_text()
