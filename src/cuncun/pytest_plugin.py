"""Loaded by pytest before Django is configured (`-p cuncun.pytest_plugin` in pyproject).

Tests run with DEBUG off, like production, so they need a SECRET_KEY of their own.
"""

import os

os.environ.setdefault("SECRET_KEY", "cuncun-tests-only-not-a-secret")
os.environ.setdefault("CUNCUN_LOGIN_MAX_FAILURES", "5")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls in e2e tests are
# still synchronous, so Django's async-safety guard would refuse them without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
