"""Pages of monitoring: the sales reports (list with the late and missing ones, the form, one
report with its revisions and review, the import sheet) and the dashboard. Thin: the rules are in
services.py, the reads in queries.py and dashboard.py."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.core.errors import DomainError, NotFound
from cuncun.core.exports import xlsx_response
from cuncun.core.files import stored_file_response
from cuncun.core.pages import carry_out
from cuncun.merchants.models import Platform
from cuncun.monitoring import dashboard as panels
from cuncun.monitoring import exports, forms, queries, services
from cuncun.monitoring.apps import FIGURE_READERS, REPORTERS
from cuncun.monitoring.models import ReviewStatus
from cuncun.monitoring.periods import add_months, month_start, year_to_date
from cuncun.regions.queries import browse_root


def _require_role(user, roles) -> None:
    if not (user.is_superuser or user.role in roles):
        raise PermissionDenied(_("Your role may not do this."))


def _last_month():
    return add_months(month_start(timezone.localdate()), -1)


@login_required
def report_list(request):
    _require_role(request.user, REPORTERS | FIGURE_READERS)
    user = request.user
    month = forms.read_month(request.GET.get("month", "")) or _last_month()
    status = request.GET.get("status", "")
    staff = user.role != "merchant"
    return render(
        request,
        "monitoring/reports.html",
        {
            "reports": queries.report_list(user, status=status)[:200],
            "status": status,
            "statuses": ReviewStatus.choices,
            "month": month,
            "missing": queries.missing_reports(user, month)[:200] if staff else [],
            "late": queries.late_reports(user, month) if staff else [],
            "may_report": queries.reporting_merchants(user).exists(),
            "is_reviewer": services.is_reviewer(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    user = request.user
    merchants = queries.reporting_merchants(user).select_related("region").order_by("name")
    chosen = request.POST.get("merchant") or request.GET.get("merchant") or ""
    month_text = request.POST.get("month") or request.GET.get("month") or f"{_last_month():%Y-%m}"
    if request.method == "POST":
        merchant = merchants.filter(pk=chosen).first() if chosen.isdigit() else None
        month = forms.read_month(month_text)
        if merchant is None or month is None:
            messages.error(request, _("Choose the business and the month."))
        else:
            report = None

            def submit():
                nonlocal report
                report = services.submit_sales_report(
                    actor=user,
                    merchant=merchant,
                    month=month,
                    lines=forms.posted_lines(request.POST),
                    reason=request.POST.get("reason", ""),
                )

            if carry_out(request, submit, _("The report was submitted to the county office.")):
                return redirect("monitoring:report", pk=report.pk)
    return render(
        request,
        "monitoring/report_form.html",
        {
            "merchants": merchants,
            "chosen": chosen,
            "month": month_text,
            "platforms": Platform.choices,
            "values": request.POST,
        },
    )


@login_required
def report_page(request, pk: int):
    report = queries.visible_report(request.user, pk)
    return render(
        request,
        "monitoring/report.html",
        {
            "report": report,
            "lines": report.lines.all(),
            "market": queries.market_retail(report.merchant_id, report.month),
            "history": queries.revisions_of(report),
            "may_review": services.is_reviewer(request.user)
            and report.status == ReviewStatus.SUBMITTED
            and not hasattr(report, "superseded_by"),
            "may_revise": services.may_report_for(request.user, report.merchant),
        },
    )


@login_required
@require_POST
def review(request, pk: int, decision: str):
    report = queries.visible_report(request.user, pk)
    if decision == "accept":
        carry_out(
            request,
            lambda: services.accept_sales_report(actor=request.user, report=report),
            _("Accepted: the figures now count this report."),
        )
    else:
        carry_out(
            request,
            lambda: services.return_sales_report(
                actor=request.user, report=report, note=request.POST.get("note", "")
            ),
            _("Returned to the reporter."),
        )
    return redirect("monitoring:report", pk=pk)


SHEET_HEADER = [
    "编号 merchant id",
    "名称 name",
    "月份 month (YYYY-MM)",
    "平台 platform",
    "农产品网络销售额（元）farm products",
    "其他商品网络销售额（元）other goods",
    "订单数 orders",
    "B2B销售额（元）B2B",
    "修订原因 reason for a revision",
]


@login_required
def import_template(request):
    """The import sheet, one row per business the person reports for and per outside shop."""
    month = f"{_last_month():%Y-%m}"
    merchants = queries.reporting_merchants(request.user).prefetch_related("platform_shops")
    labels = dict(Platform.choices)
    rows = [
        [m.pk, m.name, month, platform, None, None, None, None, None]
        for m in merchants.order_by("name")
        # A business without a recorded outside shop gets one row whose platform is to be filled.
        for platform in ([str(labels[s.platform]) for s in m.platform_shops.all()] or [None])
    ]
    return xlsx_response("sales-report-template.xlsx", {_("Sales reports"): (SHEET_HEADER, rows)})


@login_required
@require_http_methods(["GET", "POST"])
def import_reports(request):
    _require_role(request.user, REPORTERS)
    problems = []
    if request.method == "POST" and request.FILES.get("sheet"):
        try:
            rows = forms.sheet_rows(request.FILES["sheet"])
            reports = services.import_sales_reports(actor=request.user, rows=rows)
        except DomainError as error:
            messages.error(request, str(error.message))
            problems = error.details.get("rows", []) if isinstance(error.details, dict) else []
        except (ValueError, KeyError, OSError):
            messages.error(request, _("The file is not an xlsx workbook made from the template."))
        else:
            messages.success(request, _("%(n)d report(s) imported.") % {"n": len(reports)})
            return redirect("monitoring:reports")
    return render(request, "monitoring/import.html", {"problems": problems})


# --- exports -------------------------------------------------------------------------------


@login_required
def monthly_statistics(request):
    _require_role(request.user, FIGURE_READERS)
    month = forms.read_month(request.GET.get("month", "")) or _last_month()
    region = browse_root(request.user)
    header, rows = exports.monthly_statistics(request.user, region, month)
    return xlsx_response(
        f"statistics-{month:%Y-%m}.xlsx", {_("Online sales %s") % f"{month:%Y-%m}": (header, rows)}
    )


@login_required
def enterprise_compilation(request):
    _require_role(request.user, FIGURE_READERS)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else _last_month().year
    header, rows = exports.enterprise_compilation(request.user, year)
    return xlsx_response(
        f"enterprise-statistics-{year}.xlsx", {_("Enterprises %s") % year: (header, rows)}
    )


# --- the dashboard --------------------------------------------------------------------------


@login_required
def dashboard(request):
    _require_role(request.user, FIGURE_READERS)
    board = panels.board(request.user)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "board": board,
            "big_screen": request.GET.get("screen") == "big",
            "demo_figures": queries.has_demo_reports(),
            "labels": {
                "transactions": _("E-commerce transactions (yuan)"),
                "parcels": _("Parcels delivered"),
            },
        },
    )


@login_required
def dashboard_data(request):
    _require_role(request.user, FIGURE_READERS)
    try:
        return JsonResponse(panels.board(request.user).as_json())
    except NotFound as error:
        return JsonResponse(error.as_dict(), status=404)


# --- transaction statistics ---------------------------------------------------------------

BREAKDOWN_TITLES = {
    "township": gettext_lazy("by township"),
    "category": gettext_lazy("by goods"),
    "platform": gettext_lazy("by platform"),
    "kind": gettext_lazy("by kind of business"),
    "poor_village": gettext_lazy("poor villages and others"),
    "poverty_registered": gettext_lazy("poverty-registered households and others"),
}


@login_required
def statistics(request, by: str):
    """The transaction statistics of the year to date broken down one way (poor villages,
    poverty-registered households, townships …), against the same months of the year before."""
    _require_role(request.user, FIGURE_READERS)
    if by not in queries.BREAKDOWNS:
        raise Http404
    region = browse_root(request.user)
    if region is None:
        raise Http404
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today)
    day = date(year + 1, 1, 1) if year < today.year else today
    first, last = year_to_date(day)
    return render(
        request,
        "monitoring/statistics.html",
        {
            "region": region,
            "by": by,
            "tabs": [(key, BREAKDOWN_TITLES[key]) for key in queries.BREAKDOWNS],
            "title": BREAKDOWN_TITLES[by],
            "first": first,
            "last": last,
            "year": year,
            "years": list(range(today.year, today.year - 4, -1)),
            "rows": queries.breakdown(request.user, region=region, by=by, day=day),
            "demo_figures": queries.has_demo_reports(),
        },
    )


def _year(text: str | None, today: date) -> int:
    """The year asked for, or this one (a year to come or unreadable reads as this one)."""
    try:
        year = int(text or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


# --- reported indicators --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reported_values(request):
    """Values of the targets the records cannot hold: the member unit enters them with their
    evidence, the office accepts or returns them."""
    user = request.user
    rules = queries.indicator_reporting_rules()
    if request.method == "POST" and request.POST.get("entry"):
        entry = queries.reported_values(user).filter(pk=request.POST["entry"]).first()
        if entry is not None:
            carry_out(
                request,
                lambda: services.review_reported_value(
                    actor=user, entry=entry, accept=request.POST.get("decision") == "accept"
                ),
                _("Reviewed."),
            )
        return redirect("monitoring:reported_values")
    if request.method == "POST":
        period = forms.read_month(request.POST.get("period", ""))
        if period is None:
            messages.error(request, _("Choose the period."))
        elif carry_out(
            request,
            lambda: services.enter_reported_value(
                actor=user,
                indicator=request.POST.get("indicator", ""),
                period_start=period,
                value=request.POST.get("value", "").strip(),
                evidence=request.FILES.get("evidence"),
                note=request.POST.get("note", ""),
            ),
            _("Entered; the county office will review it."),
        ):
            return redirect("monitoring:reported_values")
    return render(
        request,
        "monitoring/reported_values.html",
        {
            "rules": [r for r in rules if services.may_enter_value(user, r)],
            "values": queries.reported_values(user)[:100],
            "is_reviewer": services.is_reviewer(user),
        },
    )


def evidence_file(request, pk: int):
    """A reported value's evidence, for those who read reported values (404 for anyone else)."""
    entry = queries.reported_value_for(request.user, pk)
    return stored_file_response(entry.evidence, public=False)
