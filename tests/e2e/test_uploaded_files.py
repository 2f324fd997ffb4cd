"""Browser: uploaded files open from their pages through the apps' own addresses (no public
media folder) — the fund office opens a paid disbursement's bank slip and a project's document,
the office a report's attachment, and a product's photo shows on the market front; on a phone."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from cuncun.catalog.services import add_product_photo
from cuncun.funds.services import (
    PaymentEvidence,
    add_project_document,
    approve_disbursement,
    pay_disbursement,
    propose_disbursement,
    review_disbursement,
)
from cuncun.oversight import services as oversight
from cuncun.oversight.models import ReportForm
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.funds.conftest import commerce, finance, fund, new_project, unit  # noqa: F401
from tests.orders.conftest import market  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("media_root")
PLAN_PDF = b"%PDF-1.4 implementation plan"
REPORT_PDF = b"%PDF-1.4 march report"


def picture(colour: str) -> bytes:
    """A small real picture (the browser must decode it, not just receive bytes)."""
    out = BytesIO()
    Image.new("RGB", (120, 80), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _patient_phone(phone):
    """The first page of a session compiles templates and catalogues; on a busy machine that
    takes longer than the default 15 s."""
    phone.set_default_navigation_timeout(60_000)


def _paid_with_a_scanned_slip(project, commerce, office_user, finance):  # noqa: F811
    proposed = propose_disbursement(actor=commerce, project=project, amount="5000", purpose="一期")
    review_disbursement(actor=office_user, disbursement=proposed)
    approve_disbursement(actor=finance, disbursement=proposed)
    slip = SimpleUploadedFile("回单.png", picture("#c8e6c9"), content_type="image/png")
    return pay_disbursement(
        actor=finance,
        disbursement=proposed,
        evidence=PaymentEvidence(
            voucher_number="记-17-001", paid_on=date(2017, 3, 1), attachment=slip
        ),
    )


def test_the_fund_office_opens_a_bank_slip_and_a_project_document_from_their_pages(
    live_server,
    phone,
    tmp_path,
    new_project,  # noqa: F811
    commerce,  # noqa: F811
    office_user,
    finance,  # noqa: F811
):
    project = new_project("training")
    paid = _paid_with_a_scanned_slip(project, commerce, office_user, finance)
    add_project_document(
        actor=commerce,
        project=project,
        title="实施方案",
        file=SimpleUploadedFile("实施方案.pdf", PLAN_PDF, content_type="application/pdf"),
    )
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/funds/disbursements/{paid.pk}/")
    phone.get_by_role("link", name="打开").click()
    expect(phone).to_have_url(f"{live_server.url}/funds/files/evidence/{paid.pk}/")
    phone.wait_for_load_state()  # the picture's page loads once the picture has
    assert phone.evaluate("document.images[0].naturalWidth") == 120  # the slip, decoded
    phone.screenshot(path=tmp_path / "bank-slip.png")

    phone.goto(f"{live_server.url}/funds/projects/{project.code}/")
    with phone.expect_response(lambda r: "/funds/files/documents/" in r.url) as opened:
        phone.locator("#documents").get_by_text("实施方案").click()
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "application/pdf"
    # Chromium shows it in its PDF viewer; the same address, with the same session, gives the file
    assert phone.request.get(opened.value.url).body() == PLAN_PDF


def test_the_office_opens_a_reports_attachment_from_its_page(live_server, phone, plan, office_user):
    report = oversight.submit_report(
        actor=office_user,
        form=ReportForm.objects.get(plan=plan, key="work_information"),
        period="2017-03",
        unit=plan.member_units.get(key="hrss_bureau"),
        values={"work_done": "宣传", "events": "1", "people_reached": "10", "funds_used": "0"},
        attachment=SimpleUploadedFile("三月工作.pdf", REPORT_PDF),
        received_on=date(2017, 4, 2),
    )
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/submissions/{report.pk}/")
    with phone.expect_response(lambda r: "/oversight/files/attachments/" in r.url) as opened:
        phone.get_by_role("link", name="附件").click()
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "application/pdf"
    assert phone.request.get(opened.value.url).body() == REPORT_PDF


def test_a_products_photo_shows_on_the_market_front(
    live_server,
    phone,
    tmp_path,
    market,  # noqa: F811
):
    photo = SimpleUploadedFile("普洱茶.png", picture("#8d6e63"), content_type="image/png")
    add_product_photo(actor=market.tea_owner, product=market.tea.product, upload=photo)

    phone.goto(f"{live_server.url}/market/")
    shown = phone.locator(".pic img").first
    shown.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('.pic img').naturalWidth > 0")

    assert shown.get_attribute("src").startswith("/catalog/files/photos/")
    assert shown.evaluate("img => img.naturalWidth") == 120
    phone.screenshot(path=tmp_path / "market.png")
