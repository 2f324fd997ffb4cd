"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CUNCUN_CHROMIUM", "/usr/bin/chromium")
# Flags this machine's closed network needs: no background connections that would be refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CUNCUN_E2E") == "required":
            pytest.fail(f"Chromium is required for browser tests but {CHROMIUM} is missing")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a phone screen. The phone is set to English: pages are Chinese anyway
    until the person chooses otherwise on the site."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    # Waits for the page the form leads to (the person's home, or the form again saying why) to
    # load: a read before it would meet the login page, a goto would cut the login short.
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
