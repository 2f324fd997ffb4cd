"""Reads of monitoring: reports from what the actor may see, the late and missing ones, the
figures of the statistics (from the rollup), and what other apps read (monthly_online_sales)."""

import hashlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.models import Role
from cuncun.catalog.models import CategoryKind
from cuncun.core.errors import NotFound
from cuncun.core.money import to_money
from cuncun.core.scoping import scope_of
from cuncun.logistics.models import EventKind, TrackingEvent
from cuncun.merchants.models import Merchant, MerchantKind
from cuncun.monitoring.apps import FIGURE_READERS
from cuncun.monitoring.models import (
    SALES_CHANNELS,
    DailyParcels,
    Goods,
    MonthlySales,
    ReportedValue,
    RollupVersion,
    SalesReport,
    SalesReportLine,
)
from cuncun.monitoring.periods import add_months, month_start, year_to_date
from cuncun.orders.models import OrderLine, OrderStatus
from cuncun.plans.models import ReportingForm
from cuncun.plans.queries import plan_in_force
from cuncun.regions.models import RegionUnit

# --- the records ----------------------------------------------------------------------------


# A cached rollup answer is dropped by the version first; this only bounds the memory it holds.
ROLLUP_CACHE_SECONDS = 60 * 60


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _sold_lines():
    """The market's order lines that are sales: paid and not refunded."""
    goods = Case(
        When(sku__product__category__kind=CategoryKind.FARM_PRODUCT, then=Value(Goods.FARM)),
        default=Value(Goods.OTHER),
        output_field=CharField(),
    )
    return OrderLine.objects.filter(order__status__in=OrderStatus.SOLD).annotate(goods=goods)


def market_sales_by_merchant(month: date, merchant_ids=None) -> dict[tuple[int, str], Decimal]:
    """(merchant id, goods) → the market's own sales paid in `month` (local time)."""
    start = local_midnight(month_start(month))
    end = local_midnight(add_months(month_start(month), 1))
    lines = _sold_lines()
    if merchant_ids is not None:
        lines = lines.filter(order__merchant_id__in=list(merchant_ids))
    rows = (
        lines.filter(order__paid_at__gte=start, order__paid_at__lt=end)
        .values("order__merchant_id", "goods")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    return {(r["order__merchant_id"], r["goods"]): r["amount"] for r in rows}


def reported_sales_by_merchant(month: date) -> dict[tuple[int, str, str], Decimal]:
    """(merchant id, platform, goods) → what the counted reports of `month` say."""
    rows = (
        SalesReportLine.objects.filter(report__counts=True, report__month=month_start(month))
        .values("report__merchant_id", "platform")
        .annotate(farm=Sum("farm_sales"), other=Sum("other_sales"), b2b=Sum("b2b_sales"))
        .order_by()
    )
    out = {}
    for r in rows:
        for goods, amount in (
            (Goods.FARM, r["farm"]),
            (Goods.OTHER, r["other"]),
            (Goods.B2B, r["b2b"]),
        ):
            out[(r["report__merchant_id"], r["platform"], goods)] = amount
    return out


def monthly_online_sales(*, year: int, merchant_ids=None) -> dict[int, dict[int, Decimal]]:
    """merchant id → {month 1..12 → that month's online sales in yuan}: farm products and other
    goods sold online (business-to-business sales not included), on every outside platform as
    the latest ACCEPTED revision of the month's report says, plus the market's own sales from
    its orders (paid, not refunded). A month without an accepted report is absent, even if the
    market has sales that month: the subsidy is paid on reported, accepted figures.

    Used by `funds` for the sales subsidy and its thresholds."""
    reports = SalesReport.objects.counted().filter(month__year=year)
    if merchant_ids is not None:
        reports = reports.filter(merchant_id__in=list(merchant_ids))
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for merchant_id, month, farm, other in reports.values_list("merchant_id", "month").annotate(
        farm=Sum("lines__farm_sales"), other=Sum("lines__other_sales")
    ):
        out[merchant_id][month.month] = to_money((farm or 0) + (other or 0))
    if not out:
        return {}
    market = (
        _sold_lines()
        .filter(
            order__merchant_id__in=list(out),
            order__paid_at__gte=local_midnight(date(year, 1, 1)),
            order__paid_at__lt=local_midnight(date(year + 1, 1, 1)),
        )
        .annotate(month=TruncMonth("order__paid_at"))
        .values_list("order__merchant_id", "month")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    for merchant_id, paid_month, amount in market:
        number = (
            timezone.localtime(paid_month).month
            if isinstance(paid_month, datetime)
            else paid_month.month
        )
        if number in out[merchant_id]:
            out[merchant_id][number] += amount
    return {merchant_id: dict(by_month) for merchant_id, by_month in out.items()}


def _deliveries():
    return TrackingEvent.objects.in_timeline().filter(kind=EventKind.DELIVERED)


def delivered_parcels_by_region(day: date) -> dict[tuple[int, str], int]:
    """(parcel's division id, direction) → parcels delivered on `day` (local time) for the first
    time: a parcel delivered again later (a carrier's repeated event) counts once."""
    start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
    earlier = _deliveries().filter(parcel_id=OuterRef("parcel_id"), occurred_at__lt=start)
    rows = (
        _deliveries()
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .exclude(Exists(earlier))
        .values("parcel__region_id", "parcel__direction")
        .annotate(parcels=Count("parcel_id", distinct=True))
        .order_by()
    )
    return {(r["parcel__region_id"], r["parcel__direction"]): r["parcels"] for r in rows}


def first_delivery_day() -> date | None:
    first = _deliveries().aggregate(at=Min("occurred_at"))["at"]
    return timezone.localtime(first).date() if first else None


def first_sales_month() -> date | None:
    """The earliest month the records have sales of (a market order or a report)."""
    first_paid = _sold_lines().aggregate(at=Min("order__paid_at"))["at"]
    first_reported = SalesReport.objects.aggregate(month=Min("month"))["month"]
    candidates = [month_start(timezone.localtime(first_paid).date())] if first_paid else []
    candidates += [first_reported] if first_reported else []
    return min(candidates, default=None)


# --- reports people see ---------------------------------------------------------------------


def visible_reports(user):
    """A merchant's account sees its own business's reports; staff those of their area."""
    reports = SalesReport.objects.select_related("merchant", "merchant__region", "submitted_by")
    if getattr(user, "role", "") == Role.MERCHANT:
        return reports.filter(merchant__owner=user)
    return reports.visible_to(user)


def visible_report(user, pk: int) -> SalesReport:
    report = (
        visible_reports(user).prefetch_related("lines").select_related("supersedes").filter(pk=pk)
    ).first()
    if report is None:
        raise NotFound(details={"report": pk})
    return report


def report_list(user, *, status: str = "", month: date | None = None, current_only=True):
    reports = visible_reports(user)
    if current_only:
        reports = reports.current()
    if status:
        reports = reports.filter(status=status)
    if month:
        reports = reports.filter(month=month_start(month))
    return reports.order_by("-month", "merchant__name")


def reporting_merchants(user):
    """The businesses a person reports for: their own, or (staff) those without an account in
    their area."""
    if getattr(user, "role", "") == Role.MERCHANT:
        return Merchant.objects.filter(owner=user, is_active=True)
    if getattr(user, "role", "") not in {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF} and not (
        getattr(user, "is_superuser", False)
    ):
        return Merchant.objects.none()
    return Merchant.objects.visible_to(user).filter(owner__isnull=True, is_active=True)


def missing_reports(user, month: date):
    """Active businesses of the actor's area with no report at all for `month`."""
    return (
        Merchant.objects.visible_to(user)
        .filter(is_active=True)
        .exclude(sales_reports__month=month_start(month))
        .select_related("region")
        .order_by("region__path", "name")
    )


def late_reports(user, month: date):
    """First reports of `month` that came in after their due date."""
    return [
        r for r in visible_reports(user).filter(month=month_start(month), revision=1) if r.is_late
    ]


def market_retail(merchant_id: int, month: date) -> dict[str, Decimal]:
    """goods → the market's own sales of a merchant in a month, for its report's page."""
    sales = market_sales_by_merchant(month, merchant_ids=[merchant_id])
    return {goods: amount for (_merchant, goods), amount in sales.items()}


def revisions_of(report: SalesReport) -> list[SalesReport]:
    return list(
        SalesReport.objects.filter(merchant_id=report.merchant_id, month=report.month)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-revision")
    )


def reported_values(user):
    """Reported values are the county's figures: every county-wide role and township staff
    read them (FIGURE_READERS), with their evidence."""
    if scope_of(user).is_public or not (user.is_superuser or user.role in FIGURE_READERS):
        return ReportedValue.objects.none()
    return ReportedValue.objects.select_related("entered_by", "reviewed_by")


def reported_value_for(user, pk: int) -> ReportedValue:
    """One reported value (for its evidence file), if the person reads reported values."""
    entry = reported_values(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound()
    return entry


def indicator_reporting_rules():
    """The plan's rules for reported indicators (who enters which), with their member unit."""
    plan = plan_in_force()
    if plan is None:
        return []
    return list(
        plan.reporting_rules.filter(form=ReportingForm.INDICATOR).select_related("member_unit")
    )


def latest_reported_value(indicator: str, day: date) -> ReportedValue | None:
    """The newest accepted value of the newest period that started by `day`."""
    return (
        ReportedValue.objects.counted()
        .filter(indicator=indicator, period_start__lte=day)
        .order_by("-period_start", "-reviewed_at", "-id")
        .first()
    )


# --- statistics from the rollup -------------------------------------------------------------

GROUPINGS = {
    "month": "month",
    "township": "township_id",
    "category": "goods",
    "platform": "channel",
    "kind": "merchant_kind",
    "poor_village": "poor_village",
    "poverty_registered": "poverty_registered",
}


def rollup_rows(user, region: RegionUnit, first: date, last: date):
    """The rollup rows of `region` from month `first` to `last`, within what `user` may see."""
    return MonthlySales.objects.visible_to(user).filter(
        region_path__startswith=region.path, month__gte=month_start(first), month__lte=last
    )


def sales_by(user, *, region: RegionUnit, first: date, last: date, by: str) -> list[dict]:
    """E-commerce transactions, online retail and farm products sold online, grouped `by` one
    of GROUPINGS, from the rollup; with the parcels delivered where parcels can be grouped so
    (by month and by township; None otherwise)."""
    column = GROUPINGS[by]
    rows = {
        r[column]: r
        for r in from_rollup(
            rollup_rows(user, region, first, last)
            .values(column)
            .annotate(
                transactions=Sum("amount"),
                online_retail=Sum("amount", filter=Q(goods__in=Goods.RETAIL)),
                farm_products=Sum("amount", filter=Q(goods=Goods.FARM)),
            )
            .order_by()
        )
    }
    parcels = parcels_by(user, region=region, first=first, last=last, by=by)
    keys = sorted(set(rows) | set(parcels or {}), key=lambda k: (k is None, k))
    labels = _labels(by, keys)
    return [
        {
            "key": _key(key),
            "label": labels.get(key, str(key)),
            "transactions": to_money(rows.get(key, {}).get("transactions") or 0),
            "online_retail": to_money(rows.get(key, {}).get("online_retail") or 0),
            "farm_products": to_money(rows.get(key, {}).get("farm_products") or 0),
            "parcels": None if parcels is None else parcels.get(key, 0),
        }
        for key in keys
    ]


PARCEL_GROUPINGS = {"month": TruncMonth("day"), "township": F("township_id")}


def parcel_rows(user, region: RegionUnit, first: date, last: date):
    """The parcels rollup rows of `region` from the first day of month `first` to the last day
    of month `last`, within what `user` may see."""
    return DailyParcels.objects.visible_to(user).filter(
        region_path__startswith=region.path,
        day__gte=month_start(first),
        day__lt=add_months(month_start(last), 1),
    )


def parcels_by(user, *, region: RegionUnit, first: date, last: date, by: str) -> dict | None:
    """key → parcels delivered, grouped by month or township; None for a grouping parcels do
    not have (goods, platform, kind of business …)."""
    group = PARCEL_GROUPINGS.get(by)
    if group is None:
        return None
    rows = from_rollup(
        parcel_rows(user, region, first, last)
        .annotate(key=group)
        .values("key")
        .annotate(parcels=Sum("parcels"))
        .order_by()
    )
    return {r["key"]: r["parcels"] for r in rows}


def _key(value):
    return f"{value:%Y-%m}" if isinstance(value, date) else value


def _labels(by: str, keys: list) -> dict:
    if by == "township":
        return dict(RegionUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    choices = {
        "category": Goods.choices,
        "platform": SALES_CHANNELS,
        "kind": MerchantKind.choices,
        "poor_village": [(True, _("poor villages")), (False, _("other villages"))],
        "poverty_registered": [(True, _("poverty-registered")), (False, _("others"))],
    }.get(by)
    if choices is None:
        return {k: _key(k) for k in keys}
    return {k: str(label) for k, label in choices}


def total_sales(region: RegionUnit, first: date, last: date, goods=None) -> Decimal:
    """The county's (or a unit's) sales over months, of the given goods (all when None), from
    the rollup; for the indicators, which are public figures."""
    rows = MonthlySales.objects.filter(
        region_path__startswith=region.path, month__gte=first, month__lte=last
    )
    if goods is not None:
        rows = rows.filter(goods__in=goods)
    totals = from_rollup(rows.values("month").annotate(total=Sum("amount")).order_by())
    return to_money(sum((r["total"] for r in totals), Decimal(0)))


def has_demo_reports() -> bool:
    return SalesReport.objects.filter(is_demo=True).exists()


def last_rollup_at():
    return RollupVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()


def rollup_version() -> tuple:
    """The rollups' version and when it moved: a version number that a rolled-back rebuild
    gave back is told apart by its time."""
    return RollupVersion.objects.filter(pk=1).values_list("version", "changed_at").first() or (0,)


def from_rollup(rows) -> list:
    """The rows of a query on the rollups, cached under the query's SQL and the rollups'
    version: a rebuild anywhere moves the version, so a cached answer is never older than the
    rollup (one read of one row instead of an aggregate over the whole rollup)."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (`pk__in=[]`): no query to run
        return []
    digest = hashlib.sha256(repr((sql, params, rollup_version())).encode()).hexdigest()
    key = f"monitoring:rollup:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = list(rows)
        cache.set(key, cached, ROLLUP_CACHE_SECONDS)
    return cached


# What the statistics page breaks the figures down by, in the order of its tabs.
BREAKDOWNS = ["township", "category", "platform", "kind", "poor_village", "poverty_registered"]


def growth(now: Decimal, before: Decimal) -> Decimal | None:
    """Year-on-year growth as a share (0.30 = +30%); None without last year's figure."""
    if not before:
        return None
    return ((now - before) / before).quantize(Decimal("0.0001"))  # shown as 12.34%


def breakdown(user, *, region: RegionUnit, by: str, day: date) -> list[dict]:
    """The year-to-date statistics grouped `by`, each with the same months of the year before
    and the year-on-year growth of transactions and online retail."""
    first, last = year_to_date(day)
    now = sales_by(user, region=region, first=first, last=last, by=by)
    before = {
        item["key"]: item
        for item in sales_by(
            user, region=region, first=add_months(first, -12), last=add_months(last, -12), by=by
        )
    }
    zero = {"transactions": Decimal(0), "online_retail": Decimal(0), "parcels": None}
    return [
        {
            **item,
            "last_year": before.get(item["key"], zero),
            "transactions_growth": growth(
                item["transactions"], before.get(item["key"], zero)["transactions"]
            ),
            "online_retail_growth": growth(
                item["online_retail"], before.get(item["key"], zero)["online_retail"]
            ),
        }
        for item in now
    ]


CENTS = Decimal("0.00")


def accepted_monthly_reports(merchant_id: int, since: date, until: date) -> list[dict]:
    """A business's accepted monthly reports (the latest accepted revision of each month) for
    the months from `since` to `until`, oldest first, with each outside platform's figures.
    Registered in `core.sales` for the loan applications of `financing`."""
    reports = (
        SalesReport.objects.counted()
        .filter(merchant_id=merchant_id, month__gte=since.replace(day=1), month__lte=until)
        .prefetch_related("lines")
        .order_by("month")
    )
    return [
        {
            "month": report.month.strftime("%Y-%m"),
            "revision": report.revision,
            "online_retail": str(
                sum((line.farm_sales + line.other_sales for line in report.lines.all()), CENTS)
            ),
            "b2b": str(sum((line.b2b_sales for line in report.lines.all()), CENTS)),
            "orders": sum(line.orders for line in report.lines.all()),
            "platforms": [line.get_platform_display() for line in report.lines.all()],
        }
        for report in reports
    ]
