"""Loaded by pytest before Django is configured (`-p cuncun.pytest_plugin` in pyproject).

Tests run with DEBUG off, like production, so they need a SECRET_KEY and a personal-data key
of their own.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "cuncun-tests-only-not-a-secret")
# base64 of 32 bytes, as deploy/cuncun.env.example says; for tests only.
os.environ.setdefault("CUNCUN_PII_KEY", "Y3VuY3VuLXRlc3RzLW9ubHktbm90LWEtcGlpLWtleSE=")
os.environ.setdefault("CUNCUN_LOGIN_MAX_FAILURES", "5")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls in e2e tests are
# still synchronous, so Django's async-safety guard would refuse them without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
if not os.environ.get("DATABASE_URL"):
    # On SQLite the test database is a file, as in production (WAL, busy timeout, one writer at
    # a time): Django's in-memory default shares one cache whose table locks fail at once instead
    # of waiting, and it hands the live server the test thread's own connection. Named by process
    # so two runs on one machine cannot meet; Django deletes it at the end.
    os.environ.setdefault(
        "CUNCUN_TEST_DB_NAME",
        str(Path(tempfile.gettempdir()) / f"cuncun-test-{os.getpid()}.sqlite3"),
    )
