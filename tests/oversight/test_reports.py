from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.network.indicators import townships_counted_in
from cuncun.oversight import services
from cuncun.oversight.models import ReportForm, ReviewStatus, Submission
from cuncun.oversight.periods import PeriodType, period_containing
from cuncun.oversight.queries import overdue_reports, reporting_for_period
from cuncun.plans.models import Plan
from cuncun.regions.models import RegionUnit
from tests.conftest import township

GOOD = {
    "work_done": "开展电商宣传",
    "events": "2",
    "people_reached": "120",
    "funds_used": "1500.50",
}


def _form(plan, key="work_information"):
    return ReportForm.objects.get(plan=plan, key=key)


def _office_enters(plan, office, unit_key, period, received_on, township_unit=None):
    return services.submit_report(
        actor=office,
        form=_form(plan),
        period=period,
        unit=plan.member_units.get(key=unit_key),
        township=township_unit,
        values=GOOD,
        received_on=received_on,
    )


def test_completeness_counts_only_units_obliged_and_open_in_the_period(plan, office_user):
    closed = township("勐罕镇")
    RegionUnit.objects.filter(pk=closed.pk).update(closing_date=date(2017, 2, 1))
    _office_enters(plan, office_user, "hrss_bureau", "2017-03", date(2017, 4, 5))
    _office_enters(plan, office_user, "finance_bureau", "2017-03", date(2017, 4, 20))
    _office_enters(plan, office_user, "townships", "2017-03", date(2017, 4, 8), township("嘎洒镇"))

    (summary,) = reporting_for_period(office_user, "2017-03", plan)

    names = {line.reporter.name for line in summary.lines}
    assert "勐罕镇" not in names  # closed before the period began
    assert "市商务外事侨务局" not in names  # not obliged to report this form
    assert {"嘎洒镇", "市财政局", "市人力资源和社会保障局"} <= names
    obliged_units = _form(plan).obliged.exclude(key="townships").count()
    townships_open = townships_counted_in(plan.county).count() - 1  # all but the closed one
    assert summary.expected == obliged_units + townships_open
    assert (summary.received, summary.on_time) == (3, 2)  # 市财政局 came after the 10th
    assert summary.completeness == round(3 * 100 / summary.expected, 1)


def test_a_township_open_for_part_of_the_period_is_expected(plan, office_user):
    RegionUnit.objects.filter(pk=township("勐罕镇").pk).update(closing_date=date(2017, 3, 15))

    (summary,) = reporting_for_period(office_user, "2017-03", plan)

    assert "勐罕镇" in {line.reporter.name for line in summary.lines}


def test_a_unit_submits_the_office_returns_and_the_unit_submits_again(plan, staff_of, office_user):
    hrss = staff_of("hrss_bureau")
    period = period_containing(timezone.localdate(), PeriodType.MONTHLY).code
    unit = plan.member_units.get(key="hrss_bureau")

    first = services.submit_report(
        actor=hrss, form=_form(plan), period=period, unit=unit, values=GOOD
    )
    services.return_report(actor=office_user, submission=first, note="资金数额有误")
    assert Submission.objects.get(pk=first.pk).status == ReviewStatus.RETURNED

    again = services.submit_report(
        actor=hrss, form=_form(plan), period=period, unit=unit, values={**GOOD, "funds_used": "0"}
    )
    services.accept_report(actor=office_user, submission=again)

    row = Submission.objects.get(pk=first.pk)
    assert (row.status, row.values["funds_used"]) == (ReviewStatus.ACCEPTED, "0")
    with pytest.raises(Conflict):
        services.submit_report(actor=hrss, form=_form(plan), period=period, unit=unit, values=GOOD)


def test_a_report_with_a_bad_figure_is_refused_and_nothing_is_saved(plan, staff_of):
    hrss = staff_of("hrss_bureau")
    period = period_containing(timezone.localdate(), PeriodType.MONTHLY).code
    with pytest.raises(InvalidInput) as error:
        services.submit_report(
            actor=hrss,
            form=_form(plan),
            period=period,
            unit=plan.member_units.get(key="hrss_bureau"),
            values={**GOOD, "events": "2.5", "funds_used": "很多"},
        )
    assert len(error.value.details["fields"]) == 2
    assert not Submission.objects.exists()


def test_a_locked_period_takes_no_report(plan, staff_of):
    hrss = staff_of("hrss_bureau")
    with pytest.raises(Conflict):
        services.submit_report(
            actor=hrss,
            form=_form(plan),
            period="2017-03",
            unit=plan.member_units.get(key="hrss_bureau"),
            values=GOOD,
        )


def test_a_unit_reports_only_for_itself_and_only_the_office_backdates(plan, staff_of):
    hrss = staff_of("hrss_bureau")
    period = period_containing(timezone.localdate(), PeriodType.MONTHLY).code
    with pytest.raises(NotAllowed):
        services.submit_report(
            actor=hrss,
            form=_form(plan),
            period=period,
            unit=plan.member_units.get(key="finance_bureau"),
            values=GOOD,
        )
    with pytest.raises(NotAllowed):
        services.submit_report(
            actor=hrss,
            form=_form(plan),
            period="2017-03",
            unit=plan.member_units.get(key="hrss_bureau"),
            values=GOOD,
            received_on=date(2017, 4, 1),
        )


def test_a_unit_sees_its_own_reports_and_the_leadership_group_everything(
    plan, staff_of, office_user, leader, make_user
):
    hrss = staff_of("hrss_bureau")
    gasa = make_user("gasa-staff", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    _office_enters(plan, office_user, "hrss_bureau", "2017-03", date(2017, 4, 5))

    (mine,) = reporting_for_period(hrss, "2017-03", plan)
    (township_view,) = reporting_for_period(gasa, "2017-03", plan)
    (everything,) = reporting_for_period(leader, "2017-03", plan)

    assert [line.reporter.name for line in mine.lines] == ["市人力资源和社会保障局"]
    assert [line.reporter.name for line in township_view.lines] == ["嘎洒镇"]
    assert len(everything.lines) > 30


def test_the_overdue_list_names_reports_past_their_due_day(plan, office_user):
    _office_enters(plan, office_user, "hrss_bureau", "2017-03", date(2017, 4, 5))

    overdue = overdue_reports(office_user, date(2017, 4, 12), plan)

    march = [line for line in overdue if line.period.code == "2017-03"]
    assert "市财政局" in {line.reporter.name for line in march}
    assert "市人力资源和社会保障局" not in {line.reporter.name for line in march}
    assert all(line.due_on < date(2017, 4, 12) for line in overdue)


def _in_force_for(plan, months: int, office, reporters) -> None:
    """The plan in force since `months` months ago (this one included), every past month of it
    reported by each (unit key, township) through the office, as paper reports received on their
    due day (or today)."""
    first = period_containing(timezone.localdate(), PeriodType.MONTHLY)
    for _month in range(months - 1):
        first = period_containing(first.starts_on - timedelta(days=1), PeriodType.MONTHLY)
    Plan.objects.filter(pk=plan.pk).update(effective_on=first.starts_on)
    plan.refresh_from_db()
    period = first
    while period.ends_on < timezone.localdate():
        for unit_key, township_unit in reporters:
            if not Submission.objects.filter(
                period=period.code, unit__key=unit_key, township=township_unit
            ).exists():
                received_on = min(_form(plan).due_on(period), timezone.localdate())
                _office_enters(plan, office, unit_key, period.code, received_on, township_unit)
        period = period.next()


def _statements(client, user, path: str) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_the_reports_page_reads_as_many_statements_for_30_months_of_reports_as_for_3(
    client, plan, staff_of, office_user, leader, gasa_staff
):
    """Before, each form and period since the plan began cost two statements (its submissions,
    its townships): 18 for 3 months, 85 for 30 (309 for the demo's ten years)."""
    hrss = staff_of("hrss_bureau")
    reporters = [("hrss_bureau", None), ("townships", township("嘎洒镇"))]
    pages = [(hrss, "/oversight/reports/"), (gasa_staff, "/oversight/reports/")]
    pages += [(leader, "/oversight/reports/"), (office_user, "/oversight/reports/")]
    pages += [(office_user, "/oversight/reporting/")]  # with every overdue report
    counts = {}
    for months in (3, 30):
        _in_force_for(plan, months, office_user, reporters)
        counts[months] = [_statements(client, who, path) for who, path in pages]

    assert Submission.objects.filter(unit__key="hrss_bureau").count() == 29
    assert [n for n, _page in counts[3]] == [n for n, _page in counts[30]]
    # the unit's page lists its 30 months, each past one with its report
    hrss_page = counts[30][0][1]
    assert hrss_page.count("/oversight/reports/work_information/") == 30
    assert "tag overdue" not in hrss_page
