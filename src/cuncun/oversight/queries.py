"""Reads of oversight, each starting from what the actor may see.

Completeness and timeliness follow DHIS2: a report is expected from every unit the form obliges
that was open during the period (a township opened or closed by the division file, the whole
leadership group from the day the plan came into force); received is submitted or accepted, on
time is received by the due day.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core.errors import NotFound
from cuncun.core.indicators import registry
from cuncun.network.indicators import townships_counted_in
from cuncun.network.models import Site
from cuncun.oversight.access import (
    Reporter,
    may_open_oversight,
    reads_everything,
    reporters_for,
)
from cuncun.oversight.models import (
    AssessmentPublication,
    ManualScore,
    MilestoneCheck,
    MilestoneCompletion,
    ReportForm,
    ReviewStatus,
    Submission,
)
from cuncun.oversight.periods import Period, parse_period, periods_between
from cuncun.plans.models import MemberUnitKind, Milestone, Plan
from cuncun.plans.progress import indicator
from cuncun.plans.queries import plan_in_force
from cuncun.regions.models import RegionUnit


def current_plan() -> Plan:
    plan = plan_in_force()
    if plan is None:
        raise NotFound(_("No plan is loaded yet."))
    return plan


# --- reports -----------------------------------------------------------------------------------


def forms_of(plan: Plan, period_type: str | None = None) -> list[ReportForm]:
    forms = plan.report_forms.prefetch_related("obliged").order_by("id")
    return list(forms.filter(period_type=period_type) if period_type else forms)


def expected_reporters(
    form: ReportForm, period: Period, townships: list[RegionUnit] | None = None
) -> list[Reporter]:
    """Who owes this form for this period: obliged units, only while open in the period.
    `townships`: the county's (`counted_townships`), read once by a caller of many periods."""
    plan = form.plan
    if plan.effective_on > period.ends_on:
        return []
    reporters = []
    for unit in sorted(form.obliged.all(), key=lambda u: u.pk):
        if unit.kind != MemberUnitKind.TOWNSHIP:
            reporters.append(Reporter(unit))
            continue
        if townships is None:
            townships = counted_townships(plan)
        reporters += [
            Reporter(unit, township)
            for township in townships
            if township.is_open_during(period.starts_on, period.ends_on)
        ]
    return reporters


def counted_townships(plan: Plan) -> list[RegionUnit]:
    """The townships of the plan's county that report under the townships' unit, open or not."""
    return list(townships_counted_in(plan.county).order_by("code", "pk"))


@dataclass
class ReportLine:
    form: ReportForm
    period: Period
    reporter: Reporter
    submission: Submission | None

    @property
    def due_on(self) -> date:
        return self.form.due_on(self.period)

    @property
    def locked_after(self) -> date:
        return self.form.locked_after(self.period)

    @property
    def received(self) -> bool:
        return self.submission is not None and self.submission.status in ReviewStatus.RECEIVED

    @property
    def on_time(self) -> bool:
        return self.received and self.submission.submitted_on <= self.due_on

    @property
    def late(self) -> bool:
        return self.received and not self.on_time

    def overdue_on(self, day: date) -> bool:
        return not self.received and day > self.due_on


@dataclass
class FormSummary:
    form: ReportForm
    period: Period
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def on_time(self) -> int:
        return sum(line.on_time for line in self.lines)

    @property
    def completeness(self):
        return _percent(self.received, self.expected)

    @property
    def timeliness(self):
        return _percent(self.on_time, self.expected)


def _percent(part: int, whole: int):
    return None if not whole else round(part * 100 / whole, 1)


def report_lines(form: ReportForm, period: Period) -> list[ReportLine]:
    return report_lines_of([(form, period)])


def report_lines_of(
    wanted: list[tuple[ReportForm, Period]], reporters: list[Reporter] | None = None
) -> list[ReportLine]:
    """The expected reports of several forms and periods (of one plan), in that order, read in
    at most two statements however many they are: their submissions and the county's townships.
    `reporters`: only these reporters' lines (a unit's own), else every expected one."""
    if not wanted:
        return []
    submissions = Submission.objects.filter(
        form__in={form.pk for form, _period in wanted},
        period__in={period.code for _form, period in wanted},
    )
    if reporters is not None:
        submissions = submissions.filter(unit__in={r.unit.pk for r in reporters})
    found = {(s.form_id, s.period, s.unit_id, s.township_id): s for s in submissions}
    townships = None
    if any(u.kind == MemberUnitKind.TOWNSHIP for form, _p in wanted for u in form.obliged.all()):
        townships = counted_townships(wanted[0][0].plan)
    lines = [
        ReportLine(form, period, r, found.get((form.pk, period.code, r.unit.pk, _tid(r))))
        for form, period in wanted
        for r in expected_reporters(form, period, townships)
    ]
    return lines if reporters is None else _of_reporters(lines, reporters)


def _of_reporters(lines: list[ReportLine], reporters: list[Reporter]) -> list[ReportLine]:
    return [
        line
        for line in lines
        if any(r.same_as(line.reporter.unit.pk, _tid(line.reporter)) for r in reporters)
    ]


def _visible(lines: list[ReportLine], user, plan: Plan) -> list[ReportLine]:
    if reads_everything(user):
        return lines
    return _of_reporters(lines, reporters_for(user, plan))


def reporting_for_period(user, period_code: str, plan: Plan | None = None) -> list[FormSummary]:
    """Per form of the period's type: each expected reporter's report, as far as the person may
    see; the counts are over what they see (the whole county for the office and leadership)."""
    plan = plan or current_plan()
    period = parse_period(period_code)
    wanted = [(form, period) for form in forms_of(plan, period.type)]
    return summaries_of(wanted, _visible(report_lines_of(wanted), user, plan))


def summaries_of(wanted: list[tuple[ReportForm, Period]], lines: list[ReportLine]):
    """One summary per form and period, of the lines that are its."""
    grouped: dict[tuple, list[ReportLine]] = {}
    for line in lines:
        grouped.setdefault((line.form.pk, line.period), []).append(line)
    return [
        FormSummary(form, period, grouped.get((form.pk, period), [])) for form, period in wanted
    ]


def forms_and_periods(plan: Plan, first: date, last: date) -> list[tuple[ReportForm, Period]]:
    """Every form of the plan with each of its periods that touches [first, last]."""
    return [
        (form, period)
        for form in forms_of(plan)
        for period in periods_between(first, last, form.period_type)
    ]


def overdue_reports(user, day: date, plan: Plan | None = None) -> list[ReportLine]:
    """Reports past their due day and not received, from the plan's start up to `day`."""
    plan = plan or current_plan()
    begun = forms_and_periods(plan, plan.effective_on, day)
    due = [(form, period) for form, period in begun if form.due_on(period) < day]
    found = [line for line in report_lines_of(due) if line.overdue_on(day)]
    return sorted(_visible(found, user, plan), key=lambda line: (line.due_on, line.reporter.name))


def my_reports(user, day: date, plan: Plan | None = None) -> list[ReportLine]:
    """What a reporting person owes: each form's periods that have begun, newest first."""
    plan = plan or current_plan()
    mine = reporters_for(user, plan)
    if not mine:
        return []
    lines = report_lines_of(forms_and_periods(plan, plan.effective_on, day), reporters=mine)
    return sorted(lines, key=lambda line: (line.period.ends_on, line.form.pk), reverse=True)


def _tid(reporter: Reporter) -> int | None:
    return reporter.township.pk if reporter.township else None


def reports_to_review(plan: Plan | None = None):
    plan = plan or current_plan()
    return (
        Submission.objects.filter(form__plan=plan, status=ReviewStatus.SUBMITTED)
        .select_related("form", "unit", "township", "submitted_by")
        .order_by("submitted_on", "id")
    )


def submission_visible_to(user, pk: int) -> Submission:
    submission = (
        Submission.objects.select_related("form", "form__plan", "unit", "township")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise NotFound()
    line_owner = Reporter(submission.unit, submission.township)
    if not reads_everything(user) and not any(
        r.same_as(line_owner.unit.pk, _tid(line_owner))
        for r in reporters_for(user, submission.form.plan)
    ):
        raise NotFound()
    return submission


def supervision_notice(period_code: str, day: date, plan: Plan | None = None) -> dict:
    """The 督查通报 of a period: per form, the late and the missing reports (read-everything roles
    only: the view checks)."""
    plan = plan or current_plan()
    summaries = reporting_for_period(None, period_code, plan)
    return {
        "plan": plan,
        "period": parse_period(period_code),
        "day": day,
        "forms": [
            {
                "summary": s,
                "late": [line for line in s.lines if line.late],
                "missing": [line for line in s.lines if not line.received],
            }
            for s in summaries
        ],
    }


# --- milestones --------------------------------------------------------------------------------


class MilestoneStatus:
    DONE = "done"  # reached by its due date
    DONE_LATE = "done_late"  # reached, after its due date
    AWAITING = "awaiting_acceptance"  # its unit says done; the office has not accepted yet
    OPEN = "open"  # not yet due
    OVERDUE = "overdue"  # past its due date and not done
    labels = {
        DONE: _("done on time"),
        DONE_LATE: _("done late"),
        AWAITING: _("awaiting acceptance"),
        OPEN: _("not yet due"),
        OVERDUE: _("overdue"),
    }
    LATE = {DONE_LATE, OVERDUE}


class Source:
    RECORDS = "records"  # from the system's records (an indicator, sites)
    UNIT = "unit"  # completed by its unit, accepted by the office


@dataclass
class MilestoneState:
    milestone: Milestone
    status: str
    source: str
    detail: str
    completion: MilestoneCompletion | None = None

    @property
    def status_label(self) -> str:
        return str(MilestoneStatus.labels[self.status])

    @property
    def late(self) -> bool:
        return self.status in MilestoneStatus.LATE


def _check_holds(check: MilestoneCheck, plan: Plan, day: date) -> tuple[bool, str]:
    """Whether one check holds on a day, and what was measured."""
    if check.site_kind:
        serving = Site.objects.serving_on(day).filter(kind=check.site_kind).count()
        need = check.site_count or 1
        return serving >= need, _("%(n)d serving of %(need)d needed") % {"n": serving, "need": need}
    target = plan.targets.get(key=check.target)
    value = indicator(target.indicator).compute(plan.county, day).value
    return target.is_met_by(value), f"{target.label} {value if value is not None else '—'}"


def _computable(check: MilestoneCheck, plan: Plan) -> str:
    """Why a check cannot be computed here ("" when it can)."""
    if check.site_kind:
        return ""
    target = plan.targets.filter(key=check.target).first()
    if target is None or not target.indicator:
        return _("the target %s names no indicator") % check.target
    if registry.get(target.indicator) is None:
        return _("the indicator %s is not registered here") % target.indicator
    return ""


def _from_records(milestone, checks, plan, today) -> MilestoneState:
    def all_hold(day):
        results = [_check_holds(c, plan, day) for c in checks]
        return all(ok for ok, _d in results), "; ".join(d for _ok, d in results)

    on_due, detail = all_hold(min(milestone.due_on, today))
    if on_due:  # reached by the due date (or already, before it)
        return MilestoneState(milestone, MilestoneStatus.DONE, Source.RECORDS, detail)
    if today > milestone.due_on:
        now, detail = all_hold(today)
        status = MilestoneStatus.DONE_LATE if now else MilestoneStatus.OVERDUE
        return MilestoneState(milestone, status, Source.RECORDS, detail)
    return MilestoneState(milestone, MilestoneStatus.OPEN, Source.RECORDS, detail)


def _from_completion(milestone, completion, today, reason: str) -> MilestoneState:
    if completion is not None and completion.status == ReviewStatus.ACCEPTED:
        on_time = completion.completed_on <= milestone.due_on
        status = MilestoneStatus.DONE if on_time else MilestoneStatus.DONE_LATE
        return MilestoneState(milestone, status, Source.UNIT, completion.note, completion)
    if completion is not None and completion.status == ReviewStatus.SUBMITTED:
        return MilestoneState(
            milestone, MilestoneStatus.AWAITING, Source.UNIT, completion.note, completion
        )
    status = MilestoneStatus.OVERDUE if today > milestone.due_on else MilestoneStatus.OPEN
    detail = completion.review_note if completion is not None else reason
    return MilestoneState(milestone, status, Source.UNIT, detail, completion)


def milestone_states(plan: Plan | None = None, today: date | None = None) -> list[MilestoneState]:
    """Every milestone of the plan with its status: from the records where the plan file gives a
    computable check, otherwise from its latest completion."""
    plan = plan or current_plan()
    today = today or timezone.localdate()
    checks: dict[str, list[MilestoneCheck]] = {}
    for check in plan.milestone_checks.order_by("id"):
        checks.setdefault(check.milestone, []).append(check)
    latest: dict[int, MilestoneCompletion] = {}
    completions = MilestoneCompletion.objects.filter(milestone__plan=plan).order_by("id")
    for completion in completions.select_related("unit"):
        latest[completion.milestone_id] = completion
    milestones = plan.milestones.select_related("phase").prefetch_related("responsible")
    states = []
    for milestone in milestones.order_by("due_on", "id"):
        own = checks.get(milestone.key, [])
        unusable = "; ".join(filter(None, (_computable(c, plan) for c in own)))
        if own and not unusable:
            states.append(_from_records(milestone, own, plan, today))
        else:
            states.append(_from_completion(milestone, latest.get(milestone.pk), today, unusable))
    return states


def record_derived(milestone: Milestone) -> bool:
    checks = MilestoneCheck.objects.filter(plan=milestone.plan, milestone=milestone.key)
    return checks.exists() and not any(_computable(c, milestone.plan) for c in checks)


def completion_evidence_for(user, pk: int) -> MilestoneCompletion:
    """A milestone completion's evidence: the roles that read everything see every one, a
    unit's staff those of their own unit."""
    completion = MilestoneCompletion.objects.select_related("milestone__plan").filter(pk=pk).first()
    if completion is None:
        raise NotFound()
    own = {r.unit.pk for r in reporters_for(user, completion.milestone.plan)}
    if not reads_everything(user) and completion.unit_id not in own:
        raise NotFound()
    return completion


def completions_to_review(plan: Plan | None = None):
    plan = plan or current_plan()
    return (
        MilestoneCompletion.objects.filter(milestone__plan=plan, status=ReviewStatus.SUBMITTED)
        .select_related("milestone", "unit", "submitted_by")
        .order_by("submitted_at")
    )


# --- assessment --------------------------------------------------------------------------------


def latest_assessment_year(plan: Plan, today: date) -> int:
    """The latest year up to this one that the scheme assesses (this year if none)."""
    years = plan.assessment_items.filter(year__lte=today.year).values_list("year", flat=True)
    return max(years, default=today.year)


def assessment_scores(*, year: int, plan: Plan | None = None) -> list[tuple]:
    """(township RegionUnit or department MemberUnit, score, rank) for the year: the published
    results once published, else the current computation. The funds app's competitive
    allocation reads this."""
    # scoring reads the reports and milestones above, so it is imported here, not at the top.
    from cuncun.oversight.scoring import assessment_results

    plan = plan or current_plan()
    results, _publication = assessment_results(plan, year)
    townships = {subject_code_of(u): u for u in townships_counted_in(plan.county)}
    units = {u.key: u for u in plan.member_units.all()}
    found = []
    for group, subjects in (("townships", townships), ("departments", units)):
        for row in results[group]:
            if row["unit"] in subjects:
                found.append((subjects[row["unit"]], Decimal(str(row["score"])), row["rank"]))
    return found


def score_evidence_for(user, pk: int) -> ManualScore:
    """The evidence of a manual score: for the roles that read everything, and for the other
    readers of oversight once a published sheet shows that score."""
    score = (
        ManualScore.objects.select_related("item")
        .filter(pk=pk, item__plan=current_plan())
        .exclude(evidence="")
        .first()
    )
    if score is None:
        raise NotFound()
    if reads_everything(user):
        return score
    publication = AssessmentPublication.objects.filter(
        plan_id=score.item.plan_id, year=score.item.year
    ).first()
    if may_open_oversight(user) and publication and pk in evidence_shown(publication.results):
        return score
    raise NotFound()


def evidence_shown(results: dict) -> set[int]:
    """The manual scores whose evidence the sheets of a year's results show."""
    return {
        line["evidence"]
        for group in ("townships", "departments")
        for sheet in results[group]
        for line in sheet["lines"]
        if line.get("evidence")
    }


def subject_code_of(township) -> str:
    return township.code or str(township.pk)
