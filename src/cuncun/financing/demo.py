"""Demo loan applications (fictional): the demo merchant's tea garden has a loan granted and
partly repaid and a second application with the agency; the demo host's homestay was asked for
more. Safe to run twice."""

from datetime import date

from django.db import transaction

from cuncun.accounts.models import User
from cuncun.financing.models import LoanApplication
from cuncun.financing.services import (
    apply_for_loan,
    record_repayment,
    review_application,
)
from cuncun.merchants.models import Merchant

# An application attaches the business's monthly sales reports, which monitoring's demo (an app
# below this one) writes: this demo runs after every other.
RUNS_AFTER_OTHERS = True


def load_demo() -> None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["merchant", "host", "agency", "bank"])
    }
    if len(users) < 4 or LoanApplication.objects.filter(is_demo=True).exists():
        return
    with transaction.atomic():
        garden = Merchant.objects.filter(owner=users["merchant"], is_demo=True).first()
        homestay = Merchant.objects.filter(owner=users["host"], is_demo=True).first()
        if garden is not None:
            _lent(garden, users)
            _apply(garden, users["merchant"], "30000", "购置茶叶真空包装机（演示）", 12)
        if homestay is not None:
            application = _apply(homestay, users["host"], "80000", "竹楼客房改造（演示）", 24)
            review_application(
                actor=users["agency"],
                application=application,
                decision="ask_more",
                note="请补充近一年的入住记录和房屋产权证明（演示）",
            )


def _apply(merchant, owner, amount, purpose, months) -> LoanApplication:
    return apply_for_loan(
        actor=owner,
        merchant=merchant,
        amount=amount,
        purpose=purpose,
        term_months=months,
        is_demo=True,
    )


def _lent(garden, users) -> None:
    application = _apply(garden, users["merchant"], "100000", "扩建茶叶初制所（演示）", 24)
    review_application(
        actor=users["agency"], application=application, decision="approve", note="同意担保（演示）"
    )
    application = review_application(
        actor=users["bank"],
        application=application,
        decision="approve",
        note="同意放款（演示）",
        principal="80000",
        annual_rate_percent="5.25",
        lent_on=date(2017, 9, 1),
        due_on=date(2019, 9, 1),
    )
    record_repayment(
        actor=users["bank"], loan=application.loan, amount="20000", paid_on=date(2018, 3, 1)
    )
