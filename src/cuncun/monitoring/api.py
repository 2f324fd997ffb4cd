from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.security import django_auth

from cuncun.core.errors import InvalidInput, NotAllowed, NotFound
from cuncun.core.indicators import registry
from cuncun.merchants.models import Merchant
from cuncun.monitoring import queries, services
from cuncun.monitoring.apps import FIGURE_READERS
from cuncun.monitoring.forms import read_month
from cuncun.monitoring.indicators import is_reported
from cuncun.monitoring.schemas import (
    IndicatorOut,
    IndicatorValueOut,
    ReportIn,
    ReportOut,
    SalesFilter,
    SalesOut,
)
from cuncun.plans.progress import evaluate
from cuncun.regions.queries import browse_root, find_unit

router = Router(tags=["indicators"])
monitoring_router = Router(tags=["monitoring"], auth=django_auth)


@router.get("/", response=list[IndicatorOut], summary="The program indicators")
def list_indicators(request):
    return [
        {"code": i.code, "name": str(i.name), "unit": i.unit, "description": str(i.description)}
        for i in registry.all()
    ]


@router.get("/{code}/", response=IndicatorValueOut, summary="An indicator for a region and a day")
def indicator_value(request, code: str, region: str | None = None, on: str | None = None):
    """`region`: division code or id (default: the caller's area, or the county);
    `on`: YYYY-MM-DD (default today). `met` compares with the plan's target in force that day.
    `value` is null with a `note` when there is nothing to measure (a reported indicator not
    reported for the period, a growth without last year's figures)."""
    unit = _unit(request.user, region)
    result = evaluate(code, unit, _parse_day(on)).as_dict()
    if result["value"] is None:
        result["note"] = (
            _("not reported for this period")
            if is_reported(code)
            else _("nothing to measure for this period")
        )
    return result


def _unit(user, region: str | None):
    unit = find_unit(user, region) if region else browse_root(user)
    if unit is None:
        raise NotFound(_("No divisions are loaded yet."), details={"region": region})
    return unit


def _parse_day(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(_("on must be a date as YYYY-MM-DD"), details={"on": value}) from error


# --- /api/monitoring/ -----------------------------------------------------------------------


def _month(value: str | None, name: str, default: date) -> date:
    if not value:
        return default
    month = read_month(value)
    if month is None:
        raise InvalidInput(_("%s must be a month as YYYY-MM") % name, details={name: value})
    return month


@monitoring_router.get("/sales/", response=SalesOut, summary="Online sales from the rollup")
def sales(request, filters: Query[SalesFilter]):
    """E-commerce transactions, online retail and farm products sold online (yuan), per month,
    township or goods category (`by`), for a region (code or id; default the caller's area)
    from month `from` to `to` (YYYY-MM; default this year)."""
    user = request.user
    if not (user.is_superuser or user.role in FIGURE_READERS):
        raise NotAllowed()
    today = timezone.localdate()
    first = _month(filters.from_, "from", date(today.year, 1, 1))
    last = _month(filters.to, "to", today.replace(day=1))
    if filters.by not in queries.GROUPINGS:
        raise InvalidInput(
            _("by must be one of: %s") % ", ".join(queries.GROUPINGS), details={"by": filters.by}
        )
    items = queries.sales_by(
        user, region=_unit(user, filters.region), first=first, last=last, by=filters.by
    )
    return {"items": items}


@monitoring_router.get("/reports/", response=list[ReportOut], summary="Sales reports I may see")
def list_reports(request, status: str = "", month: str | None = None):
    month_ = _month(month, "month", None) if month else None
    return [
        _report(r)
        for r in queries.report_list(request.user, status=status, month=month_).prefetch_related(
            "lines"
        )[:500]
    ]


@monitoring_router.post("/reports/", response={201: ReportOut}, summary="Submit a month's report")
def submit_report(request, data: ReportIn):
    merchant = Merchant.objects.select_related("region").filter(pk=data.merchant).first()
    month = read_month(data.month)
    if merchant is None:
        raise NotFound(details={"merchant": data.merchant})
    if month is None:
        raise InvalidInput(_("month must be a month as YYYY-MM"), details={"month": data.month})
    report = services.submit_sales_report(
        actor=request.user,
        merchant=merchant,
        month=month,
        lines=[services.PlatformSales(**line.dict()) for line in data.lines],
        reason=data.reason,
    )
    return Status(201, _report(report))


def _report(report) -> dict:
    return {
        "id": report.pk,
        "merchant": report.merchant_id,
        "month": f"{report.month:%Y-%m}",
        "revision": report.revision,
        "status": report.status,
        "counts": report.counts,
        "due_on": report.due_on,
        "late": report.is_late,
        "lines": [
            {
                "platform": line.platform,
                "farm_sales": line.farm_sales,
                "other_sales": line.other_sales,
                "orders": line.orders,
                "b2b_sales": line.b2b_sales,
            }
            for line in report.lines.all()
        ],
    }


routes = [("/indicators/", router), ("/monitoring/", monitoring_router)]
