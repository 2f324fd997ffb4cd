from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from cuncun.core.exports import xlsx_bytes
from cuncun.merchants.models import Platform
from cuncun.merchants.services import add_platform_shop
from cuncun.monitoring.models import ReviewStatus, SalesReport
from cuncun.monitoring.rollups import rebuild_all
from cuncun.monitoring.views import SHEET_HEADER
from tests.monitoring.conftest import accepted, taobao


def test_the_owner_reports_a_month_from_the_page_and_the_office_accepts_it(client, reporters):
    r = reporters
    client.force_login(r.owner)
    response = client.post(
        "/monitoring/reports/new/",
        {
            "merchant": r.tea_garden.pk,
            "month": "2017-03",
            "taobao-farm_sales": "1200.50",
            "taobao-orders": "31",
        },
    )
    report = SalesReport.objects.get()
    assert response.status_code == 302 and report.lines.get().farm_sales == 1200.50

    client.force_login(r.office)
    client.post(f"/monitoring/reports/{report.pk}/accept/")

    report.refresh_from_db()
    assert report.status == ReviewStatus.ACCEPTED and report.counts


def test_a_bad_figure_on_the_page_says_why_and_saves_nothing(client, reporters):
    client.force_login(reporters.owner)
    page = client.post(
        "/monitoring/reports/new/",
        {"merchant": reporters.tea_garden.pk, "month": "2017-03", "jd-farm_sales": "-3"},
        follow=True,
    ).content.decode()

    assert "京东" in page and not SalesReport.objects.exists()


def test_a_merchant_sees_only_its_own_reports(client, reporters):
    r = reporters
    accepted(r, r.farmer, date(2017, 3, 1), taobao("5"))
    mine = accepted(r, r.tea_garden, date(2017, 3, 1), taobao("7"))
    client.force_login(r.owner)

    page = client.get("/monitoring/reports/").content.decode()

    assert "刘家茶园" in page and "岩香农户" not in page
    farmer_report = SalesReport.objects.get(merchant=r.farmer)
    assert client.get(f"/monitoring/reports/{farmer_report.pk}/").status_code == 404
    assert client.get(f"/monitoring/reports/{mine.pk}/").status_code == 200


def test_township_staff_see_their_townships_missing_reports(client, reporters):
    client.force_login(reporters.gasa)

    page = client.get("/monitoring/reports/", {"month": "2017-03"}).content.decode()

    assert "岩香农户" in page and "刘家茶园" not in page


def test_the_template_lists_the_businesses_and_the_filled_sheet_imports(client, reporters):
    r = reporters
    add_platform_shop(actor=None, merchant=r.farmer, platform=Platform.PINDUODUO, shop_id="yx")
    client.force_login(r.gasa)

    sheet = load_workbook(BytesIO(client.get("/monitoring/reports/template.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == (r.farmer.pk, "岩香农户") and rows[1][3] == "拼多多"

    filled = [[r.farmer.pk, "岩香农户", "2017-03", "拼多多", 300, 0, 12, None, None]]
    upload = BytesIO(xlsx_bytes({"s": (SHEET_HEADER, filled)}))
    upload.name = "reports.xlsx"
    client.post("/monitoring/reports/import/", {"sheet": upload})

    report = SalesReport.objects.get()
    assert report.lines.get().platform == Platform.PINDUODUO and report.submitted_by == r.gasa


def test_an_import_with_a_bad_row_lists_it_by_number(client, reporters):
    client.force_login(reporters.gasa)
    rows = [
        [reporters.farmer.pk, "", "2017-03", "淘宝", 300, 0, 12, None, None],
        [reporters.farmer.pk, "", "2017-13", "淘宝", 1, 0, 1, None, None],
    ]
    upload = BytesIO(xlsx_bytes({"s": (SHEET_HEADER, rows)}))
    upload.name = "reports.xlsx"

    page = client.post("/monitoring/reports/import/", {"sheet": upload}).content.decode()

    assert "3" in page and 'id="problems"' in page and not SalesReport.objects.exists()


def test_the_dashboard_shows_every_target_and_is_read_only_for_the_leadership(
    client, reporters, make_user
):
    from cuncun.accounts.models import Role

    accepted(reporters, reporters.tea_garden, date(2017, 3, 1), taobao("5"))
    rebuild_all(date(2017, 3, 1), date(2017, 3, 1))
    leader = make_user("leader", Role.LEADERSHIP_GROUP)
    client.force_login(leader)

    page = client.get("/dashboard/").content.decode()

    assert 'data-target="ecommerce_transaction_growth"' in page
    assert 'data-target="training_person_times"' in page and "echarts" in page
    data = client.get("/dashboard/data/").json()
    assert data["rolled_up_at"] and len(data["targets"]) >= 15
    assert client.get("/monitoring/reports/new/").status_code in (200, 403)
    client.force_login(reporters.owner)
    assert client.get("/dashboard/").status_code == 403


def test_the_monthly_statistics_compare_with_the_same_period_last_year(client, reporters):
    r = reporters
    accepted(r, r.tea_garden, date(2017, 3, 1), taobao("100"))
    accepted(r, r.tea_garden, date(2018, 2, 1), taobao("50"))
    accepted(r, r.tea_garden, date(2018, 3, 1), taobao("100"))
    rebuild_all(date(2017, 3, 1), date(2018, 3, 1))
    client.force_login(r.office)

    response = client.get("/monitoring/exports/monthly.xlsx", {"month": "2018-03"})

    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("勐龙镇", "农产品", 100, 150, 100, 0.5)


def test_the_enterprise_compilation_lists_each_business_by_month(client, reporters):
    r = reporters
    accepted(r, r.tea_garden, date(2018, 3, 1), taobao("100", other="20"))
    client.force_login(r.office)

    response = client.get("/monitoring/exports/enterprises.xlsx", {"year": "2018"})

    rows = {
        row[0]: row
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    }
    assert rows["刘家茶园"][3 + 2] == 120 and rows["刘家茶园"][-1] == 120
    assert rows["岩香农户"][-1] == 0
