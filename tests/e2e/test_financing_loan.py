"""Browser: a business applies for a guaranteed loan on a phone (its sales and training attached),
the guarantee agency guarantees it, the bank lends, and the applicant sees the loan granted."""

from playwright.sync_api import expect

from cuncun.financing.models import ApplicationStatus, LoanApplication
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.financing.conftest import awareness, lending, market, session  # noqa: F401


def decide(phone, live_server, username, reference, **loan):
    """Approves the application as `username`. Returns its status on the page, for the test to
    wait for the status it expects: until the answer loads, the page shows the one before."""
    phone.context.clear_cookies()
    log_in(phone, live_server, username, PASSWORD)
    phone.goto(f"{live_server.url}/financing/a/{reference}/")
    phone.get_by_label("审查意见").select_option("approve")
    phone.get_by_label("给申请人的说明").fill("材料齐全，同意")
    for label, value in loan.items():
        phone.get_by_label(label).fill(value)
    phone.get_by_role("button", name="提交意见").click()
    return phone.locator("#application-status")


def test_a_loan_application_is_guaranteed_and_lent(
    live_server,
    phone,
    lending,  # noqa: F811
):
    log_in(phone, live_server, "merchant", PASSWORD)
    phone.goto(f"{live_server.url}/financing/")
    phone.get_by_label("金额（元）").fill("50000")
    phone.get_by_label("期限（月）").fill("12")
    phone.get_by_label("用途").fill("扩建茶叶初制所")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("#application-status")).to_have_text("担保机构审查中")
    expect(phone.locator("body")).to_contain_text("已付款订单1笔，¥100.00")
    reference = LoanApplication.objects.get().reference

    expect(decide(phone, live_server, "agency", reference)).to_have_text("已同意担保，银行审查中")
    lent = {
        "贷款本金（元）": "40000",
        "年利率（%）": "5.5",
        "放款日期": "2018-03-01",
        "到期日期": "2019-03-01",
    }
    expect(decide(phone, live_server, "bank", reference, **lent)).to_have_text("已放款")

    phone.context.clear_cookies()
    log_in(phone, live_server, "merchant", PASSWORD)
    phone.goto(f"{live_server.url}/financing/")
    expect(phone.locator("#applications")).to_contain_text("已放款")
    assert LoanApplication.objects.get().status == ApplicationStatus.LENT
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
