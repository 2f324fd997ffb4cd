"""A township hub scans a parcel in; the village operator checks it in and hands it over with the
code the recipient received by SMS, or after checking the collector's ID card."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from cuncun.accounts.models import Role, User
from cuncun.accounts.services import create_user
from cuncun.core.models import OutboxMessage
from cuncun.core.personal import id_check_char
from cuncun.logistics.models import ConsentBasis, EventKind, EventSource, Parcel
from cuncun.logistics.services import EventInput, ParcelDetails, check_in_parcel, record_event
from cuncun.network.models import ServiceRecord, SiteKind, SiteService
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
    expect(phone.locator(".messages")).to_contain_text(f"{WAYBILL}：到达分拨点")

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
    notice = operator.locator(".messages")
    expect(notice).to_contain_text("A-1-01")
    expect(notice).to_contain_text("138****5678")
    sms = OutboxMessage.objects.get(to="13812345678")
    code = re.search(r"取件码 (\d{6})", sms.text).group(1)

    # The recipient comes with the code; the operator hands the parcel over.
    operator.goto(f"{live_server.url}/logistics/")
    operator.get_by_role("link", name=f"取件台：{point.name}").click()
    expect(operator.locator("#waiting")).to_contain_text("玉*南")
    operator.get_by_label("运单号").fill(WAYBILL)
    operator.locator("#id_code").fill(code)
    operator.get_by_role("button", name="交付取件").click()

    receipt = operator.locator("#receipt")
    for shown in ["取件成功", "A-1-01", "取件码"]:
        expect(receipt).to_contain_text(shown)
    assert Parcel.objects.get(waybill=WAYBILL).status == EventKind.DELIVERED
    context.close()


def test_the_operator_hands_a_parcel_over_after_checking_the_id_card(live_server, phone, county):
    # Given a parcel on the shelf at 曼达村's point; its recipient comes without the code
    _station, point = given_a_parcel_at_the_county_warehouse(county)
    parcel = Parcel.objects.get(waybill=WAYBILL)
    check_in_parcel(
        actor=User.objects.get(username="manda"),
        site=point,
        carrier=parcel.carrier,
        waybill=WAYBILL,
        consent_basis=ConsentBasis.STANDING_CONSENT,
    )
    first17 = "53280119900101123"
    id_number = first17 + id_check_char(first17)

    log_in(phone, live_server, "manda", PASSWORD)
    phone.goto(f"{live_server.url}/logistics/points/{point.pk}/")
    phone.get_by_label("运单号").fill(WAYBILL)
    phone.get_by_text("没有取件码？核验身份证").click()
    phone.get_by_label("身份证号（没有取件码时）").fill(id_number)
    phone.get_by_label("身份证姓名").fill("玉香南")
    phone.get_by_role("button", name="交付取件").click()

    receipt = phone.locator("#receipt")
    masked = "5328**********" + id_number[-4:]
    expect(receipt).to_contain_text("取件成功")
    expect(receipt).to_contain_text(f"身份证 {masked}")
    expect(receipt).not_to_contain_text(id_number)
    parcel.refresh_from_db()
    assert parcel.status == EventKind.DELIVERED and not parcel.on_shelf
    delivered = parcel.events.get(kind=EventKind.DELIVERED)
    assert delivered.details == {"verified_by": "id_check", "id_number": masked, "name": "玉香南"}
    assert ServiceRecord.objects.filter(
        site=point, kind=SiteService.PARCEL_HANDED_OVER, reference=parcel.reference
    ).exists()
