"""Browser: a disbursement is proposed by the commerce bureau, reviewed by the office, approved
and paid with its evidence by the finance bureau — on a phone."""

from playwright.sync_api import expect

from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.funds.conftest import commerce, finance, fund, new_project, unit  # noqa: F401


def _as(page, live_server, user):
    page.context.clear_cookies()
    log_in(page, live_server, user.username, PASSWORD)


def test_a_proposal_is_reviewed_approved_and_paid_on_a_phone(
    live_server,
    phone,
    tmp_path,
    new_project,  # noqa: F811
    commerce,  # noqa: F811
    office_user,
    finance,  # noqa: F811
):
    project = new_project("training", support="100000")
    phone.on("dialog", lambda dialog: dialog.accept())

    _as(phone, live_server, commerce)
    phone.goto(f"{live_server.url}/funds/projects/{project.code}/")
    phone.get_by_label("金额（元）").fill("60000")
    phone.get_by_label("用途").fill("第一期培训费用")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("拨付申请已提交")
    disbursement = Disbursement.objects.get()

    _as(phone, live_server, office_user)
    phone.goto(f"{live_server.url}/funds/disbursements/{disbursement.pk}/")
    phone.get_by_role("button", name="审核通过").click()
    expect(phone.locator("#state")).to_have_text("已审核")

    _as(phone, live_server, finance)
    phone.goto(f"{live_server.url}/funds/")
    phone.locator("#waiting").get_by_text(disbursement.number).click()
    phone.get_by_role("button", name="批准").click()
    expect(phone.locator("#state")).to_have_text("已批准")

    slip = tmp_path / "回单.pdf"
    slip.write_bytes(b"%PDF-1.4 bank slip")
    phone.get_by_label("凭证号").fill("记-2017-0042")
    phone.get_by_label("拨付日期").fill("2017-03-01")
    phone.get_by_label("拨付凭证（银行回单、凭证扫描件）").set_input_files(str(slip))
    phone.get_by_role("button", name="登记拨付").click()
    expect(phone.locator("#state")).to_have_text("已拨付")
    expect(phone.locator("#voucher")).to_have_text("记-2017-0042")

    disbursement.refresh_from_db()
    assert disbursement.state == DisbursementState.PAID
    assert LedgerEntry.objects.count() == 2
    phone.goto(f"{live_server.url}/funds/projects/{project.code}/")
    expect(phone.locator("#line")).to_contain_text("¥60,000.00")
    # the ledger table is cards on the phone: no sideways scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
