"""A project's documents and a disbursement's payment evidence open for whoever may see the
project or the disbursement, through the fund's own addresses; anyone else (another township's
staff, a merchant, a visitor) is told there is no such file."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cuncun.accounts.models import Role, User
from cuncun.funds.models import Disbursement, DisbursementState
from cuncun.funds.services import (
    PaymentEvidence,
    add_project_document,
    approve_disbursement,
    pay_disbursement,
    propose_disbursement,
    review_disbursement,
)
from tests.conftest import PASSWORD, township
from tests.factories import site_in

pytestmark = pytest.mark.usefixtures("media_root")
SLIP = b"%PDF-1.4 bank slip"


def _paid(project, commerce, office_user, finance):
    proposed = propose_disbursement(actor=commerce, project=project, amount="5000", purpose="一期")
    review_disbursement(actor=office_user, disbursement=proposed)
    approve_disbursement(actor=finance, disbursement=proposed)
    return pay_disbursement(
        actor=finance,
        disbursement=proposed,
        evidence=PaymentEvidence(
            voucher_number="记-17-001",
            paid_on=date(2017, 3, 1),
            attachment=SimpleUploadedFile("回单.pdf", SLIP, content_type="text/html"),
        ),
    )


def _as(client, user):
    client.logout()
    if user is not None:
        client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def gasa_project(new_project, county):
    point = site_in(township("嘎洒镇").children.first())
    return new_project("village_point", support="30000", total="60000", site=point)


def test_the_fund_office_opens_a_paid_disbursements_evidence_from_its_page(
    client, new_project, commerce, office_user, finance
):
    paid = _paid(new_project("training"), commerce, office_user, finance)
    address = reverse("funds:evidence_file", args=[paid.pk])

    page = _as(client, office_user).get(reverse("funds:disbursement", args=[paid.pk]))
    served = client.get(address)

    assert f'href="{address}"' in page.content.decode()
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == SLIP
    # the upload claimed text/html: the stored name decides
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("inline;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"


def test_a_projects_document_opens_from_the_project_page(client, new_project, commerce):
    project = new_project("training")
    document = add_project_document(
        actor=commerce,
        project=project,
        title="实施方案",
        file=SimpleUploadedFile("方案.docx", b"PK\x03\x04 plan"),
    )
    address = reverse("funds:document_file", args=[document.pk])

    page = _as(client, commerce).get(reverse("funds:project", args=[project.code]))
    served = client.get(address)

    assert f'href="{address}"' in page.content.decode()
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"PK\x03\x04 plan"
    assert served["Content-Disposition"].startswith("attachment;")  # not an image or a PDF


def test_a_township_sees_its_own_projects_files_and_no_other_townships(
    client, new_project, gasa_project, commerce, office_user, finance, gasa_staff, menglong_staff
):
    document = add_project_document(
        actor=commerce,
        project=gasa_project,
        title="验收报告",
        file=SimpleUploadedFile("验收.pdf", b"%PDF-1.4 acceptance"),
    )
    county_wide = _paid(new_project("training"), commerce, office_user, finance)
    document_address = reverse("funds:document_file", args=[document.pk])
    evidence_address = reverse("funds:evidence_file", args=[county_wide.pk])

    assert _as(client, gasa_staff).get(document_address).status_code == 200
    assert client.get(evidence_address).status_code == 404
    assert _as(client, menglong_staff).get(document_address).status_code == 404


def test_a_merchant_or_a_visitor_is_told_there_is_no_such_file(
    client, new_project, commerce, office_user, finance, make_user
):
    paid = _paid(new_project("training"), commerce, office_user, finance)
    merchant = make_user("tea", Role.MERCHANT, township("勐龙镇"))
    address = reverse("funds:evidence_file", args=[paid.pk])

    assert _as(client, merchant).get(address).status_code == 404
    assert _as(client, None).get(address).status_code == 404
    # a disbursement not paid yet has no evidence to open
    waiting = propose_disbursement(
        actor=commerce, project=paid.project, amount="100", purpose="二期"
    )
    assert (
        _as(client, office_user).get(reverse("funds:evidence_file", args=[waiting.pk])).status_code
        == 404
    )


def test_behind_nginx_the_evidence_is_handed_to_the_internal_location(
    client, settings, new_project, commerce, office_user, finance
):
    paid = _paid(new_project("training"), commerce, office_user, finance)
    settings.CUNCUN_MEDIA_ACCEL = "/protected-media/"

    served = _as(client, finance).get(reverse("funds:evidence_file", args=[paid.pk]))

    assert served.status_code == 200 and served.content == b""
    assert served["X-Accel-Redirect"].startswith("/protected-media/funds/evidence/")
    assert served["X-Accel-Redirect"].endswith(".pdf")


def test_the_demos_bank_slip_opens_from_its_disbursement_page(client, fund_demo):
    paid = Disbursement.objects.get(state=DisbursementState.PAID)
    address = reverse("funds:evidence_file", args=[paid.pk])
    client.force_login(fund_demo)

    page = client.get(reverse("funds:disbursement", args=[paid.pk])).content.decode()
    served = client.get(address)

    assert f'href="{address}"' in page
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"%PDF")


def test_the_admin_links_the_evidence_to_the_funds_checked_address_not_a_public_folder(
    client, new_project, commerce, office_user, finance
):
    paid = _paid(new_project("training"), commerce, office_user, finance)
    # the office runs Django's admin, as the demo's `office` does
    User.objects.filter(pk=office_user.pk).update(is_staff=True, is_superuser=True)
    address = reverse("funds:evidence_file", args=[paid.pk])

    page = _as(client, office_user).get(reverse("admin:funds_disbursement_change", args=[paid.pk]))
    served = client.get(address)

    assert page.status_code == 200
    assert f'href="{address}"' in page.content.decode()
    assert "/media/" not in page.content.decode()
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == SLIP
