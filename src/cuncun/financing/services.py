"""Every write of financing: applying, the agency's and the bank's reviews, the applicant's
answers, the loan and its repayments; and the audited opening of an application's details."""

import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.roles import Role
from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.money import to_money
from cuncun.financing import queries
from cuncun.financing.models import (
    ApplicationStatus,
    Decision,
    Loan,
    LoanApplication,
    Repayment,
    Review,
    ReviewStage,
)

S = ApplicationStatus
# The step each reviewer decides at, and where approving takes the application.
STAGE_OF_ROLE = {Role.GUARANTEE_AGENCY: ReviewStage.AGENCY, Role.BANK: ReviewStage.BANK}
DECIDES_AT = {ReviewStage.AGENCY: S.SUBMITTED, ReviewStage.BANK: S.GUARANTEED}
LONGEST_TERM_MONTHS = 60


def _stage_of(actor) -> str:
    stage = STAGE_OF_ROLE.get(getattr(actor, "role", None))
    if stage is None:
        raise NotAllowed(_("Only the guarantee agency and the bank review loan applications."))
    return stage


def _lock(application: LoanApplication) -> LoanApplication:
    return LoanApplication.objects.select_for_update().get(pk=application.pk)


def _attach_records(application: LoanApplication) -> None:
    application.sales_record = queries.sales_record(
        application.merchant, until=timezone.localdate()
    )
    application.training_record = queries.training_record(application.merchant)


def apply_for_loan(
    *, actor, merchant, amount, purpose: str, term_months: int, is_demo: bool = False
) -> LoanApplication:
    """The business's owner applies; its sales and training records are attached."""
    if merchant.owner_id is None or merchant.owner_id != getattr(actor, "pk", None):
        raise NotAllowed(_("A business's owner applies for its loan."))
    problems = []
    try:
        amount = to_money(amount)
    except (TypeError, ValueError):
        amount = Decimal("0")
    if amount <= 0:
        problems.append(_("the amount must be above zero"))
    if not purpose.strip():
        problems.append(_("say what the loan is for"))
    if not 1 <= int(term_months or 0) <= LONGEST_TERM_MONTHS:
        problems.append(_("the term is 1 to %(n)d months") % {"n": LONGEST_TERM_MONTHS})
    if problems:
        raise InvalidInput(_("The application cannot be made: %s.") % "; ".join(problems))
    with transaction.atomic():
        application = LoanApplication(
            reference=f"L{timezone.localdate():%y%m}{secrets.token_hex(3).upper()}",
            merchant=merchant,
            applied_by=actor,
            amount=amount,
            purpose=purpose.strip(),
            term_months=int(term_months),
            is_demo=is_demo,
        )
        _attach_records(application)
        application.save()
        audit.record(
            actor=actor,
            action="loan_application.submit",
            obj=application,
            after={"amount": str(amount), "term_months": application.term_months},
        )
    return application


def review_application(
    *,
    actor,
    application: LoanApplication,
    decision: str,
    note: str,
    principal=None,
    annual_rate_percent=None,
    lent_on: date | None = None,
    due_on: date | None = None,
) -> LoanApplication:
    """The agency (then the bank) approves, refuses or asks for more. The bank's approval is its
    loan: principal (at most the amount asked), rate and dates."""
    stage = _stage_of(actor)
    if decision not in dict(Decision.choices):
        raise InvalidInput(_("Approve, refuse or ask for more."))
    if not note.strip():
        raise InvalidInput(_("Write what you decided and why: the applicant reads it."))
    with transaction.atomic():
        application = _lock(application)
        if application.status != DECIDES_AT[stage]:
            raise Conflict(
                _("This application is %(status)s: it is not yours to decide now.")
                % {"status": application.get_status_display()}
            )
        before = application.status
        if decision == Decision.ASK_MORE:
            application.status, application.waiting_on = S.INFO_REQUESTED, stage
        elif decision == Decision.REFUSE:
            application.status = S.REFUSED
        elif stage == ReviewStage.AGENCY:
            application.status, application.reached_bank = S.GUARANTEED, True
        else:
            _lend(application, actor, principal, annual_rate_percent, lent_on, due_on)
            application.status = S.LENT
        application.save(update_fields=["status", "waiting_on", "reached_bank", "updated_at"])
        Review.objects.create(
            application=application, stage=stage, decision=decision, note=note.strip(), actor=actor
        )
        audit.record(
            actor=actor,
            action=f"loan_application.{stage}_{decision}",
            obj=application,
            before={"status": before},
            after={"status": application.status},
            reason=note.strip(),
        )
    return application


def _lend(application, actor, principal, rate, lent_on, due_on) -> Loan:
    try:
        principal = to_money(principal)
        rate = Decimal(str(rate))
    except (TypeError, ValueError, ArithmeticError) as error:
        raise InvalidInput(_("Give the loan's principal and annual rate.")) from error
    problems = []
    if not 0 < principal <= application.amount:
        problems.append(_("the principal is above zero and at most the amount asked"))
    if not Decimal("0") <= rate <= Decimal("36"):
        problems.append(_("the annual rate is between 0 and 36%"))
    if lent_on is None or due_on is None or due_on <= lent_on:
        problems.append(_("the loan is due after the day it is lent"))
    if problems:
        raise InvalidInput(_("The loan cannot be recorded: %s.") % "; ".join(problems))
    loan = Loan.objects.create(
        application=application,
        principal=principal,
        annual_rate_percent=rate,
        lent_on=lent_on,
        due_on=due_on,
    )
    audit.record(actor=actor, action="loan.lend", obj=loan, after=audit.snapshot(loan))
    return loan


def answer_request(*, actor, application: LoanApplication, answer: str) -> LoanApplication:
    """The applicant gives what was asked for; it goes back to whoever asked, with the sales and
    training records attached afresh."""
    if application.merchant.owner_id != getattr(actor, "pk", None):
        raise NotAllowed(_("The applicant answers a request for more."))
    if not answer.strip():
        raise InvalidInput(_("Write your answer."))
    with transaction.atomic():
        application = _lock(application)
        if application.status != S.INFO_REQUESTED:
            raise Conflict(_("Nothing was asked of you on this application."))
        back_to = S.SUBMITTED if application.waiting_on == ReviewStage.AGENCY else S.GUARANTEED
        _attach_records(application)
        application.status, application.waiting_on = back_to, ""
        application.save()
        Review.objects.create(application=application, note=answer.strip(), actor=actor)
        audit.record(
            actor=actor,
            action="loan_application.answer",
            obj=application,
            before={"status": S.INFO_REQUESTED},
            after={"status": back_to},
        )
    return application


def record_repayment(*, actor, loan: Loan, amount, paid_on: date) -> Repayment:
    """The bank records money repaid; a loan repaid in full closes its application."""
    if getattr(actor, "role", None) != Role.BANK:
        raise NotAllowed(_("The bank records repayments."))
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("The amount is not an amount of money.")) from error
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        if not 0 < amount <= loan.outstanding:
            raise InvalidInput(
                _("A repayment is above zero and at most the ¥%(left)s still owed.")
                % {"left": loan.outstanding}
            )
        if paid_on < loan.lent_on:
            raise InvalidInput(_("The day is before the loan was lent."))
        repayment = Repayment.objects.create(
            loan=loan, amount=amount, paid_on=paid_on, recorded_by=actor
        )
        before = str(loan.repaid)
        loan.repaid += amount
        loan.save(update_fields=["repaid", "updated_at"])
        after = {"repaid": str(loan.repaid), "paid_on": str(paid_on)}
        if loan.outstanding == 0:
            LoanApplication.objects.filter(pk=loan.application_id).update(status=S.REPAID)
            after["application_status"] = S.REPAID
        audit.record(
            actor=actor, action="loan.repayment", obj=loan, before={"repaid": before}, after=after
        )
    return repayment


def open_application(*, actor, reference: str) -> LoanApplication:
    """The details of an application for one who handles it; every opening is audited (who
    read whose financial data, when)."""
    application = queries.application_for(actor, reference)
    with transaction.atomic():
        audit.record(actor=actor, action="loan_application.read", obj=application)
    return application
