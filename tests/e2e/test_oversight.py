"""Browser: a member unit reports its month on a phone, the county office returns a report with
its reason, and the leadership reads the assessment ranking and a township's score sheet."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.oversight import services
from cuncun.oversight.models import ReportForm, ReviewStatus, Submission
from cuncun.oversight.periods import PeriodType, period_containing
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.oversight.conftest import join_unit

VALUES = {"work_done": "开展电商宣传", "events": "2", "people_reached": "80", "funds_used": "300"}


@pytest.fixture(autouse=True)
def _patient_phone(phone):
    """The first page of a session compiles templates and catalogues; on a busy machine that
    takes longer than the default 15 s."""
    phone.set_default_navigation_timeout(60_000)


def _this_month() -> str:
    return period_containing(timezone.localdate(), PeriodType.MONTHLY).code


def _fits_the_phone(page) -> bool:
    page.wait_for_load_state()  # measured with its styles (the test waited for the page itself)
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_unit_submits_its_monthly_report_on_a_phone(live_server, phone, plan, make_user):
    join_unit(make_user("renshe", Role.MEMBER_DEPARTMENT), plan, "hrss_bureau")
    log_in(phone, live_server, "renshe", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/reports/")
    phone.locator("#my-reports a", has_text=_this_month()).first.click()
    phone.get_by_label("本月开展的工作").fill("组织电商创业培训一期")
    phone.get_by_label("宣传、培训、对接活动（场次）").fill("1")
    phone.get_by_label("参与群众（人次）").fill("45")
    phone.get_by_label("投入资金（元）").fill("1200.50")
    phone.get_by_role("button", name="报送").click()

    expect(phone.get_by_text("报送成功")).to_be_visible()
    assert _fits_the_phone(phone)
    row = Submission.objects.get(period=_this_month(), unit__key="hrss_bureau")
    assert row.status == ReviewStatus.SUBMITTED
    assert row.values["people_reached"] == 45


def test_the_office_returns_a_report_with_its_reason(live_server, phone, plan, office_user):
    submission = services.submit_report(
        actor=office_user,
        form=ReportForm.objects.get(plan=plan, key="work_information"),
        period=_this_month(),
        unit=plan.member_units.get(key="finance_bureau"),
        values=VALUES,
    )
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/reports/")
    phone.locator("#to-review a", has_text="市财政局").click()
    phone.get_by_label("退回理由").fill("投入资金与财政拨付数不一致")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="退回报送单位").click()

    expect(phone.get_by_text("已退回。")).to_be_visible()
    submission.refresh_from_db()
    assert submission.status == ReviewStatus.RETURNED
    assert submission.review_note == "投入资金与财政拨付数不一致"


def test_the_leadership_reads_the_ranking_and_a_townships_score_sheet(
    live_server, phone, plan, make_user
):
    make_user("leader", Role.LEADERSHIP_GROUP)
    log_in(phone, live_server, "leader", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/assessment/2017/")

    expect(phone.get_by_role("heading", name="2017 年度目标责任考核排名")).to_be_visible()
    expect(phone.locator("#ranking-chart canvas")).to_have_count(1)
    townships = phone.locator("#townships li")
    expect(townships.nth(8)).to_be_attached()  # at least 9
    assert _fits_the_phone(phone)
    expect(townships.first.locator(".rank")).to_have_text("1")
    townships.first.locator("a").click()
    lines = phone.locator("#lines li")
    items = plan.assessment_items.filter(year=2017, assessed="township").count()
    expect(lines).to_have_count(items)
    expect(phone.get_by_text("支持网络销售业")).to_be_visible()  # each item quotes the plan
