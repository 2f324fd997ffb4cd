"""Benchmark: a 10,000-row roster imported the way the page runs it — the uploaded file read,
every row checked, the people and their attendance written in one transaction — on a fresh
database (SQLite in a temporary directory unless CUNCUN_BENCH_DATABASE_URL names another).

Prints one JSON line: {"bench": "roster_import", "rows": 10000, "seconds": …, "rows_per_s": …}
"""

import json
import os
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO

ROWS = 10_000


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


def _roster(villages, session) -> bytes:
    from openpyxl import Workbook

    from cuncun.core.personal import id_check_char

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append([f"{session.code} 花名册"])
    sheet.append(
        ["姓名", "身份证号", "性别", "民族", "联系电话", "乡镇", "村委会", "人员类别", "培训日期"]
    )
    days = session.days()
    categories = ["", "农村青年", "建档立卡", "合作社成员、农村青年", "大学生村官", ""]
    for n in range(ROWS):
        born = date(1960, 1, 1) + timedelta(days=n % 14000)
        sequence = (n // 14000) * 2 + 1 + (n % 2)
        first17 = f"532801{born:%Y%m%d}{sequence:03d}"
        village = villages[n % len(villages)]
        attended = days[n % len(days) :][:3]
        sheet.append(
            [
                f"学员{n}",
                first17 + id_check_char(first17),
                "女" if sequence % 2 == 0 else "男",
                "傣族",
                f"1700{n:07d}",
                village.parent.name,
                village.name,
                categories[n % len(categories)],
                "、".join(d.isoformat() for d in attended),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cuncun-bench-") as directory:
        _setup_django(directory)
        from cuncun.portal.demo import DIVISIONS_FILE
        from cuncun.regions.models import Kind, RegionUnit
        from cuncun.regions.services import load_divisions
        from cuncun.training import services
        from cuncun.training.models import CourseKind, FundingSource, RosterImportStatus

        county = load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes()).county
        course = services.create_course(
            actor=None, code="bench", name="bench", kind=CourseKind.AWARENESS
        )
        session = services.schedule_session(
            actor=None,
            plan=services.SessionPlan(
                course=course,
                code="BENCH-1",
                starts_on=date(2017, 5, 1),
                ends_on=date(2017, 5, 10),
                place="bench",
                region=county,
                funding_source=FundingSource.SPECIAL_FUND,
            ),
        )
        villages = list(
            RegionUnit.objects.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).select_related("parent")
        )
        data = _roster(villages, session)
        job = services.start_roster_import(
            actor=None, session=session, file_name="bench.xlsx", content=data, good_rows_only=False
        )

        started = time.perf_counter()
        outcome = services.process_roster_import(import_id=job.pk)  # what the worker runs
        seconds = time.perf_counter() - started

        if outcome["status"] != RosterImportStatus.DONE or outcome["new_trainees"] != ROWS:
            raise SystemExit(
                f"the import did not import every row: {outcome.get('problems', '')[:3]}"
            )
        print(
            json.dumps(
                {
                    "bench": "roster_import",
                    "rows": ROWS,
                    "seconds": round(seconds, 2),
                    "rows_per_s": round(ROWS / seconds),
                }
            )
        )


if __name__ == "__main__":
    main()
