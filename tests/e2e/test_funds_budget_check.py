"""Browser: a budget file with violations is checked on a phone; each violation is listed with
its row and the plan's sentence, and nothing is saved."""

import re

from playwright.sync_api import expect

from cuncun.funds.models import Project
from tests.funds.conftest import fund  # noqa: F401
from tests.funds.test_budget_file import bad_rows, budget


def test_a_budget_file_with_violations_lists_each_one(live_server, phone, tmp_path, fund):  # noqa: F811
    path = tmp_path / "预算.xlsx"
    path.write_bytes(budget(bad_rows()))
    phone.goto(f"{live_server.url}/funds/check/")
    phone.get_by_label("预算文件（.xlsx）").set_input_files(str(path))
    phone.get_by_role("button", name="检查").click()
    violations = phone.locator("#check-violations li")
    row_7 = violations.filter(has_text=re.compile(r"^第 7 行")).filter(
        has_text="中央财政资金不得用于网络交易平台建设"
    )
    expect(row_7).not_to_have_count(0)
    logistics = violations.filter(has_text="支持物流体系建设不低于资金规模的30%")
    expect(logistics.filter(has_text="还差")).not_to_have_count(0)
    assert not Project.objects.exists()
