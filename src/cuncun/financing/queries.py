"""Reads of financing: the records attached to an application, and the applications each person
may see (the applicant its own, the agency all, the bank those that reached it, the county office
the pipeline without the financial details)."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from cuncun.accounts.roles import Role
from cuncun.core.errors import NotFound
from cuncun.core.models import id_number_q
from cuncun.core.sales import reported_sales
from cuncun.financing.models import ApplicationStatus, Loan, LoanApplication
from cuncun.orders.models import Order, OrderStatus
from cuncun.training.models import Attendance

SALES_MONTHS = 12


def sales_record(merchant, *, until: date) -> dict:
    """The merchant's paid (not refunded) market orders in the 12 months before `until`, by
    month, and its accepted monthly sales reports of those months (kept by monitoring, read
    through `core.sales`): what it sold on the outside platforms."""
    since = until - timedelta(days=365)
    rows = (
        Order.objects.filter(
            merchant=merchant, status__in=OrderStatus.SOLD, paid_at__date__gte=since
        )
        .filter(paid_at__date__lte=until)
        .annotate(month=TruncMonth("paid_at"))
        .values("month")
        .annotate(orders=Count("id"), total=Sum("total"))
        .order_by("month")
    )
    months = [
        {"month": r["month"].strftime("%Y-%m"), "orders": r["orders"], "total": str(r["total"])}
        for r in rows
    ]
    reports = reported_sales(merchant.pk, since, until)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "orders": sum(m["orders"] for m in months),
        "total": str(sum((Decimal(m["total"]) for m in months), Decimal("0.00"))),
        "months": months,
        "reports": reports,
        "reported_total": str(sum((Decimal(r["online_retail"]) for r in reports), Decimal("0.00"))),
    }


def training_record(merchant) -> list[dict]:
    """The training sessions attended by the merchant's people: found by the merchant's ID
    number, its contact phone or its owner's phone (as the training follow-up links them)."""
    phones = {p for p in (merchant.contact_phone, getattr(merchant.owner, "phone", "")) if p}
    match = Q(trainee__phone__in=phones) if phones else Q(pk__in=[])
    if merchant.id_number:
        match |= id_number_q([merchant.id_number], "trainee__")
    # One row per person and session (人次), however many days they attended.
    sessions = (
        Attendance.objects.filter(match)
        .values("trainee__name", "session__course__name", "session__code", "session__starts_on")
        .distinct()
        .order_by("session__starts_on", "session__code", "trainee__name")
    )
    return [
        {
            "trainee": a["trainee__name"],
            "course": a["session__course__name"],
            "session": a["session__code"],
            "on": a["session__starts_on"].isoformat(),
        }
        for a in sessions
    ]


def is_office(user) -> bool:
    return getattr(user, "is_authenticated", False) and (
        user.is_superuser or user.role == Role.COUNTY_OFFICE
    )


def handled_by(user):
    """The applications whose details (purpose, sales, training, loan) the person may read:
    those who handle them. The county office is not among them: it sees the pipeline."""
    applications = LoanApplication.objects.select_related("merchant")
    if not getattr(user, "is_authenticated", False):
        return applications.none()
    if user.role == Role.GUARANTEE_AGENCY:
        return applications
    if user.role == Role.BANK:
        return applications.filter(reached_bank=True)
    return applications.filter(merchant__owner=user)


def application_for(user, reference: str) -> LoanApplication:
    application = (
        handled_by(user)
        .filter(reference=reference)
        .select_related("merchant__owner", "applied_by")
        .prefetch_related("reviews__actor")
        .first()
    )
    if application is None:
        raise NotFound()
    return application


def pipeline(user) -> dict:
    """The county office's view: how many applications at each step and for how much, and the
    loans' totals. No purpose, sales or training: those stay with the handlers."""
    if not is_office(user):
        return {}
    by_status = dict(
        (row["status"], row)
        for row in LoanApplication.objects.values("status").annotate(
            count=Count("id"), amount=Sum("amount")
        )
    )
    loans = Loan.objects.aggregate(
        count=Count("id"), principal=Sum("principal"), repaid=Sum("repaid")
    )
    return {
        "steps": [
            (
                label,
                by_status.get(code, {}).get("count", 0),
                by_status.get(code, {}).get("amount") or 0,
            )
            for code, label in ApplicationStatus.choices
        ],
        "loans": loans["count"],
        "principal": loans["principal"] or Decimal("0.00"),
        "repaid": loans["repaid"] or Decimal("0.00"),
        "outstanding": (loans["principal"] or 0) - (loans["repaid"] or 0),
        "applications": LoanApplication.objects.select_related("merchant__region").order_by("-id")[
            :200
        ],
    }
