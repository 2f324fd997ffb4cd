from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.merchants.models import Platform
from cuncun.monitoring.models import ReviewStatus, SalesReport
from cuncun.monitoring.queries import late_reports, missing_reports, monthly_online_sales
from cuncun.monitoring.services import (
    ImportRow,
    accept_sales_report,
    import_sales_reports,
    return_sales_report,
    submit_sales_report,
)
from tests.monitoring.conftest import accepted, taobao

MARCH = date(2017, 3, 1)


def test_a_report_is_due_on_the_day_the_plans_reporting_section_says(reporters):
    report = submit_sales_report(
        actor=reporters.owner, merchant=reporters.tea_garden, month=MARCH, lines=[taobao("100")]
    )

    assert report.due_on == date(2017, 4, 5)
    assert report.is_late  # submitted years after
    assert AuditEntry.objects.for_object(report).get().action == "monitoring.sales_report.submit"


def test_the_owner_reports_its_own_business_and_nobody_elses(reporters):
    with pytest.raises(NotAllowed):
        submit_sales_report(
            actor=reporters.owner, merchant=reporters.farmer, month=MARCH, lines=[taobao("1")]
        )
    with pytest.raises(NotAllowed):
        submit_sales_report(
            actor=reporters.office, merchant=reporters.tea_garden, month=MARCH, lines=[taobao("1")]
        )
    assert not SalesReport.objects.exists()


def test_township_staff_report_for_a_business_without_an_account_only_in_their_township(
    reporters,
):
    with pytest.raises(NotAllowed):
        submit_sales_report(
            actor=reporters.menglong, merchant=reporters.farmer, month=MARCH, lines=[taobao("1")]
        )

    report = submit_sales_report(
        actor=reporters.gasa, merchant=reporters.farmer, month=MARCH, lines=[taobao("12.50")]
    )

    assert report.submitted_by == reporters.gasa


def test_bad_figures_are_refused_with_every_problem_and_nothing_is_saved(reporters):
    with pytest.raises(InvalidInput) as error:
        submit_sales_report(
            actor=reporters.owner,
            merchant=reporters.tea_garden,
            month=timezone.localdate(),
            lines=[taobao("-5"), taobao("1", platform="ebay")],
        )

    problems = error.value.details["problems"]
    assert len(problems) == 3 and "ebay" in problems[-1]  # the month, the minus, the platform
    assert not SalesReport.objects.exists()


def test_a_revision_supersedes_with_a_reason_and_the_figures_keep_the_accepted_one_until_it_is_accepted(  # noqa: E501
    reporters,
):
    r = reporters
    first = accepted(r, r.tea_garden, MARCH, taobao("100"))
    with pytest.raises(InvalidInput):
        submit_sales_report(actor=r.owner, merchant=r.tea_garden, month=MARCH, lines=[taobao("1")])

    revision = submit_sales_report(
        actor=r.owner, merchant=r.tea_garden, month=MARCH, lines=[taobao("150")], reason="漏报"
    )

    assert (revision.revision, revision.supersedes) == (2, first)
    assert monthly_online_sales(year=2017) == {r.tea_garden.pk: {3: Decimal("100.00")}}
    with pytest.raises(Conflict):
        accept_sales_report(actor=r.office, report=first)
    accept_sales_report(actor=r.office, report=revision)
    assert monthly_online_sales(year=2017) == {r.tea_garden.pk: {3: Decimal("150.00")}}
    first.refresh_from_db()
    assert first.status == ReviewStatus.ACCEPTED and not first.counts  # kept, no longer counted


def test_a_returned_report_counts_for_nothing_and_only_the_office_reviews(reporters):
    r = reporters
    report = submit_sales_report(
        actor=r.owner, merchant=r.tea_garden, month=MARCH, lines=[taobao("100")]
    )
    with pytest.raises(NotAllowed):
        accept_sales_report(actor=r.gasa, report=report)
    with pytest.raises(InvalidInput):
        return_sales_report(actor=r.office, report=report, note=" ")

    return_sales_report(actor=r.office, report=report, note="淘宝数据与后台截图不符")

    report.refresh_from_db()
    assert report.status == ReviewStatus.RETURNED and report.review_note
    assert monthly_online_sales(year=2017) == {}


def test_monthly_online_sales_adds_the_markets_own_sales_to_the_accepted_report(
    reporters, market_sale
):
    r = reporters
    accepted(r, r.tea_garden, MARCH, taobao("100", other="20", b2b="1000"))
    accepted(r, r.tea_garden, date(2017, 4, 1), taobao("7"))
    market_sale(r.tea_garden, datetime(2017, 3, 31, 23, 30), "50.00")  # still March in Yunnan
    market_sale(r.tea_garden, datetime(2017, 5, 2, 10, 0), "80.00")  # no report for May

    sales = monthly_online_sales(year=2017, merchant_ids=[r.tea_garden.pk])

    # B2B is not online retail; the market's May sale waits for May's accepted report.
    assert sales == {r.tea_garden.pk: {3: Decimal("170.00"), 4: Decimal("7.00")}}
    assert monthly_online_sales(year=2017, merchant_ids=[r.farmer.pk]) == {}


def test_missing_and_late_reports_are_listed_for_the_area(reporters):
    r = reporters
    submit_sales_report(actor=r.owner, merchant=r.tea_garden, month=MARCH, lines=[taobao("1")])

    assert list(missing_reports(r.office, MARCH)) == [r.farmer]
    assert list(missing_reports(r.menglong, MARCH)) == []
    assert [x.merchant for x in late_reports(r.office, MARCH)] == [r.tea_garden]
    assert late_reports(r.gasa, MARCH) == []


def row(number, merchant_id, **values):
    base = {
        "month": "2017-03",
        "platform": "淘宝",
        "farm_sales": 10,
        "other_sales": 0,
        "orders": 1,
        "b2b_sales": None,
        "reason": None,
    }
    return ImportRow(number=number, merchant_id=merchant_id, **{**base, **values})


def test_an_import_with_bad_rows_imports_nothing_and_names_every_row(reporters):
    r = reporters
    rows = [
        row(2, r.farmer.pk),
        row(3, 999999),
        row(4, r.farmer.pk, month="March", platform="京东"),
        row(5, r.farmer.pk, platform="微信小店", farm_sales="lots"),
    ]

    with pytest.raises(InvalidInput) as error:
        import_sales_reports(actor=r.gasa, rows=rows)

    assert [p["row"] for p in error.value.details["rows"]] == [3, 4, 5]
    assert not SalesReport.objects.exists()


def test_an_import_makes_one_report_per_business_and_month(reporters):
    r = reporters
    rows = [row(2, r.farmer.pk), row(3, r.farmer.pk, platform="京东", farm_sales=5.5)]

    (report,) = import_sales_reports(actor=r.office, rows=rows)

    assert {line.platform: line.farm_sales for line in report.lines.all()} == {
        Platform.TAOBAO: Decimal("10.00"),
        Platform.JD: Decimal("5.50"),
    }
