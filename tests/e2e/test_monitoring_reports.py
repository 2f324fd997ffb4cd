"""Browser: a merchant reports a month's sales on the phone, the county office accepts the
report, and the dashboard shows the plan's targets and its charts on a phone."""

import re
from datetime import date

from playwright.sync_api import expect

from cuncun.monitoring.models import ReviewStatus, SalesReport
from cuncun.monitoring.rollups import rebuild_all
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.monitoring.conftest import accepted, reporters, taobao  # noqa: F401  (the fixture)


def test_a_merchant_reports_a_month_and_the_office_accepts_it(
    live_server,
    browser,
    phone,
    reporters,  # noqa: F811
):
    # The live server's first page (templates, catalogues) can take long on a busy machine.
    phone.set_default_timeout(45_000)
    log_in(phone, live_server, "tea", PASSWORD)
    phone.goto(f"{live_server.url}/monitoring/reports/")
    phone.get_by_role("link", name="报送月报").click()
    phone.get_by_label("月份").fill("2017-03")
    phone.locator("#taobao-farm_sales").fill("12800.50")
    phone.locator("#taobao-orders").fill("230")
    phone.get_by_role("button", name="提交月报").click()
    expect(phone.locator(".messages")).to_contain_text("月报已报送市电商办")
    expect(phone.locator("#status")).to_contain_text("待审核")
    expect(phone.locator("#lines")).to_contain_text(re.compile(r"¥12,800\.50|12800\.50"))

    office = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    office.set_default_timeout(45_000)
    log_in(office, live_server, "office", PASSWORD)
    office.goto(f"{live_server.url}/monitoring/reports/?status=submitted")
    office.get_by_role("link", name="刘家茶园").click()
    office.get_by_role("button", name="接收").click()

    expect(office.locator("#status")).to_contain_text("已接收")
    report = SalesReport.objects.get()
    assert report.status == ReviewStatus.ACCEPTED and report.counts
    office.context.close()


def test_the_dashboard_shows_the_targets_and_charts_on_a_phone(
    live_server,
    phone,
    reporters,  # noqa: F811
):
    accepted(reporters, reporters.tea_garden, date(2017, 3, 1), taobao("500"))
    rebuild_all(date(2017, 3, 1), date(2017, 3, 1))
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/dashboard/")

    targets = phone.locator("#targets")
    expect(targets).to_contain_text("电子商务交易额同比增长")
    expect(targets).to_contain_text("本期未填报")  # broadband: nobody reported it yet
    phone.locator("#chart-goods canvas").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name="本年销售额（按商品类别）").click()
    expect(phone).to_have_url(re.compile(r"/monitoring/reports/$"))
