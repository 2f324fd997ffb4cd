"""A township hub scans a parcel in; the village operator checks it in and hands it over with the
code the recipient received by SMS."""

import re
from datetime import timedelta

from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.accounts.services import create_user
from cuncun.core.models import OutboxMessage
from cuncun.logistics.models import EventKind, EventSource, Parcel
from cuncun.logistics.services import EventInput, ParcelDetails, record_event
from cuncun.network.models import SiteKind
from cuncun.network.services import assign_operator, ensure_carrier
from tests.conftest import PASSWORD, township, village
from tests.e2e.conftest import log_in
from tests.factories import site_in

WAYBILL = "ZT7312345678"


def given_a_parcel_at_the_county_warehouse(county):
    warehouse = site_in(county, SiteKind.COUNTY_WAREHOUSE, name="景洪市物流仓储配送中心")
    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, name="嘎洒镇电商服务站")
    point = site_in(village("嘎洒镇", "曼达村委会"), name="曼达村服务点")
    operator = create_user(
        actor=None,
        username="manda",
        password=PASSWORD,
        role=Role.VILLAGE_OPERATOR,
        region=point.region,
    )
    assign_operator(actor=None, site=point, name="岩罕", since=timezone.localdate(), user=operator)
    record_event(
        actor=None,
        carrier=ensure_carrier(actor=None, code="ZTO", name="中通快递"),
        waybill=WAYBILL,
        event=EventInput(
            kind=EventKind.ARRIVED_HUB,
            occurred_at=timezone.now() - timedelta(hours=3),
            site=warehouse,
        ),
        source=EventSource.MANIFEST,
        details=ParcelDetails(point=point, person_name="玉香南", person_phone="13812345678"),
    )
    return station, point


def test_a_township_hub_scans_a_parcel_in_and_the_operator_hands_it_over_with_the_code(
    live_server, browser, phone, county, gasa_staff
):
    station, point = given_a_parcel_at_the_county_warehouse(county)

    # The township station scans the parcel in.
    log_in(phone, live_server, "gasa", PASSWORD)
    phone.get_by_role("link", name="快件").click()
    phone.get_by_role("link", name="扫描", exact=True).click()
    phone.get_by_label("扫描地点").select_option(value=str(station.pk))
    phone.locator("#id_action").select_option(label="到达本站")
    phone.get_by_label("运单号").fill(WAYBILL.lower())
    phone.get_by_role("button", name="登记").click()
    assert f"{WAYBILL}：到达分拨点" in phone.locator(".messages").inner_text()

    # The village operator checks it in: a shelf slot, and the code goes to the recipient.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    operator = context.new_page()
    operator.set_default_timeout(15_000)
    log_in(operator, live_server, "manda", PASSWORD)
    operator.goto(f"{live_server.url}/logistics/scan/")
    operator.get_by_label("运单号").fill(WAYBILL)
    operator.get_by_label("放在服务点代收的依据").select_option(label="收件人电话同意")
    operator.get_by_role("button", name="登记").click()
    notice = operator.locator(".messages").inner_text()
    assert "A-1-01" in notice and "138****5678" in notice
    sms = OutboxMessage.objects.get(to="13812345678")
    code = re.search(r"取件码 (\d{6})", sms.text).group(1)

    # The recipient comes with the code; the operator hands the parcel over.
    operator.goto(f"{live_server.url}/logistics/")
    operator.get_by_role("link", name=f"取件台：{point.name}").click()
    assert "玉*南" in operator.locator("#waiting").inner_text()
    operator.get_by_label("运单号").fill(WAYBILL)
    operator.locator("#id_code").fill(code)
    operator.get_by_role("button", name="交付取件").click()

    receipt = operator.locator("#receipt").inner_text()
    assert "取件成功" in receipt and "A-1-01" in receipt and "取件码" in receipt
    assert Parcel.objects.get(waybill=WAYBILL).status == EventKind.DELIVERED
    context.close()
