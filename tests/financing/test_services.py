from datetime import date
from decimal import Decimal

import pytest

from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cuncun.core.models import AuditEntry
from cuncun.financing.models import ApplicationStatus, Loan
from cuncun.financing.services import (
    answer_request,
    apply_for_loan,
    open_application,
    record_repayment,
    review_application,
)

S = ApplicationStatus


def apply(lending, amount="50000"):
    return apply_for_loan(
        actor=lending.applicant,
        merchant=lending.garden,
        amount=amount,
        purpose="扩建茶叶初制所，购置杀青机",
        term_months=12,
    )


def lend(lending, application, principal="40000"):
    review_application(
        actor=lending.agency, application=application, decision="approve", note="同意担保"
    )
    return review_application(
        actor=lending.bank,
        application=application,
        decision="approve",
        note="同意放款",
        principal=principal,
        annual_rate_percent="5.50",
        lent_on=date(2018, 3, 1),
        due_on=date(2019, 3, 1),
    )


def test_an_application_carries_the_market_sales_and_the_owners_training(lending):
    application = apply(lending)

    assert application.status == S.SUBMITTED
    assert application.sales_record["orders"] == 1
    assert application.sales_record["total"] == "100.00"
    assert [t["trainee"] for t in application.training_record] == ["刘茶农"]


def test_the_agency_guarantees_the_bank_lends_and_repayments_close_the_loan(lending):
    application = lend(lending, apply(lending))

    assert application.status == S.LENT
    loan = Loan.objects.get()
    assert loan.principal == Decimal("40000.00")
    record_repayment(actor=lending.bank, loan=loan, amount="15000", paid_on=date(2018, 9, 1))
    with pytest.raises(InvalidInput):
        record_repayment(actor=lending.bank, loan=loan, amount="25000.01", paid_on=date(2019, 1, 1))
    record_repayment(actor=lending.bank, loan=loan, amount="25000", paid_on=date(2019, 2, 1))

    loan.refresh_from_db()
    assert loan.outstanding == 0
    application.refresh_from_db()
    assert application.status == S.REPAID
    assert AuditEntry.objects.filter(action="loan.repayment").count() == 2


def test_asked_for_more_the_applicant_answers_and_it_goes_back_to_whoever_asked(lending):
    application = apply(lending)
    review_application(actor=lending.agency, application=application, decision="approve", note="可")
    review_application(
        actor=lending.bank, application=application, decision="ask_more", note="请补充近三月流水"
    )

    application = answer_request(actor=lending.applicant, application=application, answer="已上传")

    assert application.status == S.GUARANTEED  # back with the bank, not the agency
    assert [r.decision for r in application.reviews.all()] == ["approve", "ask_more", ""]


def test_reviewers_decide_only_at_their_step_and_the_bank_lends_at_most_what_was_asked(lending):
    application = apply(lending, amount="30000")
    with pytest.raises(Conflict):  # the agency has not guaranteed it yet
        review_application(
            actor=lending.bank, application=application, decision="approve", note="x"
        )
    with pytest.raises(NotAllowed):
        review_application(
            actor=lending.office, application=application, decision="approve", note="x"
        )
    review_application(actor=lending.agency, application=application, decision="approve", note="可")

    with pytest.raises(InvalidInput):
        review_application(
            actor=lending.bank,
            application=application,
            decision="approve",
            note="放款",
            principal="30000.01",
            annual_rate_percent="5",
            lent_on=date(2018, 3, 1),
            due_on=date(2019, 3, 1),
        )
    assert not Loan.objects.exists()


def test_a_refused_application_can_no_longer_be_decided(lending):
    application = apply(lending)
    review_application(
        actor=lending.agency, application=application, decision="refuse", note="不符"
    )
    with pytest.raises(Conflict):
        review_application(
            actor=lending.agency, application=application, decision="approve", note="x"
        )


def test_financial_details_are_for_those_handling_the_application_and_every_opening_is_audited(
    lending, make_user
):
    from cuncun.accounts.models import Role
    from tests.conftest import township

    application = apply(lending)
    other_merchant = make_user("other", Role.MERCHANT, township("嘎洒镇"))

    assert open_application(actor=lending.agency, reference=application.reference) == application
    assert open_application(actor=lending.applicant, reference=application.reference)
    for outsider in (lending.bank, lending.office, other_merchant):  # the bank: not yet guaranteed
        with pytest.raises(NotFound):
            open_application(actor=outsider, reference=application.reference)
    readers = AuditEntry.objects.filter(action="loan_application.read").values_list(
        "actor__username", flat=True
    )
    assert sorted(readers) == ["agency", "merchant"]


def test_only_the_owner_applies_for_a_business(lending):
    with pytest.raises(NotAllowed):
        apply_for_loan(
            actor=lending.agency, merchant=lending.garden, amount="1000", purpose="x", term_months=6
        )


def test_an_application_carries_the_accepted_monthly_reports_of_the_last_twelve_months(
    lending, plan
):
    from django.utils import timezone

    from cuncun.monitoring.periods import add_months, month_start
    from cuncun.monitoring.services import (
        PlatformSales,
        accept_sales_report,
        submit_sales_report,
    )

    last_month = add_months(month_start(timezone.localdate()), -1)
    accepted = submit_sales_report(
        actor=lending.applicant,
        merchant=lending.garden,
        month=last_month,
        lines=[PlatformSales("taobao", Decimal("30000"), Decimal("2000"), 40, Decimal("500"))],
    )
    accept_sales_report(actor=lending.office, report=accepted)
    submit_sales_report(  # not accepted yet: not attached
        actor=lending.applicant,
        merchant=lending.garden,
        month=add_months(last_month, -1),
        lines=[PlatformSales("jd", Decimal("99999"), Decimal("0"), 1)],
    )

    application = apply(lending)

    [report] = application.sales_record["reports"]
    assert report["month"] == last_month.strftime("%Y-%m")
    assert report["online_retail"] == "32000.00"
    assert report["b2b"] == "500.00"
    assert report["orders"] == 40
    assert application.sales_record["reported_total"] == "32000.00"
