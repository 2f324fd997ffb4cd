"""`cuncun check_budget FILE.xlsx [--plan CODE]` and POST /api/funds/check: a whole budget
checked without saving it; a malformed file gets row-numbered problems, never a traceback."""

from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from cuncun.funds.models import Project

HEADER = ["project", "category", "site_code", "total_investment", "support", "source"]


def budget(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows():
    return [
        ["公共服务中心", "public_service_center", "", 8000000, 3500000, "central"],
        ["物流仓储配送中心", "logistics_warehouse", "", 4000000, 2000000, "central"],
        ["县乡村物流体系", "logistics", "", 6000000, 3000000, "central"],
        ["电商培训", "training", "", 2000000, 2000000, "central"],
    ]


def bad_rows():
    center, warehouse, _logistics, training = good_rows()
    return [
        center,
        warehouse,
        ["县乡村物流体系", "logistics", "", 2000000, 1000000, "central"],  # 3M of 4.5M
        training,
        ["溯源体系", "brand_trace_quality", "", 1000000, 600000, "central"],  # row 6: > 50%
        ["交易平台", "trading_platform", "", 100000, 1, "central"],  # row 7: forbidden
    ]


def run(tmp_path, data: bytes, *args) -> tuple[int, str]:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(data)
    out = StringIO()
    try:
        call_command("check_budget", str(path), *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_a_budget_that_keeps_every_rule_exits_0_with_a_summary(plan, tmp_path):
    code, out = run(tmp_path, budget(good_rows()), "--plan", plan.code)
    assert code == 0
    assert "4" in out and "¥10,500,000.00" in out
    assert not Project.objects.exists()


def test_violations_are_printed_one_a_line_and_exit_1(plan, tmp_path):
    code, out = run(tmp_path, budget(bad_rows()))
    lines = out.strip().splitlines()
    assert code == 1
    assert any(line.startswith("row 6: brand_trace_quality_project_share: ") for line in lines)
    assert any(line.startswith("row 7: trading_platform_forbidden: ") for line in lines)
    assert "中央财政资金不得用于网络交易平台建设" in out
    # the logistics share is a rule of the whole budget: no row
    assert any(line.startswith("logistics_min_share: ") for line in lines)


def test_a_malformed_file_gets_row_numbered_problems_under_their_own_codes(plan, tmp_path):
    rows = [
        ["", "nonsense", "NO-SUCH-SITE", "abc", -5, "provincial"],
        ["好项目", "training", "", 100, 50, "central"],
    ]
    code, out = run(tmp_path, budget(rows))
    assert code == 1
    for expected in (
        "row 2: empty_project: ",
        "row 2: unknown_category: ",
        "row 2: unknown_site: ",
        "row 2: bad_amount: ",
        "row 2: negative_amount: ",
        "row 2: unknown_source: ",
    ):
        assert expected in out
    assert "row 3" not in out


def test_a_missing_column_and_a_file_that_is_not_xlsx(plan, tmp_path):
    code, out = run(tmp_path, budget([], header=HEADER[:4]))
    assert code == 1 and "row 1: missing_column: " in out and "support" in out
    code, out = run(tmp_path, b"project,category\n")
    assert (code, out.split(":")[0]) == (1, "not_xlsx")


def test_the_api_answers_the_same_check_as_json(client, plan):
    upload = SimpleUploadedFile("budget.xlsx", budget(bad_rows()))
    answer = client.post("/api/funds/check", {"file": upload})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is False
    assert {"row": 7, "rule": "trading_platform_forbidden"} in [
        {"row": v["row"], "rule": v["rule"]} for v in body["violations"]
    ]
    assert {v["rule"] for v in body["violations"] if v["row"] is None} == {"logistics_min_share"}
    good = client.post(
        "/api/funds/check", {"file": SimpleUploadedFile("b.xlsx", budget(good_rows()))}
    )
    assert good.json() == {"ok": True, "violations": []}


@pytest.mark.parametrize("data", [b"not a spreadsheet", b""])
def test_the_api_answers_a_broken_file_with_a_problem_not_an_error(client, plan, data):
    answer = client.post("/api/funds/check", {"file": SimpleUploadedFile("x.xlsx", data)})
    assert answer.status_code == 200
    assert answer.json()["violations"][0]["rule"] == "not_xlsx"
