"""Pages of oversight. Thin: rules live in services.py, reads in queries.py and scoring.py."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.core.exports import xlsx_response
from cuncun.core.files import stored_file_response
from cuncun.core.pages import carry_out, day_param
from cuncun.oversight import queries, scoring, services
from cuncun.oversight.access import (
    Reporter,
    is_office,
    reads_everything,
    reporters_for,
    require_office,
    require_reader,
)
from cuncun.oversight.models import (
    Assessed,
    EvaluationPackBuild,
    MilestoneCompletion,
    PackStatus,
    ReportForm,
    ReviewStatus,
)
from cuncun.oversight.periods import PeriodType, parse_period, period_containing
from cuncun.regions.models import RegionUnit


def last_closed_month(today: date) -> str:
    """The month whose reports are due now: the one before this."""
    return period_containing(today.replace(day=1) - timedelta(days=1), PeriodType.MONTHLY).code


def _context(request, **extra) -> dict:
    return {
        "is_office": is_office(request.user),
        "reads_all": reads_everything(request.user),
        **extra,
    }


def _verdict(verdict: str) -> None:
    if verdict not in ("accept", "return"):
        raise NotFound()


@login_required
def home(request):
    require_reader(request.user)
    plan = queries.current_plan()
    today = timezone.localdate()
    states = queries.milestone_states(plan, today)
    counts = {label: 0 for label in queries.MilestoneStatus.labels.values()}
    for state in states:
        counts[state.status_label] += 1
    return render(
        request,
        "oversight/home.html",
        _context(
            request,
            plan=plan,
            counts=counts,
            period=last_closed_month(today),
            year=queries.latest_assessment_year(plan, today),
            mine=bool(reporters_for(request.user, plan)),
            to_review=queries.reports_to_review(plan).count() if is_office(request.user) else 0,
        ),
    )


# --- milestones --------------------------------------------------------------------------------


@login_required
def milestones(request):
    require_reader(request.user)
    plan = queries.current_plan()
    today = timezone.localdate()
    states = queries.milestone_states(plan, today)
    mine = {r.unit.pk for r in reporters_for(request.user, plan)}
    for state in states:
        state.may_complete = (
            state.source == queries.Source.UNIT
            and state.status in (queries.MilestoneStatus.OPEN, queries.MilestoneStatus.OVERDUE)
            and (
                is_office(request.user)
                or any(u.pk in mine for u in state.milestone.responsible.all())
            )
        )
        state.my_units = [
            u for u in state.milestone.responsible.all() if u.pk in mine or is_office(request.user)
        ]
    timeline = [
        {
            "key": s.milestone.key,
            "title": s.milestone.title,
            "phase": s.milestone.phase.name,
            "due_on": s.milestone.due_on.isoformat(),
            "status": s.status,
            "status_label": s.status_label,
        }
        for s in states
    ]
    phases = [
        {"name": p.name, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()}
        for p in plan.phases.order_by("starts_on")
    ]
    return render(
        request,
        "oversight/milestones.html",
        _context(
            request,
            plan=plan,
            states=states,
            today=today,
            timeline=timeline,
            phases=phases,
            statuses=queries.MilestoneStatus.labels,
            completions=queries.completions_to_review(plan) if is_office(request.user) else [],
        ),
    )


@login_required
@require_POST
def complete_milestone(request, key: str):
    plan = queries.current_plan()
    milestone = plan.milestones.filter(key=key).first()
    if milestone is None:
        raise NotFound()
    unit = plan.member_units.filter(key=request.POST.get("unit", "")).first()
    if unit is None:
        raise InvalidInput(_("Choose the unit that completed it."))
    carry_out(
        request,
        lambda: services.complete_milestone(
            actor=request.user,
            milestone=milestone,
            unit=unit,
            completed_on=day_param(request.POST.get("completed_on")),
            note=request.POST.get("note", ""),
            evidence=request.FILES.get("evidence"),
        ),
        _("Reported done; the county office will check the evidence."),
    )
    return redirect(reverse("oversight:milestones") + f"#m-{key}")


def completion_evidence_file(request, pk: int):
    """The evidence of a milestone completion, for the readers of everything and its unit."""
    completion = queries.completion_evidence_for(request.user, pk)
    return stored_file_response(completion.evidence, public=False)


@login_required
@require_POST
def review_completion(request, pk: int, verdict: str):
    require_office(request.user)
    _verdict(verdict)
    completion = MilestoneCompletion.objects.filter(pk=pk).first()
    if completion is None:
        raise NotFound()
    action = (
        services.accept_milestone_completion
        if verdict == "accept"
        else services.return_milestone_completion
    )
    carry_out(
        request,
        lambda: action(
            actor=request.user, completion=completion, note=request.POST.get("note", "")
        ),
        _("Accepted.") if verdict == "accept" else _("Returned to the unit."),
    )
    return redirect("oversight:milestones")


# --- reports -----------------------------------------------------------------------------------


@login_required
def reports(request):
    """A unit's reports to make and made; the office's reports to review."""
    require_reader(request.user)
    plan = queries.current_plan()
    today = timezone.localdate()
    lines = queries.my_reports(request.user, today, plan)
    return render(
        request,
        "oversight/reports.html",
        _context(
            request,
            lines=lines[:36],
            today=today,
            to_review=queries.reports_to_review(plan) if is_office(request.user) else [],
        ),
    )


def _reporter(request, plan) -> Reporter:
    mine = reporters_for(request.user, plan)
    wanted = request.GET.get("unit") or request.POST.get("unit")
    chosen = [r for r in mine if not wanted or r.unit.key == wanted]
    if not chosen:
        raise NotFound(_("You report for no unit here."))
    return chosen[0]


@login_required
def report(request, form_key: str, period: str):
    """One report: its fields, filled or to fill; corrections after a return."""
    require_reader(request.user)
    plan = queries.current_plan()
    form = ReportForm.objects.filter(plan=plan, key=form_key).first()
    if form is None:
        raise NotFound()
    the_period = parse_period(period)
    reporter = _reporter(request, plan)
    if request.method == "POST":
        done = carry_out(
            request,
            lambda: services.submit_report(
                actor=request.user,
                form=form,
                period=the_period.code,
                unit=reporter.unit,
                township=reporter.township,
                values={f["key"]: request.POST.get(f["key"], "") for f in form.fields},
                attachment=request.FILES.get("attachment"),
            ),
            _("Report submitted."),
        )
        if done:
            return redirect("oversight:reports")
    line = next(
        (
            line
            for line in queries.report_lines(form, the_period)
            if line.reporter.same_as(
                reporter.unit.pk, reporter.township.pk if reporter.township else None
            )
        ),
        None,
    )
    if line is None:
        raise NotFound(
            _("%(unit)s does not report this form for %(period)s.")
            % {"unit": reporter.name, "period": the_period.code}
        )
    values = (
        request.POST
        if request.method == "POST"
        else (line.submission.values if line.submission else {})
    )
    fields = [{**f, "value": values.get(f["key"], "")} for f in form.fields]
    return render(
        request,
        "oversight/report.html",
        _context(
            request,
            form=form,
            line=line,
            fields=fields,
            reporter=reporter,
            editable=not line.submission or line.submission.status != ReviewStatus.ACCEPTED,
        ),
    )


@login_required
def submission(request, pk: int):
    require_reader(request.user)
    row = queries.submission_visible_to(request.user, pk)
    fields = [{**f, "value": row.values.get(f["key"], "")} for f in row.form.fields]
    return render(
        request,
        "oversight/submission.html",
        _context(
            request,
            submission=row,
            fields=fields,
            due_on=row.form.due_on(parse_period(row.period)),
        ),
    )


def attachment_file(request, pk: int):
    """A report's attachment, for whoever may see the report (404 for anyone else)."""
    row = queries.submission_visible_to(request.user, pk)
    return stored_file_response(row.attachment, public=False)


@login_required
@require_POST
def review_report(request, pk: int, verdict: str):
    require_office(request.user)
    _verdict(verdict)
    row = queries.submission_visible_to(request.user, pk)
    action = services.accept_report if verdict == "accept" else services.return_report
    done = carry_out(
        request,
        lambda: action(actor=request.user, submission=row, note=request.POST.get("note", "")),
        _("Accepted.") if verdict == "accept" else _("Returned to the unit."),
    )
    return redirect(
        "oversight:reports" if done else "oversight:submission", *([] if done else [pk])
    )


@login_required
def reporting(request):
    """Completeness and timeliness per unit for a period, and every overdue report."""
    require_reader(request.user)
    plan = queries.current_plan()
    today = timezone.localdate()
    period = request.GET.get("period") or last_closed_month(today)
    return render(
        request,
        "oversight/reporting.html",
        _context(
            request,
            period=parse_period(period),
            summaries=queries.reporting_for_period(request.user, period, plan),
            overdue=queries.overdue_reports(request.user, today, plan)[:200],
            today=today,
        ),
    )


@login_required
def notice(request):
    """督查通报: a printable notice of the late and missing reports of a period."""
    if not reads_everything(request.user):
        require_office(request.user)
    today = timezone.localdate()
    period = request.GET.get("period") or last_closed_month(today)
    return render(request, "oversight/notice.html", queries.supervision_notice(period, today))


# --- assessment --------------------------------------------------------------------------------


def _year(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("The year must be written as YYYY.")) from error


@login_required
def assessment(request, year: int):
    require_reader(request.user)
    plan = queries.current_plan()
    results, publication = scoring.assessment_results(plan, year)
    if publication is None and not reads_everything(request.user):
        raise NotFound(_("The %d assessment is not published yet.") % year)
    chart = [{"name": r["name"], "score": float(r["score"])} for r in results["townships"]]
    return render(
        request,
        "oversight/assessment.html",
        _context(
            request,
            year=year,
            results=results,
            publication=publication,
            chart=chart,
        ),
    )


@login_required
def score_sheet(request, year: int, kind: str, code: str):
    require_reader(request.user)
    plan = queries.current_plan()
    results, publication = scoring.assessment_results(plan, year)
    if publication is None and not reads_everything(request.user):
        raise NotFound(_("The %d assessment is not published yet.") % year)
    group = results["townships" if kind == Assessed.TOWNSHIP else "departments"]
    sheet = next((row for row in group if row["unit"] == code), None)
    if sheet is None:
        raise NotFound()
    return render(
        request,
        "oversight/sheet.html",
        _context(
            request,
            year=year,
            sheet=sheet,
            kind=kind,
            publication=publication,
        ),
    )


def score_evidence_file(request, pk: int):
    """The evidence of a manual score, for those who may read the sheet that shows it."""
    score = queries.score_evidence_for(request.user, pk)
    return stored_file_response(score.evidence, public=False)


@login_required
@require_POST
def score_item(request, year: int, kind: str, code: str):
    require_office(request.user)
    plan = queries.current_plan()
    item = plan.assessment_items.filter(key=request.POST.get("item", ""), year=year).first()
    if item is None:
        raise NotFound()
    subject = (
        RegionUnit.objects.filter(code=code).first()
        if kind == Assessed.TOWNSHIP
        else plan.member_units.filter(key=code).first()
    )
    if subject is None:
        raise NotFound()
    carry_out(
        request,
        lambda: services.score_manually(
            actor=request.user,
            item=item,
            subject=subject,
            points=request.POST.get("points", ""),
            reason=request.POST.get("reason", ""),
            evidence=request.FILES.get("evidence"),
        ),
        _("Scored."),
    )
    return redirect("oversight:sheet", year, kind, code)


@login_required
@require_POST
def publish(request, year: int):
    plan = queries.current_plan()
    carry_out(
        request,
        lambda: services.publish_assessment(actor=request.user, plan=plan, year=year),
        _("The %d assessment is published.") % year,
    )
    return redirect("oversight:assessment", year)


@login_required
def assessment_xlsx(request, year: int):
    require_reader(request.user)
    plan = queries.current_plan()
    results, publication = scoring.assessment_results(plan, year)
    if publication is None and not reads_everything(request.user):
        raise NotFound(_("The %d assessment is not published yet.") % year)
    header = [_("Rank"), _("Unit"), _("Code"), _("Score"), _("Possible")]
    detail_header = [
        _("Unit"),
        _("Item"),
        _("Points"),
        _("Of"),
        _("Explanation"),
        pgettext("plan sentence", "Plan"),
    ]
    sheets = {}
    for group, title in (("townships", _("Townships")), ("departments", _("Departments"))):
        rows = results[group]
        sheets[title] = (
            header,
            [
                [r["rank"], r["name"], r["unit"], float(r["score"]), float(r["possible"])]
                for r in rows
            ],
        )
        sheets[f"{title} · {_('points')}"] = (
            detail_header,
            [
                [
                    r["name"],
                    line["label"],
                    float(line["points"]) if line["points"] is not None else None,
                    float(line["max_points"]),
                    line["explanation"],
                    line["sentence"],
                ]
                for r in rows
                for line in r["lines"]
            ],
        )
    return xlsx_response(f"assessment-{year}.xlsx", sheets)


@login_required
@require_POST
def pack(request, year: int):
    """绩效评价 in one click: the pack is built by a task; its page follows the progress."""
    started = []
    if not carry_out(
        request,
        lambda: started.append(services.start_evaluation_pack(actor=request.user, year=year)),
    ):
        return redirect("oversight:home")
    return redirect("oversight:pack_build", pk=started[0].pk)


def _pack_build(request, pk: int) -> EvaluationPackBuild:
    if not reads_everything(request.user):
        require_office(request.user)
    build = EvaluationPackBuild.objects.defer("content").filter(pk=pk).first()
    if build is None:
        raise NotFound(details={"pack": pk})
    return build


@login_required
def pack_build(request, pk: int):
    build = _pack_build(request, pk)
    return render(request, "oversight/pack.html", {"build": build, "statuses": PackStatus})


@login_required
def pack_progress(request, pk: int):
    """The progress card the pack page polls (htmx) until the pack is ready."""
    build = _pack_build(request, pk)
    return render(request, "oversight/_pack_status.html", {"build": build, "statuses": PackStatus})


@login_required
def pack_download(request, pk: int):
    build = _pack_build(request, pk)
    if build.status != PackStatus.DONE:
        raise NotFound(_("This pack is not ready yet."), details={"pack": pk})
    content = EvaluationPackBuild.objects.values_list("content", flat=True).get(pk=pk)
    response = HttpResponse(bytes(content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evaluation-pack-{build.year}.zip"'
    return response
