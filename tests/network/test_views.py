import csv
import io
from datetime import date
from xml.etree import ElementTree

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from cuncun.accounts.models import Role
from cuncun.network.models import ServiceRecord, Site, SiteKind, SiteService, SiteStatus
from cuncun.network.services import change_site_status, record_service
from tests.conftest import PASSWORD, village
from tests.factories import site_in

HEADER = [
    "类型",
    "乡镇",
    "村/社区",
    "名称",
    "地址",
    "营业时间",
    "服务",
    "面积",
    "站长",
    "站长手机",
    "申请日期",
    "开业日期",
]


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "sites.xlsx"
    return out


GOOD_ROW = [
    "村级电商服务点",
    "嘎洒镇",
    "曼达村委会",
    "曼达村电商服务点",
    "曼达村委会旁",
    "8:00-18:00",
    "代购,快递代收",
    30,
    "岩罕",
    "13900001111",
    "2017-03-01",
    None,
]


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
    response = _client("gasa").post("/network/manage/import/", {"file": _xlsx([GOOD_ROW, bad])})
    assert response.status_code == 400
    page = response.content.decode()
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
    response = _client("gasa").post(
        "/network/manage/import/", {"file": _xlsx([GOOD_ROW, bad]), "good_rows_only": "on"}
    )
    assert response.status_code == 200
    site = Site.objects.get()
    assert (site.name, site.status, site.services) == (
        "曼达村电商服务点",
        SiteStatus.APPLIED,
        [SiteService.ASSISTED_PURCHASE, SiteService.PARCEL_RECEIVED],
    )
    assert site.operators.get().phone == "13900001111"


def test_a_row_outside_the_importers_township_is_refused(menglong_staff):
    response = _client("menglong").post("/network/manage/import/", {"file": _xlsx([GOOD_ROW])})
    assert response.status_code == 400
    assert "不在您负责的范围" in response.content.decode()
    assert not Site.objects.exists()


def test_only_the_office_registers_sites_already_operating(gasa_staff, office_user):
    row = [*GOOD_ROW[:-1], "2017-04-01"]
    assert (
        _client("gasa").post("/network/manage/import/", {"file": _xlsx([row])}).status_code == 400
    )
    assert (
        _client("office").post("/network/manage/import/", {"file": _xlsx([row])}).status_code == 200
    )
    assert Site.objects.get().status == SiteStatus.OPERATING


def test_a_file_that_is_not_excel_is_refused_clearly(gasa_staff):
    file = io.BytesIO(b"not a spreadsheet")
    file.name = "x.xlsx"
    response = _client("gasa").post("/network/manage/import/", {"file": file})
    assert response.status_code == 400 and "Excel" in response.content.decode()


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
    assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content


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
    from cuncun.network.services import assign_operator

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
