"""Benchmark: the special fund's rule checker — a change of a budget of 500 lines (the whole
budget checked before and after, under the fund's lock) and a 2,000-row budget file checked
without saving — on a fresh database (SQLite in a temporary directory unless
CUNCUN_BENCH_DATABASE_URL names another).

Prints one JSON line: {"bench": "fund_rules", "lines": 500, "change_ms": …, "file_rows": 2000,
"file_seconds": …}
"""

import json
import os
import tempfile
import time
from decimal import Decimal
from io import BytesIO

LINES = 500
CHANGES = 50
FILE_ROWS = 2_000
POINT_SUPPORT = Decimal("10000")  # under any plan's per-point cap that the demo plan knows


def _setup_django(directory: str) -> None:
    os.environ["DATABASE_URL"] = os.environ.get(
        "CUNCUN_BENCH_DATABASE_URL", f"sqlite:///{directory}/bench.sqlite3"
    )
    os.environ.setdefault("SECRET_KEY", "cuncun-bench-only-not-a-secret")
    os.environ.setdefault("CUNCUN_PII_KEY", "Y3VuY3VuLWJlbmNoLW9ubHktbm90LWEtcGlpLWtleSE=")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuncun.settings")
    os.environ["CUNCUN_LOG_LEVEL"] = "WARNING"
    os.environ["CUNCUN_VAR_DIR"] = directory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _budget_file(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("budget")
    sheet.append(["project", "category", "site_code", "total_investment", "support", "source"])
    for n in range(rows):
        sheet.append([f"村级服务点 {n}", "village_point", "", 20000, 5000, "central"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cuncun-bench-") as directory:
        _setup_django(directory)
        from cuncun.funds.budget_file import check_budget_file
        from cuncun.funds.services import ProjectDraft, add_project, ensure_fund
        from cuncun.plans.models import MemberUnitTask
        from cuncun.plans.queries import member_units_carrying_out
        from cuncun.plans.services import bundled_plan_file, load_plan
        from cuncun.portal.demo import DIVISIONS_FILE
        from cuncun.regions.services import load_divisions

        load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
        plan = load_plan(actor=None, path=bundled_plan_file("jinghong-2016"))
        fund = ensure_fund(actor=None, plan=plan)
        [unit] = member_units_carrying_out(MemberUnitTask.FUND_PROJECTS, plan)

        def add(n):
            return add_project(
                actor=None,
                fund=fund,
                draft=ProjectDraft(
                    name=f"村级服务点 {n}",
                    category="village_point",
                    total_investment=POINT_SUPPORT * 2,
                    support=POINT_SUPPORT,
                    source="central",
                    use="设备",
                    owner_unit=unit,
                ),
            )

        for n in range(LINES - CHANGES):
            add(n)
        started = time.perf_counter()
        for n in range(CHANGES):
            add(LINES + n)
        change_ms = (time.perf_counter() - started) * 1000 / CHANGES

        data = _budget_file(FILE_ROWS)
        started = time.perf_counter()
        result = check_budget_file(data, plan)
        file_seconds = time.perf_counter() - started
        assert result.violations, "a budget of village points alone misses the logistics share"
        print(
            json.dumps(
                {
                    "bench": "fund_rules",
                    "lines": LINES,
                    "change_ms": round(change_ms, 1),
                    "file_rows": FILE_ROWS,
                    "file_seconds": round(file_seconds, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
