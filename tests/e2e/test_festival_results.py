"""Browser: the county office, on a phone, goes from its orders page to the festival results,
opens the festival, reads its figures by merchant and township with the chart, and takes the
xlsx."""

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)
from tests.orders.test_festival_results import sold  # noqa: F401  (the fixture)
from tests.promotions.conftest import festival, office  # noqa: F401  (fixtures)


def test_the_office_opens_a_festivals_results_on_a_phone(live_server, phone, sold):  # noqa: F811
    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/market/office/")
    phone.locator("#festival-results-link").click()
    phone.get_by_role("link", name="双十二网络购物节").click()

    total = phone.locator("#festival-total")
    expect(total).to_contain_text("3")
    expect(total).to_contain_text("¥170.00")
    expect(phone.locator("#by-merchant")).to_contain_text("岩香")
    expect(phone.locator("#by-township")).to_contain_text("嘎洒镇")
    expect(phone.locator("#by-poor-village")).to_contain_text("位于贫困村")
    phone.locator("#festival-chart canvas").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    with phone.expect_download() as download:
        phone.get_by_role("link", name="成效表（xlsx）").click()
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    assert list(book.worksheets[0].iter_rows(values_only=True))[1][1:] == (3, 2, 5, 170)
