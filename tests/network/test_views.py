import csv
import io
import json
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry
from cuncun.network.models import ServiceRecord, Site, SiteKind, SiteService, SiteStatus
from cuncun.network.services import (
    assign_operator,
    change_site_status,
    ensure_carrier,
    record_service,
    start_carrier_service,
)
from tests.conftest import PASSWORD, village
from tests.factories import site_in
from tests.network.builders import GOOD_ROW, import_register, register_file


def _xlsx(rows) -> io.BytesIO:
    out = io.BytesIO(register_file(rows))
    out.name = "sites.xlsx"
    return out


def _client(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_an_import_with_a_bad_row_imports_nothing_and_names_the_row(gasa_staff):
    bad = [
        "村级电商服务点",
        "嘎洒镇",
        "不存在村",
        "点",
        "地址",
        "",
        "",
        None,
        "",
        "",
        "2017-03-01",
        None,
    ]
    page = import_register(_client("gasa"), _xlsx([GOOD_ROW, bad]))
    assert 'data-status="failed"' in page
    assert "第 3 行" in page and "不存在村" in page
    assert not Site.objects.exists()


def test_the_good_rows_import_when_the_user_chooses_so(gasa_staff):
    bad = [
        "村级电商服务点",
        "嘎洒镇",
        "曼勉村委会",
        "点",
        "地址",
        "",
        "跳舞",
        None,
        "",
        "",
        "2017-03-01",
        None,
    ]
    page = import_register(_client("gasa"), _xlsx([GOOD_ROW, bad]), good_rows_only="on")
    assert 'data-status="done"' in page and "第 3 行" in page  # imported, the bad row told
    site = Site.objects.get()
    assert (site.name, site.status, site.services) == (
        "曼达村电商服务点",
        SiteStatus.APPLIED,
        [SiteService.ASSISTED_PURCHASE, SiteService.PARCEL_RECEIVED],
    )
    assert site.operators.get().phone == "13900001111"


def test_a_row_outside_the_importers_township_is_refused(menglong_staff):
    page = import_register(_client("menglong"), _xlsx([GOOD_ROW]))
    assert 'data-status="failed"' in page
    assert "不在您负责的范围" in page
    assert not Site.objects.exists()


def test_only_the_office_registers_sites_already_operating(gasa_staff, office_user):
    row = [*GOOD_ROW[:-1], "2017-04-01"]
    assert 'data-status="failed"' in import_register(_client("gasa"), _xlsx([row]))
    assert 'data-status="done"' in import_register(_client("office"), _xlsx([row]))
    assert Site.objects.get().status == SiteStatus.OPERATING


def test_a_file_that_is_not_excel_is_refused_clearly(gasa_staff):
    file = io.BytesIO(b"not a spreadsheet")
    file.name = "x.xlsx"
    page = import_register(_client("gasa"), file)
    assert 'data-status="failed"' in page and "Excel" in page


def test_the_export_reimports_as_the_same_register(office_user):
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    data = _client("office").get("/network/manage/export.xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "状态", "类型") and rows[1][2] == "村级电商服务点"
    assert rows[1][0].endswith("V0001") and rows[1][1] == "运营"


def test_the_daily_report_as_csv_and_xml(office_user):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    for kind, amount in [
        (SiteService.ASSISTED_PURCHASE, "30"),
        (SiteService.ASSISTED_PURCHASE, "20"),
        (SiteService.ASSISTED_SALE, "100"),
    ]:
        record_service(
            actor=None,
            site=site,
            kind=kind,
            day=date(2017, 5, 1),
            amount=amount,
            category="茶叶",
            authorized_by_caller=True,
        )
    client = _client("office")
    body = client.get("/network/report/daily/", {"day": "2017-05-01"}).content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["site_type"], row["site_code"], row["category"]) == ("3", site.code, "茶叶")
    assert (row["bought_orders"], row["bought_amount"], row["sold_orders"], row["sold_amount"]) == (
        "2",
        "50.00",
        "1",
        "100.00",
    )
    xml = ElementTree.fromstring(
        client.get("/network/report/daily/", {"day": "2017-05-01", "format": "xml"}).content
    )
    assert xml.find("site/sold_amount").text == "100.00"


def test_the_public_page_warns_when_a_site_is_not_operating(county):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    assert "认证" in Client().get(f"/network/s/{site.code}/").content.decode()
    change_site_status(
        actor=None,
        site=site,
        to_status=SiteStatus.SUSPENDED,
        effective_on=date(2017, 4, 1),
        reason="x",
    )
    page = Client().get(f"/network/s/{site.code}/").content.decode()
    assert "不要" in page and "暂停" in page


def test_the_door_sign_qr_code_is_an_svg_of_the_public_page(county):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    response = Client().get(f"/network/s/{site.code}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_the_finder_lists_serving_points_of_a_township(county):
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1), name="曼达点")
    site_in(village("勐龙镇", "景龙村委会"), opened_on=date(2017, 3, 1), name="景龙点")
    gasa = village("嘎洒镇", "曼达村委会").parent
    page = Client().get("/network/", {"township": gasa.pk}).content.decode()
    assert "曼达点" in page and "景龙点" not in page


def test_the_coverage_page_lists_uncovered_villages(plan):
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    page = Client().get("/network/coverage/", {"on": "2017-06-01"}).content.decode()
    assert "曼勉村委会" in page  # still without a point
    assert 'id="uncovered"' in page and "社区" in page  # says communities are not counted


@pytest.mark.parametrize("url", ["/network/manage/", "/network/report/daily/"])
def test_the_console_needs_a_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_township_user_cannot_open_a_site_of_another_township(menglong_staff):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    assert _client("menglong").get(f"/network/manage/{site.pk}/").status_code == 404


def test_a_refused_step_shows_a_message_and_changes_nothing(gasa_staff):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    client = _client("gasa")
    response = client.post(
        f"/network/manage/{site.pk}/transition/",
        {"to_status": "approved", "effective_on": "2017-04-01"},
        follow=True,
    )
    assert "不能" in response.content.decode()
    assert Site.objects.get(pk=site.pk).status == SiteStatus.OPERATING


def test_an_operator_records_a_service_in_their_ledger(make_user):
    manda = village("嘎洒镇", "曼达村委会")
    site = site_in(manda, opened_on=date(2017, 3, 1))
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    assign_operator(actor=None, site=site, name="岩罕", since=date(2017, 3, 1), user=operator)
    client = _client("op")
    assert client.get("/network/mine/").url == f"/network/manage/{site.pk}/"
    client.post(
        f"/network/manage/{site.pk}/ledger/",
        {
            "kind": "assisted_sale",
            "day": "2017-05-02",
            "category": "芒果",
            "quantity": 2,
            "amount": "48.00",
        },
    )
    record = ServiceRecord.objects.get()
    assert (record.site, record.amount, record.recorded_by) == (site, 48, operator)


def test_a_suspended_point_still_enters_the_days_it_was_operating(make_user):
    manda = village("嘎洒镇", "曼达村委会")
    site = site_in(manda, opened_on=date(2017, 3, 1))
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    assign_operator(actor=None, site=site, name="岩罕", since=date(2017, 3, 1), user=operator)
    change_site_status(
        actor=None,
        site=site,
        to_status=SiteStatus.SUSPENDED,
        effective_on=date(2017, 6, 1),
        reason="整改",
    )
    client = _client("op")

    page = client.get(f"/network/manage/{site.pk}/").content.decode()
    client.post(
        f"/network/manage/{site.pk}/ledger/",
        {"kind": "consultation", "day": "2017-05-20", "quantity": 1, "amount": "0"},
    )
    refused = client.post(
        f"/network/manage/{site.pk}/ledger/",
        {"kind": "consultation", "day": "2017-06-02", "quantity": 1, "amount": "0"},
        follow=True,
    ).content.decode()

    assert 'id="ledger"' in page
    assert [r.day for r in ServiceRecord.objects.all()] == [date(2017, 5, 20)]
    assert "未在运营" in refused


def test_indicators_are_listed_by_the_api(client, db):
    codes = {i["code"] for i in client.get("/api/indicators/").json()}
    assert {
        "township_station_coverage",
        "village_point_coverage",
        "poor_village_coverage",
        "carrier_township_coverage",
        "carrier_village_point_coverage",
    } <= codes


def test_an_unknown_indicator_is_a_404(client, county):
    assert client.get("/api/indicators/nothing/").status_code == 404


def test_a_bad_date_is_a_400(client, county):
    response = client.get("/api/indicators/village_point_coverage/", {"on": "2017-13-01"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_kinds_have_a_report_type():
    assert {SiteKind.REPORT_TYPE[k] for k, _ in SiteKind.choices} == {1, 2, 3}


def test_the_office_records_that_a_carrier_serves_a_township(office_user, gasa_staff):
    from cuncun.network.models import CarrierService
    from cuncun.network.services import ensure_carrier

    carrier = ensure_carrier(actor=None, code="ZTO", name="中通快递")
    gasa = village("嘎洒镇", "曼达村委会").parent
    form = {"carrier": carrier.pk, "township": gasa.pk, "since": "2017-05-01"}
    assert _client("gasa").post("/network/manage/carriers/", form).status_code == 403
    assert not CarrierService.objects.exists()
    _client("office").post("/network/manage/carriers/", form)
    assert CarrierService.objects.get().township == gasa
    page = _client("office").get("/network/manage/carriers/").content.decode()
    assert "中通快递" in page and "嘎洒镇" in page


def _manda_point_with_operator(make_user, phone="13912345678"):
    manda = village("嘎洒镇", "曼达村委会")
    site = site_in(manda, opened_on=date(2017, 3, 1))
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    assign_operator(
        actor=None, site=site, name="岩罕", phone=phone, since=date(2017, 3, 1), user=operator
    )
    return site


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.COURIER, Role.MEMBER_DEPARTMENT])
def test_merchants_couriers_and_departments_see_sites_only_on_the_public_pages(make_user, role):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    make_user("someone", role, None if role == Role.MEMBER_DEPARTMENT else site.region.parent)
    client = _client("someone")

    for url in [
        "/network/manage/",
        "/network/manage/export.xlsx",
        "/network/report/daily/",
        "/network/manage/carriers/",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.get(f"/network/manage/{site.pk}/").status_code == 404
    assert client.get(f"/network/s/{site.code}/").status_code == 200


def test_the_export_shows_phones_unmasked_only_to_the_sites_managers(make_user, office_user):
    _manda_point_with_operator(make_user)

    def phones(username):
        data = _client(username).get("/network/manage/export.xlsx").content
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        column = rows[0].index("站长手机")
        return [row[column] for row in rows[1:]]

    assert phones("office") == ["13912345678"]
    assert phones("op") == ["139****5678"]
    # one audit row for the register with full numbers, naming how many; none for the masked one
    (taken,) = AuditEntry.objects.filter(action="personal_data.exported")
    assert taken.actor == office_user and taken.after == {"fields": ["operator_phone"], "people": 1}


def test_an_operator_sees_only_their_own_point_in_the_console(make_user):
    site = _manda_point_with_operator(make_user)
    other = site_in(village("嘎洒镇", "曼勉村委会"), opened_on=date(2017, 3, 1))
    client = _client("op")

    page = client.get("/network/manage/").content.decode()

    assert site.name in page and other.name not in page
    assert client.get(f"/network/manage/{other.pk}/").status_code == 404


def test_a_latitude_out_of_range_is_a_message_not_an_error(office_user):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    response = _client("office").post(
        f"/network/manage/{site.pk}/profile/",
        {
            "name": site.name,
            "address": site.address,
            "pickup_mode": "disabled",
            "latitude": "200",
            "longitude": "100.5",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "纬度必须在 -90 到 90 之间" in response.content.decode()
    assert Site.objects.get(pk=site.pk).latitude is None


def test_an_application_out_of_range_is_a_message_not_an_error(gasa_staff):
    client = _client("gasa")
    manda = village("嘎洒镇", "曼达村委会")
    response = client.post(
        "/network/manage/apply/",
        {
            "kind": "village_point",
            "region": manda.pk,
            "name": "曼达点",
            "address": "村委会旁",
            "floor_area": "99999999",
            "applied_on": "2017-01-01",
        },
    )
    assert response.status_code == 200 and "面积（平方米）必须在" in response.content.decode()
    assert not Site.objects.exists()


def test_an_import_row_dated_in_the_future_is_reported_with_its_row_number(gasa_staff):
    future = [*GOOD_ROW[:10], (timezone.localdate() + timedelta(days=3)).isoformat(), None]
    page = import_register(_client("gasa"), _xlsx([GOOD_ROW, GOOD_ROW, future]))
    assert 'data-status="failed"' in page and "第 4 行" in page and "未来" in page
    assert not Site.objects.exists()


def test_county_level_sites_import_without_a_township(office_user):
    row = ["市级公共服务中心", "", "", "公共服务中心", "市区", "", "", 300]
    row += ["", "", "2017-01-01", "2017-01-20"]
    page = import_register(_client("office"), _xlsx([row]))
    assert 'data-status="done"' in page, page
    site = Site.objects.get()
    assert (site.kind, site.region.level, site.status) == (
        SiteKind.COUNTY_CENTER,
        "county",
        SiteStatus.OPERATING,
    )


def test_township_staff_importing_a_station_are_told_their_role_may_not(gasa_staff):
    row = ["乡镇服务站", "嘎洒镇", "", "嘎洒站", "镇上", "", "", None, "", ""]
    row += ["2017-01-01", None]
    page = import_register(_client("gasa"), _xlsx([row]))
    assert 'data-status="failed"' in page and "您的角色不能" in page and "不在您负责" not in page


def test_an_exported_register_imports_again_without_duplicates(office_user):
    # given a register of a point and a county center, exported by the office
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    site_in(village("嘎洒镇", "曼达村委会").county(), SiteKind.COUNTY_CENTER)
    client = _client("office")
    exported = client.get("/network/manage/export.xlsx").content

    # when it is imported back unchanged
    again = io.BytesIO(exported)
    again.name = "sites.xlsx"
    page = import_register(client, again)

    # then nothing is added and nothing changed
    assert "0 个站点已登记，0 个已更新，2 个未变" in page, page
    assert Site.objects.count() == 2

    # and a name edited in the file updates that site
    book = load_workbook(io.BytesIO(exported))
    sheet = book.active
    names = [c.value for c in sheet[1]].index("名称") + 1
    point_row = next(r for r in range(2, 4) if sheet.cell(r, 1).value.split("-")[1][0] == "V")
    sheet.cell(point_row, names).value = "曼达村益农服务点"
    edited = io.BytesIO()
    book.save(edited)
    edited.seek(0)
    edited.name = "sites.xlsx"
    import_register(client, edited)
    assert Site.objects.count() == 2
    assert Site.objects.filter(name="曼达村益农服务点", kind=SiteKind.VILLAGE_POINT).exists()


def test_the_carriers_page_lists_the_points_served_and_ends_one(office_user):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    service = start_carrier_service(actor=None, carrier=post, site=site, since=date(2017, 4, 2))
    client = _client("office")

    page = client.get("/network/manage/carriers/").content.decode()
    assert site.code in page and "2017-04-02" in page

    client.post("/network/manage/carriers/", {"end": service.pk})
    service.refresh_from_db()
    assert service.until == timezone.localdate()
    assert site.code not in client.get("/network/manage/carriers/").content.decode()


def test_the_coverage_page_writes_targets_with_the_sign(plan):
    page = Client().get("/network/coverage/", {"on": "2017-03-01"}).content.decode()
    assert "≥ 50%" in page and "&gt;=" not in page


def test_the_door_sign_names_the_county_and_the_program_from_data(plan):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    page = Client().get(f"/network/s/{site.code}/sign/").content.decode()
    assert plan.title in page and plan.county.name in page
    assert '<html lang="zh-hans">' in page


def test_the_coverage_chart_tells_the_plans_years_then_jumps_to_the_chosen_day(plan):
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))

    page = Client().get("/network/coverage/?on=2026-12-01").content.decode()

    days = json.loads(page.split('id="coverage-data" type="application/json">')[1].split("<")[0])[
        "days"
    ]
    assert days[-2:] == ["2018-12-01", "2026-12-01"]
    assert days[0] <= "2017-03-01"
