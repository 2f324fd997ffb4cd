"""The evaluation pack (绩效评价) of a year: one zip for the third-party evaluator.

- indicators.xlsx: every registered indicator for the county on the year's measuring day, with
  value, target, deadline, met, how it is computed and the plan's sentence;
- sites.xlsx: the sites serving that day, with the day each was accepted and its photos;
- milestones.xlsx and milestone-evidence/: each milestone's state and the accepted evidence files;
- reports.xlsx: each form's completeness and timeliness per period of the year;
- onsite-checklist.xlsx: a random sample of serving village points to visit, drawn with a seed made
  of the plan and the year, so the same data gives the same sample;
- training.xlsx: the year's training sessions with their rosters summarised (trainees, women,
  person-days), no personal data;
- enterprises.xlsx: the enterprise statistics compilation (monthly online sales per business) and
  every sales report of the year with its revision, state and lateness;
- summary.pdf: one page of the headline figures, for reading before opening the workbooks.

The same data gives the same bytes: entries are sorted and dated on the measuring day, each
workbook's save time is set to that day as well, and the PDF is written "invariant" (reportlab's
fixed creation date and document id).
"""

import io
import random
import re
import zipfile
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.core.exports import xlsx_bytes
from cuncun.core.indicators import registry
from cuncun.core.personal import mask_phone
from cuncun.merchants.models import Merchant
from cuncun.monitoring.exports import enterprise_rows
from cuncun.monitoring.models import SalesReport
from cuncun.network.models import Site, SiteKind
from cuncun.oversight.queries import (
    MilestoneStatus,
    forms_and_periods,
    milestone_states,
    report_lines_of,
    summaries_of,
)
from cuncun.oversight.scoring import measuring_day
from cuncun.oversight.summary import Summary, summary_pdf
from cuncun.plans.models import Plan
from cuncun.plans.progress import evaluate
from cuncun.training.models import Gender, TrainingSession

ONSITE_SAMPLE = 20  # village points an evaluator can visit in a few days
DONE = {MilestoneStatus.DONE, MilestoneStatus.DONE_LATE}
CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _stable(data: bytes, day: date) -> bytes:
    """A zip (an xlsx is one) rewritten with every entry dated `day`, and an xlsx's own created
    and modified times set to it, so that it no longer changes with the clock."""
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = CORE_TIMES.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            target.writestr(_entry(info.filename, day), content)
    return out.getvalue()


def _entry(name: str, day: date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _indicators(plan: Plan, day: date) -> tuple:
    header = [
        _("Code"),
        _("Indicator"),
        _("Unit"),
        _("Value"),
        _("Target"),
        _("Deadline"),
        _("Met"),
        _("How it is computed"),
        pgettext("plan sentence", "Plan"),
    ]
    rows = []
    for ind in registry.all():
        e = evaluate(ind.code, plan.county, day)
        t = e.target
        rows.append(
            [
                ind.code,
                str(ind.name),
                ind.unit,
                float(e.value) if e.value is not None else None,
                f"{t.comparison} {t.value.normalize()}" if t else None,
                t.deadline if t and t.deadline else None,
                {True: _("yes"), False: _("no"), None: "—"}[e.met],
                str(ind.description),
                t.sentence if t else "",
            ]
        )
    return header, rows


def _serving_sites(plan: Plan, day: date):
    return (
        Site.objects.serving_on(day)
        .filter(region__path__startswith=plan.county.path)
        .select_related("region", "region__parent")
        .prefetch_related("acceptance_checks", "photos", "operators")
        .order_by("code")
    )


def _sites(sites) -> tuple:
    header = [
        _("Code"),
        _("Name"),
        _("Kind"),
        pgettext("site", "Place"),
        _("Address"),
        _("Accepted on"),
        _("Photos"),
    ]
    rows = []
    for site in sites:
        passed = sorted(c.checked_on for c in site.acceptance_checks.all() if c.passed)
        rows.append(
            [
                site.code,
                site.name,
                site.get_kind_display(),
                site.region.name,
                site.address,
                passed[-1] if passed else None,
                ", ".join(sorted(p.image.name for p in site.photos.all())),
            ]
        )
    return header, rows


def _evidence_name(state) -> str:
    if state.completion is None or not state.completion.evidence:
        return ""
    filename = state.completion.evidence.name.rsplit("/", 1)[-1]
    return f"milestone-evidence/{state.milestone.key}-{filename}"


def _milestones(plan: Plan, day: date) -> tuple[tuple, dict[str, bytes]]:
    header = [
        _("Key"),
        _("Milestone"),
        _("Due"),
        _("State"),
        pgettext("milestone state", "From"),
        _("Detail"),
        _("Evidence"),
    ]
    rows, files = [], {}
    for s in milestone_states(plan, day):
        evidence = _evidence_name(s) if s.status in DONE else ""
        if evidence:
            with s.completion.evidence.open("rb") as handle:
                files[evidence] = handle.read()
        rows.append(
            [
                s.milestone.key,
                s.milestone.title,
                s.milestone.due_on,
                s.status_label,
                s.source,
                str(s.detail),
                evidence,
            ]
        )
    return (header, rows), files


def _reports(plan: Plan, year: int) -> tuple:
    header = [
        _("Form"),
        _("Period"),
        _("Expected"),
        pgettext("reporting completeness", "Received"),
        _("On time"),
        _("Completeness %"),
        _("Timeliness %"),
    ]
    wanted = forms_and_periods(plan, date(year, 1, 1), date(year, 12, 31))
    rows = [
        [
            s.form.title,
            s.period.code,
            s.expected,
            s.received,
            s.on_time,
            s.completeness,
            s.timeliness,
        ]
        for s in summaries_of(wanted, report_lines_of(wanted))
    ]
    return header, rows


def _onsite(plan: Plan, year: int, sites) -> tuple:
    points = [s for s in sites if s.kind == SiteKind.VILLAGE_POINT]
    sample = random.Random(f"{plan.code}/{year}").sample(points, min(ONSITE_SAMPLE, len(points)))
    header = [
        _("Code"),
        _("Name"),
        _("Township"),
        _("Village"),
        _("Address"),
        _("Operator"),
        _("Phone"),
        _("Door sign"),
    ]
    rows = []
    for site in sorted(sample, key=lambda s: s.code):
        operator = next((o for o in site.operators.all() if o.until is None), None)
        rows.append(
            [
                site.code,
                site.name,
                site.region.parent.name if site.region.parent else "",
                site.region.name,
                site.address,
                operator.name if operator else "",
                mask_phone(operator.phone) if operator else "",
                reverse("network:site", args=[site.code]),
            ]
        )
    return header, rows


def _training(plan: Plan, year: int) -> tuple:
    """The year's sessions, each roster summarised: trainees, of whom women, person-days."""
    sessions = (
        TrainingSession.objects.filter(
            starts_on__year=year, region__path__startswith=plan.county.path
        )
        .select_related("course", "region")
        .annotate(
            trainees=Count("attendances__trainee", distinct=True),
            women=Count(
                "attendances__trainee",
                filter=Q(attendances__trainee__gender=Gender.FEMALE),
                distinct=True,
            ),
            person_days=Count("attendances"),
        )
        .order_by("starts_on", "code")
    )
    header = [
        _("Session"),
        _("Course"),
        _("First day"),
        _("Last day"),
        _("Place"),
        _("Division"),
        _("Trainees"),
        _("Women"),
        _("Person-days"),
    ]
    rows = [
        [
            s.code,
            s.course.name,
            s.starts_on,
            s.ends_on,
            s.place,
            s.region.name,
            s.trainees,
            s.women,
            s.person_days,
        ]
        for s in sessions
    ]
    return header, rows


def _sales_reports(plan: Plan, year: int) -> tuple:
    reports = (
        SalesReport.objects.filter(
            month__year=year, merchant__region__path__startswith=plan.county.path
        )
        .select_related("merchant")
        .annotate(farm=Sum("lines__farm_sales"), other=Sum("lines__other_sales"))
        .order_by("merchant__name", "month", "revision")
    )
    header = [
        _("Business"),
        _("Month"),
        _("Revision"),
        _("State"),
        _("Counted"),
        _("Late"),
        _("Farm products (yuan)"),
        _("Other goods (yuan)"),
    ]
    rows = [
        [
            r.merchant.name,
            f"{r.month:%Y-%m}",
            r.revision,
            r.get_status_display(),
            _("yes") if r.counts else _("no"),
            _("yes") if r.is_late else _("no"),
            r.farm or Decimal(0),
            r.other or Decimal(0),
        ]
        for r in reports
    ]
    return header, rows


def _enterprises(plan: Plan, year: int) -> dict:
    merchants = Merchant.objects.filter(region__path__startswith=plan.county.path)
    return {
        _("Enterprises %s") % year: enterprise_rows(merchants, year),
        _("Sales reports"): _sales_reports(plan, year),
    }


def evaluation_pack(*, year: int, plan: Plan, today: date | None = None, progress=None) -> bytes:
    """The pack as zip bytes. `progress(done, total, step)` is told after each part."""
    day = measuring_day(year, today)
    sites = list(_serving_sites(plan, day))
    (milestone_sheet, evidence) = _milestones(plan, day)
    parts = [
        ("indicators.xlsx", lambda: {_("Indicators"): _indicators(plan, day)}),
        ("sites.xlsx", lambda: {_("Sites"): _sites(sites)}),
        ("milestones.xlsx", lambda: {_("Milestones"): milestone_sheet}),
        ("reports.xlsx", lambda: {_("Reports"): _reports(plan, year)}),
        ("onsite-checklist.xlsx", lambda: {_("On-site check"): _onsite(plan, year, sites)}),
        ("training.xlsx", lambda: {_("Training"): _training(plan, year)}),
        ("enterprises.xlsx", lambda: _enterprises(plan, year)),
    ]
    files, built = dict(evidence), {}
    total = len(parts) + 1  # and the summary
    for done, (name, sheets) in enumerate(parts, start=1):
        workbook = sheets()
        built[name] = list(workbook.values())  # (header, rows) per sheet, for the summary
        files[name] = _stable(xlsx_bytes(workbook), day)
        if progress:
            progress(done, total, name)
    files["summary.pdf"] = summary_pdf(
        Summary(
            county=plan.county.name,
            year=year,
            day=day,
            indicators=built["indicators.xlsx"][0][1],
            sites=len(sites),
            milestones=[row[3] for row in milestone_sheet[1]],
            training=built["training.xlsx"][0][1],
            enterprises=built["enterprises.xlsx"][0][1],
        )
    )
    if progress:
        progress(total, total, "summary.pdf")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for name in sorted(files):
            pack.writestr(_entry(name, day), files[name])
    return out.getvalue()
