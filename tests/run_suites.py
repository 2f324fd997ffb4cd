"""`make test`: the whole suite on SQLite, then again on PostgreSQL.

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
    print("== suite on SQLite ==", flush=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    status = _pytest(args, env)
    if pg_problem:
        print(f"PostgreSQL not reachable at {pg_url} ({pg_problem}): its run is skipped.")
        return status
    print("== suite on PostgreSQL ==", flush=True)
    # A fresh database per run, so that two runs on one machine cannot meet.
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "CUNCUN_TEST_DB_NAME": f"test_cuncun_{uuid.uuid4().hex[:8]}",
    }
    return _pytest([*args, "--create-db"], env) or status


def _pytest(args: list[str], env: dict) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def _postgres_problem(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5):
            return None
    except Exception as error:  # any failure to connect is reported, whatever its kind
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
