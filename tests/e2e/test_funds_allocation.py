"""Browser: the commerce bureau works out the year's competitive allocation to townships on a
phone, sees each township's share with why, downloads it and proposes it; the finance bureau
sees the proposals on the same page."""

import re
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from cuncun.funds.models import Disbursement, DisbursementState
from cuncun.network.models import SiteKind
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in
from tests.factories import site_in
from tests.funds.conftest import commerce, finance, fund, new_project, unit  # noqa: F401


def test_the_allocation_is_shown_exported_and_proposed_on_a_phone(
    live_server,
    phone,
    tmp_path,
    new_project,  # noqa: F811
    commerce,  # noqa: F811
    finance,  # noqa: F811
):
    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 3, 1))
    project = new_project("township_station", support="100000", total="100000", site=station)

    log_in(phone, live_server, commerce.username, PASSWORD)
    phone.goto(f"{live_server.url}/funds/")
    phone.get_by_role("link", name="乡镇竞争性分配资金").click()
    phone.get_by_label("年度").fill("2018")
    phone.get_by_label("分配总额（元）").fill("80000")
    phone.get_by_role("button", name="计算各乡镇份额").click()

    gasa = phone.locator("#shares li[data-township='嘎洒镇']")
    # The amount first: the page before, with no sum to share, shows the rest too.
    expect(gasa).to_contain_text("¥80,000.00")
    expect(gasa).to_contain_text("100.00%")
    expect(gasa).to_contain_text(re.compile(r"乡镇电子商务站覆盖率|25\.00分"))
    expect(phone.locator("#allocation-basis")).to_contain_text("方案所列指标")

    with phone.expect_download() as download:
        phone.locator("#allocation-xlsx").click()
    saved = tmp_path / "allocation.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert float(rows["嘎洒镇"][4]) == 80000

    phone.get_by_label("资金来源的预算项目").select_option(project.code)
    phone.get_by_role("button", name="提出分配方案").click()
    expect(phone.locator(".messages")).to_contain_text("分配方案已提出")
    [proposed] = Disbursement.objects.filter(allocation_year=2018)
    assert proposed.state == DisbursementState.PROPOSED
    assert proposed.payee_township.name == "嘎洒镇"
    phone.wait_for_load_state()  # measured with its styles
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.context.clear_cookies()
    log_in(phone, live_server, finance.username, PASSWORD)
    phone.goto(f"{live_server.url}/funds/allocation/?year=2018&pool=80000")
    expect(phone.locator("#proposed")).to_contain_text(proposed.number)
    expect(phone.locator("#allocation-propose")).to_have_count(0)
