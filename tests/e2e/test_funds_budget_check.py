"""Browser: a budget file with violations is checked on a phone; each violation is listed with
its row and the plan's sentence, and nothing is saved."""

from cuncun.funds.models import Project
from tests.funds.conftest import fund  # noqa: F401
from tests.funds.test_budget_file import bad_rows, budget


def test_a_budget_file_with_violations_lists_each_one(live_server, phone, tmp_path, fund):  # noqa: F811
    path = tmp_path / "预算.xlsx"
    path.write_bytes(budget(bad_rows()))
    phone.goto(f"{live_server.url}/funds/check/")
    phone.get_by_label("预算文件（.xlsx）").set_input_files(str(path))
    phone.get_by_role("button", name="检查").click()
    phone.wait_for_load_state()
    items = phone.locator("#check-violations li").all_inner_texts()
    assert any(
        t.startswith("第 7 行") and "中央财政资金不得用于网络交易平台建设" in t for t in items
    )
    assert any("支持物流体系建设不低于资金规模的30%" in t and "还差" in t for t in items)
    assert not Project.objects.exists()
