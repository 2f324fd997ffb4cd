"""Every write of monitoring: sales reports (submit, revise, accept, return, import) and reported
indicator values. Each runs in one transaction with its audit row; the rollup of the month is
refreshed by a task queued when the transaction commits."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.models import Role
from cuncun.core import audit
from cuncun.core.checks import number_out_of_range, text_too_long
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, row_problem
from cuncun.core.scoping import scope_of
from cuncun.merchants.models import Merchant, Platform
from cuncun.monitoring.models import (
    ReportedValue,
    ReviewStatus,
    SalesReport,
    SalesReportLine,
)
from cuncun.monitoring.periods import month_start, reportable
from cuncun.monitoring.tasks import sales_changed
from cuncun.plans.models import ReportingForm
from cuncun.plans.queries import plan_in_force, reporting_rule

MONEY_FIELDS = ("farm_sales", "other_sales", "b2b_sales")
PLATFORMS = dict(Platform.choices)

# --- who may do what ------------------------------------------------------------------------


def is_reviewer(actor) -> bool:
    """The county office accepts and returns reports (the plan's 市电商办 runs the statistics);
    None is the system itself (the demo loader)."""
    if actor is None:
        return True
    return getattr(actor, "is_authenticated", False) and actor.manages_reference_data


def may_report_for(actor, merchant: Merchant) -> bool:
    """A business reports its own figures through its owner's account; for one without an
    account, the township staff of its area or the county office report for it. None is the
    system itself (the demo loader)."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    if merchant.owner_id is not None:
        return actor.pk == merchant.owner_id or actor.is_superuser
    if actor.manages_reference_data:
        return True
    return actor.role == Role.TOWNSHIP_STAFF and scope_of(actor).covers(merchant.region.path)


def _require_reporter(actor, merchant: Merchant) -> None:
    if may_report_for(actor, merchant):
        return
    if merchant.owner_id is not None:
        raise NotAllowed(
            _("%(merchant)s reports its own figures through its owner's account.")
            % {"merchant": merchant.name}
        )
    raise NotAllowed(
        _("Only the township staff of its area or the county office may report for %(merchant)s.")
        % {"merchant": merchant.name}
    )


def _require_reviewer(actor) -> None:
    if not is_reviewer(actor):
        raise NotAllowed(_("Only the county e-commerce office reviews reports."))


# --- sales reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformSales:
    """What a report says of one outside platform."""

    platform: str
    farm_sales: Decimal
    other_sales: Decimal
    orders: int
    b2b_sales: Decimal = Decimal(0)


def due_on(month: date, *, county=None) -> date:
    """When the report for `month` is due, from the plan's [[reporting]] rule."""
    rule = reporting_rule(
        plan_in_force(county, on=month_start(month)), form=ReportingForm.ENTERPRISE_SALES
    )
    if rule is None:
        raise InvalidInput(_("The plan says nothing about sales reports ([[reporting]])."))
    return rule.due_on(month_start(month))


def line_problems(lines: list[PlatformSales]) -> list[str]:
    """Everything wrong with a report's figures, in words; empty when they may be saved."""
    problems = []
    seen = set()
    for line in lines:
        label = PLATFORMS.get(line.platform)
        if label is None:
            problems.append(_("Unknown platform: %s") % line.platform)
            continue
        if line.platform in seen:
            problems.append(_("%s appears twice.") % label)
        seen.add(line.platform)
        for name in MONEY_FIELDS:
            problem = number_out_of_range(SalesReportLine, name, getattr(line, name), low=0)
            if problem:
                problems.append(f"{label}: {problem}")
        if not isinstance(line.orders, int) or isinstance(line.orders, bool) or line.orders < 0:
            problems.append(_("%s: orders must be a whole number, 0 or more.") % label)
    return problems


def submit_sales_report(
    *, actor, merchant: Merchant, month: date, lines: list[PlatformSales], reason: str = ""
) -> SalesReport:
    """Report a month's online sales on outside platforms. If the month was reported before,
    this is a revision: it needs a reason and supersedes the newest revision, which stays on
    record (and counted, if accepted, until the office accepts this one)."""
    _require_reporter(actor, merchant)
    month = month_start(month)
    today = timezone.localdate()
    problems = line_problems(lines)
    if not reportable(month, today):
        problems.insert(0, _("A month can be reported once it is over."))
    reason = reason.strip()
    if problem := text_too_long(SalesReport, "reason", reason):
        problems.append(problem)
    if problems:
        raise InvalidInput("；".join(problems), details={"problems": problems})
    due = due_on(month, county=merchant.region.county())
    with transaction.atomic():
        # One report of a business is written at a time: its row is the lock.
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
        previous = SalesReport.objects.filter(merchant=merchant, month=month).current().first()
        if previous is not None and not reason:
            raise InvalidInput(
                _("%(month)s was reported before: say why it is revised.")
                % {"month": f"{month:%Y-%m}"}
            )
        report = SalesReport.objects.create(
            merchant=merchant,
            month=month,
            revision=previous.revision + 1 if previous else 1,
            supersedes=previous,
            reason=reason,
            due_on=due,
            submitted_by=actor,
            submitted_at=timezone.now(),
            is_demo=merchant.is_demo,
        )
        SalesReportLine.objects.bulk_create(
            SalesReportLine(report=report, **vars(line)) for line in lines
        )
        audit.record(
            actor=actor,
            action="monitoring.sales_report.submit",
            obj=report,
            after={"lines": [_plain(vars(line)) for line in lines], "due_on": str(due)},
            reason=reason,
        )
    return report


def accept_sales_report(*, actor, report: SalesReport) -> SalesReport:
    """The office accepts a revision: from now on it is the one the figures count."""
    _require_reviewer(actor)
    with transaction.atomic():
        report = _lock_for_review(report)
        SalesReport.objects.filter(
            merchant=report.merchant_id, month=report.month
        ).counted().update(counts=False)
        _review(actor, report, ReviewStatus.ACCEPTED, note="", counts=True)
    sales_changed(report.month)
    return report


def return_sales_report(*, actor, report: SalesReport, note: str) -> SalesReport:
    """The office sends a revision back with what to fix; the figures keep the last accepted
    revision, if any, until a corrected one is accepted."""
    _require_reviewer(actor)
    note = note.strip()
    if not note:
        raise InvalidInput(_("Say what is to be corrected."))
    if problem := text_too_long(SalesReport, "review_note", note):
        raise InvalidInput(problem)
    with transaction.atomic():
        report = _lock_for_review(report)
        _review(actor, report, ReviewStatus.RETURNED, note=note, counts=False)
    return report


def _lock_for_review(report: SalesReport) -> SalesReport:
    report = SalesReport.objects.select_for_update().select_related("merchant").get(pk=report.pk)
    if SalesReport.objects.filter(supersedes=report).exists():
        raise Conflict(_("A newer revision of this report exists: review that one."))
    if report.status != ReviewStatus.SUBMITTED:
        raise Conflict(
            _("This report was already %(status)s.") % {"status": report.get_status_display()}
        )
    return report


def _review(actor, report: SalesReport, status: str, *, note: str, counts: bool) -> None:
    before = audit.snapshot(report, ["status", "counts"])
    report.status = status
    report.counts = counts
    report.review_note = note
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "counts", "review_note", "reviewed_by", "reviewed_at"])
    audit.record(
        actor=actor,
        action=f"monitoring.sales_report.{status}",
        obj=report,
        before=before,
        after=audit.snapshot(report, ["status", "counts"]),
        reason=note,
    )


def _plain(values: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


# --- bulk import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One row of the import sheet, as read (texts, numbers or None)."""

    number: int
    merchant_id: object
    month: object
    platform: object
    farm_sales: object
    other_sales: object
    orders: object
    b2b_sales: object
    reason: object


def import_sales_reports(*, actor, rows: list[ImportRow]) -> list[SalesReport]:
    """Many businesses' reports from one sheet, all or nothing: every bad row is reported with
    its row number and nothing is saved; otherwise each business and month becomes one report
    (a revision where the month was reported before)."""
    problems: list[dict] = []
    grouped: dict[tuple[int, date], dict] = {}
    merchants = Merchant.objects.select_related("region").in_bulk(
        {r.merchant_id for r in rows if isinstance(r.merchant_id, int)}
    )
    for row in rows:
        merchant = merchants.get(row.merchant_id) if isinstance(row.merchant_id, int) else None
        month = _read_month(row.month)
        line_problem = []
        if merchant is None:
            line_problem.append(("unknown_merchant", _("no business with this number")))
        elif not may_report_for(actor, merchant):
            line_problem.append(("not_yours", _("you may not report for %s") % merchant.name))
        if month is None:
            line_problem.append(("bad_month", _("the month is written as YYYY-MM")))
        elif not reportable(month, timezone.localdate()):
            line_problem.append(("month_not_over", _("a month can be reported once it is over")))
        line = _read_line(row, line_problem)
        for code, reason in line_problem:
            problems.append(row_problem(row.number, code, reason))
        if line_problem:
            continue
        group = grouped.setdefault((merchant.pk, month), {"merchant": merchant, "lines": []})
        group["lines"].append(line)
        group["reason"] = group.get("reason") or str(row.reason or "")
    if not rows:
        problems.append(row_problem("file", "empty", _("the sheet has no rows")))
    if problems:
        raise InvalidInput(
            _("%(n)d row(s) have problems; nothing was imported.") % {"n": len(problems)},
            details={"rows": problems},
        )
    with transaction.atomic():
        return [
            submit_sales_report(
                actor=actor,
                merchant=group["merchant"],
                month=month,
                lines=group["lines"],
                reason=group["reason"]
                or _("Imported again on %s") % timezone.localdate().isoformat(),
            )
            for (_merchant_id, month), group in grouped.items()
        ]


def _read_month(value) -> date | None:
    if isinstance(value, date):
        return month_start(value)
    try:
        year, month = str(value or "").strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


PLATFORM_BY_LABEL = {str(label): code for code, label in Platform.choices}


def _read_line(row: ImportRow, problems: list) -> PlatformSales | None:
    platform = str(row.platform or "").strip()
    platform = PLATFORM_BY_LABEL.get(platform, platform)
    line = PlatformSales(
        platform=platform,
        farm_sales=_number(row.farm_sales),
        other_sales=_number(row.other_sales),
        orders=_whole(row.orders),
        b2b_sales=_number(row.b2b_sales),
    )
    problems.extend(("bad_figure", text) for text in line_problems([line]))
    return line


def _whole(value) -> int:
    """A sheet's count; spreadsheets may store 12 as 12.0. -1 (refused by the check) otherwise."""
    if value in (None, ""):
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else -1


def _number(value):
    """A sheet's figure as a Decimal where it is one; otherwise as read, for the check to name."""
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return value


# --- reported indicators --------------------------------------------------------------------


def may_enter_value(actor, rule) -> bool:
    """The staff of the member unit the plan makes responsible, and the county office."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.manages_reference_data:
        return True
    return rule.member_unit is not None and rule.member_unit.staff.filter(pk=actor.pk).exists()


def enter_reported_value(
    *, actor, indicator: str, period_start: date, value, evidence, note: str = ""
) -> ReportedValue:
    """A member unit's value of an indicator for a period, with its evidence file."""
    rule = reporting_rule(
        plan_in_force(on=period_start), form=ReportingForm.INDICATOR, indicator=indicator
    )
    if rule is None:
        raise InvalidInput(_("The plan asks nobody to report %s.") % indicator)
    if not may_enter_value(actor, rule):
        raise NotAllowed(
            _("%(unit)s reports this indicator.")
            % {"unit": rule.member_unit.name if rule.member_unit else _("the county office")}
        )
    problems = [
        p
        for p in (
            number_out_of_range(ReportedValue, "value", value, low=0),
            text_too_long(ReportedValue, "note", note),
            None if evidence else _("Attach the evidence (a scan, a photo or a document)."),
        )
        if p
    ]
    if problems:
        raise InvalidInput("；".join(problems), details={"problems": problems})
    with transaction.atomic():
        entry = ReportedValue.objects.create(
            indicator=indicator,
            period_start=period_start,
            value=Decimal(str(value)),
            evidence=evidence,
            note=note,
            entered_by=actor,
        )
        audit.record(
            actor=actor,
            action="monitoring.reported_value.enter",
            obj=entry,
            after={
                **audit.snapshot(entry, ["indicator", "period_start", "value"]),
                "evidence": entry.evidence.name,
            },
        )
    return entry


def review_reported_value(*, actor, entry: ReportedValue, accept: bool) -> ReportedValue:
    _require_reviewer(actor)
    with transaction.atomic():
        entry = ReportedValue.objects.select_for_update().get(pk=entry.pk)
        if entry.status != ReviewStatus.SUBMITTED:
            raise Conflict(_("This value was already reviewed."))
        entry.status = ReviewStatus.ACCEPTED if accept else ReviewStatus.RETURNED
        entry.reviewed_by = actor
        entry.reviewed_at = timezone.now()
        entry.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit.record(
            actor=actor,
            action=f"monitoring.reported_value.{entry.status}",
            obj=entry,
            after={"status": entry.status},
        )
    return entry
