"""The disbursement workflow: proposed, reviewed, approved by finance, paid with evidence; the
ledger reconciles each line; every step audited; scope and roles enforced on the server."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.funds import queries
from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry, LedgerEntryKind
from cuncun.funds.services import (
    OverCommitted,
    PaymentEvidence,
    add_project_document,
    amend_disbursement,
    approve_disbursement,
    cancel_disbursement,
    cancel_project,
    move_support,
    pay_disbursement,
    propose_disbursement,
    review_disbursement,
)
from tests.conftest import township
from tests.factories import site_in


def evidence(voucher="记-2017-0042"):
    return PaymentEvidence(
        voucher_number=voucher,
        paid_on=date(2017, 3, 1),
        attachment=SimpleUploadedFile("slip.pdf", b"%PDF-1.4 bank slip"),
    )


@pytest.fixture
def reviewed(new_project, commerce, office_user):
    def make(amount="60000", project=None):
        project = project or new_project("training", support="100000")
        proposed = propose_disbursement(
            actor=commerce, project=project, amount=amount, purpose="一期"
        )
        return review_disbursement(actor=office_user, disbursement=proposed)

    return make


def test_a_proposal_is_reviewed_approved_and_paid_and_the_ledger_reconciles(reviewed, finance):
    disbursement = reviewed("60000")
    approved = approve_disbursement(actor=finance, disbursement=disbursement)
    paid = pay_disbursement(actor=finance, disbursement=approved, evidence=evidence())
    assert paid.state == DisbursementState.PAID
    assert paid.voucher_number == "记-2017-0042"
    kinds = list(LedgerEntry.objects.values_list("kind", "amount"))
    assert kinds == [
        (LedgerEntryKind.COMMITTED, Decimal("60000.00")),
        (LedgerEntryKind.PAID, Decimal("60000.00")),
    ]
    [line] = queries.line_positions(paid.project.__class__.objects.filter(pk=paid.project_id))
    assert (line.committed, line.paid, line.left) == (
        Decimal("60000.00"),
        Decimal("60000.00"),
        Decimal("40000.00"),
    )
    assert line.reconciles
    actions = set(
        AuditEntry.objects.filter(object_type="funds.disbursement").values_list("action", flat=True)
    )
    assert actions == {
        "funds.propose_disbursement",
        "funds.review_disbursement",
        "funds.approve_disbursement",
        "funds.pay_disbursement",
    }


def test_only_the_finance_bureau_approves_and_pays(reviewed, office_user, commerce, finance):
    disbursement = reviewed()
    for someone in (office_user, commerce):
        with pytest.raises(NotAllowed):
            approve_disbursement(actor=someone, disbursement=disbursement)
    approved = approve_disbursement(actor=finance, disbursement=disbursement)
    with pytest.raises(NotAllowed):
        pay_disbursement(actor=office_user, disbursement=approved, evidence=evidence())


def test_steps_follow_the_order_and_payment_needs_its_evidence(
    new_project, commerce, finance, office_user
):
    project = new_project("training", support="100000")
    proposed = propose_disbursement(actor=commerce, project=project, amount="1000", purpose="x")
    with pytest.raises(Conflict):
        approve_disbursement(actor=finance, disbursement=proposed)
    approved = approve_disbursement(
        actor=finance, disbursement=review_disbursement(actor=office_user, disbursement=proposed)
    )
    with pytest.raises(InvalidInput):
        pay_disbursement(
            actor=finance,
            disbursement=approved,
            evidence=PaymentEvidence(voucher_number=" ", paid_on=None, attachment=None),
        )
    assert Disbursement.objects.get(pk=approved.pk).state == DisbursementState.APPROVED
    assert not LedgerEntry.objects.filter(kind=LedgerEntryKind.PAID).exists()


def test_approval_refuses_more_than_is_left_of_the_line_with_the_figures(reviewed, finance):
    first = reviewed("60000")
    second = reviewed("40000.01", project=first.project)
    approve_disbursement(actor=finance, disbursement=first)
    with pytest.raises(OverCommitted) as refused:
        approve_disbursement(actor=finance, disbursement=second)
    assert "¥40,000.00" in str(refused.value.message)
    assert Disbursement.objects.get(pk=second.pk).state == DisbursementState.REVIEWED


def test_a_submitted_disbursement_is_amended_by_a_new_version(reviewed, commerce):
    first = reviewed("60000")
    amended = amend_disbursement(
        actor=commerce,
        disbursement=first,
        amount="50000",
        purpose="一期（修订）",
        reason="报价下调",
    )
    first.refresh_from_db()
    assert first.state == DisbursementState.CANCELLED and "报价下调" in first.cancel_reason
    assert (amended.number, amended.version, amended.amends_id) == (first.number, 2, first.pk)
    assert amended.state == DisbursementState.PROPOSED


def test_cancelling_an_approved_disbursement_releases_it_in_the_ledger(reviewed, finance):
    approved = approve_disbursement(actor=finance, disbursement=reviewed("60000"))
    with pytest.raises(InvalidInput):
        cancel_disbursement(actor=finance, disbursement=approved, reason=" ")
    cancel_disbursement(actor=finance, disbursement=approved, reason="项目调整")
    amounts = list(LedgerEntry.objects.values_list("kind", "amount"))
    assert amounts[-1] == (LedgerEntryKind.RELEASED, Decimal("-60000.00"))
    assert LedgerEntry.objects.count() == 2  # nothing edited, one entry added
    assert queries.committed_to(approved.project) == Decimal("0.00")


def test_a_line_cannot_go_below_what_is_approved_for_it(reviewed, finance, new_project, commerce):
    approved = approve_disbursement(actor=finance, disbursement=reviewed("60000"))
    other = new_project("training", support="10")
    with pytest.raises(OverCommitted):
        move_support(actor=commerce, source=approved.project, target=other, amount="40000.01")
    move_support(actor=commerce, source=approved.project, target=other, amount="40000")
    with pytest.raises(Conflict):
        cancel_project(actor=commerce, project=approved.project, reason="不做了")


def test_township_staff_see_only_their_township_projects(
    county, fund, new_project, gasa_staff, menglong_staff
):
    gasa_point = site_in(township("嘎洒镇").children.first())
    mine = new_project("village_point", support="30000", total="60000", site=gasa_point)
    county_wide = new_project("training")
    assert list(queries.projects_visible_to(gasa_staff, fund)) == [mine]
    assert list(queries.projects_visible_to(menglong_staff, fund)) == []
    assert county_wide not in queries.projects_visible_to(gasa_staff, fund)


def test_member_departments_other_than_the_proposing_unit_may_not_propose(make_user, new_project):
    project = new_project("training")
    other = make_user("nongye", Role.MEMBER_DEPARTMENT)
    with pytest.raises(NotAllowed):
        propose_disbursement(actor=other, project=project, amount="1", purpose="x")
    with pytest.raises(NotAllowed):
        add_project_document(
            actor=other, project=project, title="x", file=SimpleUploadedFile("a.pdf", b"x")
        )


def test_project_documents_are_kept_and_audited(new_project, commerce):
    project = new_project("training")
    document = add_project_document(
        actor=commerce,
        project=project,
        title="实施方案",
        file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4"),
    )
    assert project.documents.get() == document
    assert AuditEntry.objects.filter(action="funds.add_document").count() == 1


def test_a_line_with_a_paid_and_a_cancelled_disbursement_reconciles(
    new_project, commerce, office_user, finance
):
    # Given one disbursement paid and a second approved then cancelled on the same line
    project = new_project("training", support="100000")

    def approved(amount):
        proposed = propose_disbursement(
            actor=commerce, project=project, amount=amount, purpose="拨付"
        )
        reviewed = review_disbursement(actor=office_user, disbursement=proposed)
        return approve_disbursement(actor=finance, disbursement=reviewed)

    evidence = PaymentEvidence(
        voucher_number="记-1",
        paid_on=date(2017, 5, 1),
        attachment=SimpleUploadedFile("slip.pdf", b"%PDF"),
    )
    pay_disbursement(actor=finance, disbursement=approved("11.84"), evidence=evidence)
    cancel_disbursement(actor=finance, disbursement=approved("23570.50"), reason="撤回")

    # then the line's ledger and its disbursements tell the same story, whatever their order
    [line] = queries.line_positions(project.fund.projects.filter(pk=project.pk))
    assert (line.committed, line.committed_by_disbursements) == (Decimal("11.84"),) * 2
    assert (line.paid, line.paid_by_disbursements) == (Decimal("11.84"),) * 2
    assert line.reconciles
