"""Browser, on a phone: the leadership asks for the evaluation pack, follows its progress while
the worker builds it and downloads the zip; the office reads the statistics broken down by poor
villages and by poverty-registered households."""

import zipfile
from datetime import date

import pytest
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.monitoring.periods import add_months, month_start
from cuncun.monitoring.rollups import rebuild_month
from cuncun.monitoring.services import accept_sales_report, submit_sales_report
from cuncun.oversight.models import EvaluationPackBuild
from cuncun.oversight.services import process_evaluation_pack
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.merchants.factories import merchant
from tests.monitoring.conftest import taobao


@pytest.fixture(autouse=True)
def _patient_phone(phone):
    phone.set_default_navigation_timeout(60_000)


def _fits_the_phone(page) -> bool:
    page.wait_for_load_state()  # measured with its styles (the test waited for the page itself)
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_leadership_builds_the_evaluation_pack_and_downloads_it(
    live_server, phone, plan, make_user
):
    make_user("lingdao", Role.LEADERSHIP_GROUP)
    log_in(phone, live_server, "lingdao", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/")
    phone.locator("#build-pack").click()  # 20xx 年绩效评价材料包（.zip）

    # the page says it waits for the worker, then follows the parts as they are written
    expect(phone.locator("#pack-state")).to_have_text("等待后台处理")
    assert _fits_the_phone(phone)
    build = EvaluationPackBuild.objects.get()
    process_evaluation_pack(build_id=build.pk)  # the worker (cuncun db_worker) runs the task

    download_link = phone.locator("#pack-download")
    download_link.wait_for(timeout=15_000)
    expect(phone.locator("#pack-state")).to_have_text("已生成")
    with phone.expect_download() as download:
        download_link.click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert {"summary.pdf", "training.xlsx", "enterprises.xlsx", "indicators.xlsx"} <= set(names)


def test_the_office_reads_sales_of_poor_villages_and_poverty_registered_households(
    live_server, phone, plan, office_user
):
    # given a poverty-registered household's accepted report of last month, this year and last
    household = merchant("岩香农户", is_poverty_registered=True)
    last_month = add_months(month_start(date.today()), -1)
    for month, farm in ((last_month, "1500"), (add_months(last_month, -12), "1000")):
        report = submit_sales_report(
            actor=office_user, merchant=household, month=month, lines=[taobao(farm)]
        )
        accept_sales_report(actor=office_user, report=report)
        rebuild_month(month)
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/monitoring/statistics/poor_village/")
    expect(phone.get_by_role("heading", name="交易统计 · 贫困村与其他村")).to_be_visible()
    phone.get_by_role("link", name="建档立卡贫困户与其他").click()

    expect(phone.get_by_role("heading", name="交易统计 · 建档立卡贫困户与其他")).to_be_visible()
    expect(phone.locator("#breakdowns a.on")).to_have_text("建档立卡贫困户与其他")
    household_card = phone.locator("#breakdown section", has_text="贫困户").first
    expect(household_card).to_contain_text("+50%")  # ¥1,500 against ¥1,000 a year before
    assert _fits_the_phone(phone)
