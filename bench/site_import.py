"""Benchmark: a register at the row cap (5,000 village points across the county's villages)
handed in on the import page and run by the worker — the request only stores the file; the
worker reads it, checks every row against the registering rules and duplicates, and writes the
sites in one transaction — on a fresh database (SQLite in a temporary directory unless
CUNCUN_BENCH_DATABASE_URL names another).

Prints one JSON line: {"bench": "site_import", "rows": 5000, "request_ms": …, "seconds": …,
"rows_per_s": …}
"""

import json
import tempfile
import time
from io import BytesIO

from bench.roster_import import _setup_django


def _register(villages, rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("站点台账")
    sheet.append(
        [
            "类型",
            "乡镇",
            "村/社区",
            "名称",
            "地址",
            "营业时间",
            "服务",
            "站长",
            "站长手机",
            "申请日期",
        ]
    )
    for n in range(rows):
        village = villages[n % len(villages)]
        sheet.append(
            [
                "村级电商服务点",
                village.parent.name,
                village.name,
                f"{village.name}服务点{n}",
                f"{village.name}{n}号",
                "8:00-18:00",
                "代购,快递代收",
                f"站长{n}",
                f"1390{n:07d}",
                "2017-03-01",
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cuncun-bench-") as directory:
        _setup_django(directory)
        from cuncun.accounts.models import Role
        from cuncun.accounts.services import create_user
        from cuncun.core.models import ImportStatus
        from cuncun.network import services
        from cuncun.network.spreadsheet import MAX_REGISTER_ROWS
        from cuncun.portal.demo import DIVISIONS_FILE
        from cuncun.regions.models import Kind, RegionUnit
        from cuncun.regions.services import load_divisions

        county = load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes()).county
        office = create_user(
            actor=None,
            username="office",
            password="bench-only-8q2w",
            role=Role.COUNTY_OFFICE,
            region=county,
        )
        villages = list(
            RegionUnit.objects.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).select_related("parent")
        )
        data = _register(villages, MAX_REGISTER_ROWS)

        started = time.perf_counter()
        job = services.start_site_import(
            actor=office,
            file_name="bench.xlsx",
            content=data,
            good_rows_only=False,
            update_existing=False,
        )
        request_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        outcome = services.process_site_import(import_id=job.pk)  # what the worker runs
        seconds = time.perf_counter() - started

        if outcome["status"] != ImportStatus.DONE or outcome["imported"] != MAX_REGISTER_ROWS:
            raise SystemExit(f"the import did not import every row: {outcome['problems'][:3]}")
        print(
            json.dumps(
                {
                    "bench": "site_import",
                    "rows": MAX_REGISTER_ROWS,
                    "request_ms": round(request_ms, 1),
                    "seconds": round(seconds, 2),
                    "rows_per_s": round(MAX_REGISTER_ROWS / seconds),
                }
            )
        )


if __name__ == "__main__":
    main()
