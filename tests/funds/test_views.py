"""The fund's pages: the position and what waits for the finance bureau, the workflow through
the pages, a budget file checked on a page, and the auditors' workbooks."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cuncun.funds.models import Disbursement, DisbursementState
from cuncun.funds.services import propose_disbursement, review_disbursement
from tests.conftest import PASSWORD, township
from tests.factories import site_in
from tests.funds.test_budget_file import bad_rows, budget


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_finance_bureau_sees_what_waits_for_it_and_the_fund_position(
    client, new_project, commerce, office_user, finance
):
    project = new_project("training", support="100000")
    waiting = review_disbursement(
        actor=office_user,
        disbursement=propose_disbursement(
            actor=commerce, project=project, amount="5000", purpose="一期"
        ),
    )
    page = login(client, finance).get("/funds/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "等你处理" in html or "Waiting for you" in html
    assert waiting.number in html
    assert "¥15,000,000.00" in html  # the fund's size, from the plan
    assert "logistics_min_share" in html  # the standing warning


def test_the_finance_bureau_approves_and_pays_through_the_pages(
    client, new_project, commerce, office_user, finance
):
    project = new_project("training", support="100000")
    reviewed = review_disbursement(
        actor=office_user,
        disbursement=propose_disbursement(
            actor=commerce, project=project, amount="5000", purpose="一期"
        ),
    )
    login(client, finance)
    client.post(f"/funds/disbursements/{reviewed.pk}/approve/")
    client.post(
        f"/funds/disbursements/{reviewed.pk}/pay/",
        {
            "voucher_number": "记-17-001",
            "paid_on": "2017-03-01",
            "attachment": SimpleUploadedFile("slip.pdf", b"%PDF-1.4"),
        },
    )
    reviewed.refresh_from_db()
    assert (reviewed.state, reviewed.voucher_number) == (DisbursementState.PAID, "记-17-001")


def test_a_refused_step_shows_its_message_and_changes_nothing(
    client, new_project, commerce, office_user
):
    project = new_project("training", support="100000")
    proposed = propose_disbursement(actor=commerce, project=project, amount="5000", purpose="x")
    page = login(client, office_user).post(
        f"/funds/disbursements/{proposed.pk}/approve/", follow=True
    )
    assert "财政局" in page.content.decode() or "finance bureau" in page.content.decode()
    assert Disbursement.objects.get(pk=proposed.pk).state == DisbursementState.PROPOSED


def test_township_staff_open_their_projects_and_not_others(client, county, new_project, gasa_staff):
    gasa_point = site_in(township("嘎洒镇").children.first())
    mine = new_project("village_point", support="30000", total="60000", site=gasa_point)
    county_wide = new_project("training")
    login(client, gasa_staff)
    assert client.get(f"/funds/projects/{mine.code}/").status_code == 200
    assert client.get(f"/funds/projects/{county_wide.code}/").status_code == 404
    assert county_wide.name not in client.get("/funds/").content.decode()


def test_a_budget_file_checked_on_the_page_lists_each_violation(client, plan, fund):
    upload = SimpleUploadedFile("budget.xlsx", budget(bad_rows()))
    html = client.post("/funds/check/", {"file": upload}).content.decode()
    assert 'data-rule="trading_platform_forbidden"' in html
    assert 'data-rule="logistics_min_share"' in html


def test_the_auditors_workbooks_hold_the_budget_ledger_and_evidence(
    client, new_project, commerce, office_user
):
    project = new_project("training", support="100000")
    propose_disbursement(actor=commerce, project=project, amount="5000", purpose="=HYPERLINK(1)")
    login(client, office_user)
    budget_book = load_workbook(BytesIO(client.get("/funds/export/budget.xlsx").content))
    categories = [row[1].value for row in budget_book.worksheets[0].iter_rows(min_row=2)]
    assert "training" in categories and "logistics" in categories
    rules_not_met = [row[0].value for row in budget_book.worksheets[1].iter_rows(min_row=2)]
    assert rules_not_met == ["logistics_min_share"]
    book = load_workbook(BytesIO(client.get("/funds/export/disbursements.xlsx").content))
    values = [c.value for c in book.worksheets[0][2]]
    assert "'=HYPERLINK(1)" in values  # a text that looks like a formula stays text
    ledger = load_workbook(BytesIO(client.get("/funds/export/ledger.xlsx").content))
    assert ledger.worksheets[0]["A2"].value == project.code


def test_the_program_dashboard_shows_the_funds_position_to_those_who_read_the_fund(
    client, new_project, office_user, make_user
):
    from cuncun.accounts.models import Role

    new_project("training", support="100000")
    service_center = make_user("zhongxin", Role.SERVICE_CENTER)

    page = login(client, office_user).get("/dashboard/").content.decode()
    data = client.get("/dashboard/data/").json()

    assert 'class="card glance"' in page and 'href="/funds/"' in page
    assert "¥15,000,000.00" in page and "¥100,000.00" in page  # the fund, budgeted
    assert "logistics_min_share" in page or "30%" in page  # the standing warning, in words
    [glance] = data["glances"]
    assert glance["url"] == "/funds/" and ["预算", "¥100,000.00"] in glance["figures"]
    others = login(client, service_center).get("/dashboard/data/")
    assert others.status_code == 403 or others.json()["glances"] == []
