"""Program vouchers (promotions) counted by the special fund: a batch's budget is committed to the
budget line it names when it is issued, refused if the line has not that much left, and what its
vouchers pay is paid out of the line. The position page and the dashboard glance show it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, DomainError, InvalidInput
from cuncun.core.models import AuditEntry
from cuncun.funds.models import Project
from cuncun.funds.queries import fund_glance, fund_position, line_positions
from cuncun.funds.services import (
    OverCommitted,
    ProjectDraft,
    approve_disbursement,
    cancel_project,
    change_project,
    propose_disbursement,
    review_disbursement,
)
from cuncun.promotions.models import VoucherBatch
from cuncun.promotions.services import (
    VoucherTake,
    VoucherTermsInput,
    issue_vouchers,
    take_for_checkout,
)
from tests.conftest import PASSWORD
from tests.races import at_once

D = Decimal


@pytest.fixture
def promotion(new_project):
    """A line of the budget that pays the festival's program vouchers: ¥100,000 of support."""
    return new_project("brand_trace_quality", support="100000", total="200000", source="local")


def program_vouchers(office, line: str, budget="30000", **terms) -> VoucherBatch:
    now = timezone.now()
    values = {
        "name": "购物节平台券直降5元",
        "kind": "direct",
        "amount": "5",
        "budget": budget,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=3),
        **terms,
    }
    return issue_vouchers(actor=office, terms=VoucherTermsInput(**values), budget_line=line)


def position_of(project):
    [line] = line_positions(Project.objects.filter(pk=project.pk))
    return line


def spend(batch, amount, buyer):
    """A checkout takes `amount` of the batch's budget (as orders.place_order does)."""
    take_for_checkout(
        buyer_id=buyer.pk,
        items=[],
        vouchers=[VoucherTake(batch=batch, amount=D(amount))],
        now=timezone.now(),
    )


def test_a_batch_is_committed_to_its_line_when_issued_and_paid_as_its_vouchers_are_used(
    promotion, office_user
):
    batch = program_vouchers(office_user, promotion.code, budget="30000")

    line = position_of(promotion)
    assert (line.committed, line.paid, line.left) == (D("30000"), D("0"), D("70000"))
    assert line.reconciles  # the ledger still holds what the disbursements say

    spend(batch, "5", office_user)

    line = position_of(promotion)
    assert (line.committed, line.paid) == (D("30000"), D("5"))
    position = fund_position(None, promotion.fund)
    assert (position["vouchers"].committed, position["vouchers"].paid) == (D("30000"), D("5"))
    assert position["committed"] == D("30000") and position["paid"] == D("5")
    figures = dict(fund_glance(office_user).figures)
    assert figures["平台券已支出"] == "¥5.00"


def test_a_batch_over_what_its_line_has_left_is_refused_with_the_figures_and_changes_nothing(
    promotion, office_user, commerce, finance
):
    proposed = propose_disbursement(
        actor=commerce, project=promotion, amount="60000", purpose="推广活动"
    )
    approve_disbursement(
        actor=finance, disbursement=review_disbursement(actor=office_user, disbursement=proposed)
    )
    program_vouchers(office_user, promotion.code, budget="30000")

    with pytest.raises(OverCommitted) as refused:
        program_vouchers(office_user, promotion.code, budget="10000.01", name="再来一批")

    message = str(refused.value.message)
    assert "¥10,000.00" in message and promotion.code in message and "¥90,000.00" in message
    assert VoucherBatch.objects.count() == 1
    assert AuditEntry.objects.filter(action="voucher.issue").count() == 1
    program_vouchers(office_user, promotion.code, budget="10000", name="正好用完")


def test_a_budget_line_the_fund_does_not_have_is_refused(promotion, office_user, commerce):
    with pytest.raises(InvalidInput, match="没有预算科目 P-999"):
        program_vouchers(office_user, "P-999")
    cancel_project(actor=commerce, project=promotion, reason="不办了")
    with pytest.raises(InvalidInput, match=f"没有预算科目 {promotion.code}"):
        program_vouchers(office_user, promotion.code)
    assert not VoucherBatch.objects.exists()


def test_an_approval_must_leave_what_the_vouchers_commit(promotion, office_user, commerce, finance):
    proposed = propose_disbursement(
        actor=commerce, project=promotion, amount="50000", purpose="推广活动"
    )
    reviewed = review_disbursement(actor=office_user, disbursement=proposed)
    program_vouchers(office_user, promotion.code, budget="60000")  # issued meanwhile

    with pytest.raises(OverCommitted, match=r"¥40,000\.00"):
        approve_disbursement(actor=finance, disbursement=reviewed)


def test_once_the_vouchers_end_only_what_they_paid_stays_committed(promotion, office_user):
    batch = program_vouchers(office_user, promotion.code, budget="90000")
    spend(batch, "5", office_user)
    # the festival ends
    VoucherBatch.objects.filter(pk=batch.pk).update(ends_at=timezone.now() - timedelta(minutes=1))

    line = position_of(promotion)
    assert (line.committed, line.paid, line.left) == (D("5"), D("5"), D("99995"))
    program_vouchers(office_user, promotion.code, budget="99995", name="下一个节日")


def test_a_line_paying_vouchers_stays_in_the_budget_and_above_what_they_commit(
    promotion, office_user, commerce, unit
):
    program_vouchers(office_user, promotion.code, budget="30000")

    with pytest.raises(Conflict, match="平台券"):
        cancel_project(actor=commerce, project=promotion, reason="不办了")
    lower = ProjectDraft(
        name=promotion.name,
        category=promotion.category,
        total_investment="200000",
        support="29999.99",
        source="local",
        use=promotion.use,
        owner_unit=unit,
    )
    with pytest.raises(OverCommitted, match=r"¥30,000\.00"):
        change_project(actor=commerce, project=promotion, draft=lower)


def test_the_position_page_lists_the_batches_paid_from_the_fund(client, promotion, office_user):
    program_vouchers(office_user, promotion.code, budget="30000")
    assert client.login(username=office_user.username, password=PASSWORD)

    home = client.get("/funds/").content.decode()
    project = client.get(f"/funds/projects/{promotion.code}/").content.decode()

    for page in (home, project):
        assert 'id="program-vouchers"' in page and "购物节平台券直降5元" in page
        assert "¥30,000.00" in page
    assert "含平台券" in home


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_issued_at_once_cannot_pass_a_line_together(promotion, office_user):
    def issue(i):
        try:
            program_vouchers(office_user, promotion.code, budget="60000", name=f"第{i}批")
            return "issued"
        except DomainError as error:
            return error.code

    results = at_once(issue, 2)

    assert sorted(results) == ["fund_line_overcommitted", "issued"]
    assert VoucherBatch.objects.count() == 1
