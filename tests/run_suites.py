"""`make test`: the whole suite on SQLite and on PostgreSQL, both at once.

The two runs share nothing (each has its own database; the browser tests' servers take free
ports), and each mostly waits on its own database or browser, so running them side by side takes
the time of the longer one rather than the sum. Each run's output goes to its own log under
`var/test-logs/` and is printed whole when the run ends, so that the two never interleave.

CUNCUN_TEST_POSTGRES=required (CI) fails the run when PostgreSQL is not reachable, and
CUNCUN_E2E=required fails it when Chromium is missing, each with a message saying which; otherwise
a missing PostgreSQL is said and its run is skipped, and browser tests skip with their reason.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

CHROMIUM = os.environ.get("CUNCUN_CHROMIUM", "/usr/bin/chromium")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> int:
    if os.environ.get("CUNCUN_E2E") == "required" and not Path(CHROMIUM).exists():
        print(
            f"FAIL: Chromium is required for the browser tests but {CHROMIUM} is missing "
            "(make test installs Debian's chromium when run as root)."
        )
        return 1
    pg_url = os.environ.get("CUNCUN_TEST_DATABASE_URL", DEFAULT_PG)
    pg_required = os.environ.get("CUNCUN_TEST_POSTGRES") == "required"
    pg_problem = _postgres_problem(pg_url)
    if pg_problem and pg_required:
        print(f"FAIL: PostgreSQL is required but not reachable at {pg_url}: {pg_problem}")
        return 1

    args = sys.argv[1:]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    runs = {"SQLite": _start(args, sqlite_env)}
    if pg_problem:
        print(f"PostgreSQL not reachable at {pg_url} ({pg_problem}): its run is skipped.")
    else:
        # A fresh database per run, so that two runs on one machine cannot meet.
        pg_env = {
            **os.environ,
            "DATABASE_URL": pg_url,
            "CUNCUN_TEST_DB_NAME": f"test_cuncun_{uuid.uuid4().hex[:8]}",
        }
        runs["PostgreSQL"] = _start([*args, "--create-db"], pg_env)
    statuses = [_finish(name, run) for name, run in runs.items()]
    return next((status for status in statuses if status), 0)


LOGS = Path(__file__).resolve().parent.parent / "var" / "test-logs"


def _start(args: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"suite-{uuid.uuid4().hex[:8]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return process, log


def _finish(name: str, run: tuple[subprocess.Popen, Path]) -> int:
    process, log = run
    status = process.wait()
    print(f"== suite on {name} ({'passed' if status == 0 else f'failed: {status}'}) ==")
    print(log.read_text(encoding="utf-8", errors="replace"), flush=True)
    return status


def _postgres_problem(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5):
            return None
    except Exception as error:  # any failure to connect is reported, whatever its kind
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
