"""The year's assessment (目标责任考核): each township and department scored item by item from the
scheme in the plan file, every point explained, and ranked.

A scheme item that cannot be computed here (its indicator is not registered, the plan has no
target for it, nothing was due) scores nothing and says why: never a made-up value.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core.indicators import registry
from cuncun.network.indicators import townships_counted_in
from cuncun.oversight.access import Reporter
from cuncun.oversight.models import (
    Assessed,
    AssessmentItem,
    AssessmentPublication,
    ManualScore,
    ScoringMethod,
)
from cuncun.oversight.queries import (
    MilestoneStatus,
    forms_and_periods,
    milestone_states,
    report_lines_of,
)
from cuncun.plans.models import MemberUnit, MemberUnitKind, Plan
from cuncun.plans.progress import target_in_force
from cuncun.regions.models import RegionUnit

CENT = Decimal("0.01")
DEPARTMENT_KINDS = [
    MemberUnitKind.DEPARTMENT,
    MemberUnitKind.ENTERPRISE,
    MemberUnitKind.ASSOCIATION,
]


@dataclass
class Line:
    item: AssessmentItem
    points: Decimal | None  # None: not computable (then `explanation` says why)
    explanation: str
    value: Decimal | None = None
    target: Decimal | None = None
    evidence: int | None = None  # the manual score whose evidence file backs the points

    @property
    def computable(self) -> bool:
        return self.points is not None


@dataclass
class Sheet:
    subject: RegionUnit | MemberUnit
    kind: str  # Assessed.TOWNSHIP | Assessed.DEPARTMENT
    lines: list[Line] = field(default_factory=list)
    rank: int = 0

    @property
    def code(self) -> str:
        return subject_code(self.subject)

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def score(self) -> Decimal:
        return sum((line.points for line in self.lines if line.computable), Decimal("0.00"))

    @property
    def possible(self) -> Decimal:
        return sum((line.item.points for line in self.lines), Decimal("0.00"))


def subject_code(subject) -> str:
    if isinstance(subject, RegionUnit):
        return subject.code or str(subject.pk)
    return subject.key


def subject_kind_of(subject) -> str:
    return Assessed.TOWNSHIP if isinstance(subject, RegionUnit) else Assessed.DEPARTMENT


def measuring_day(year: int, today: date | None = None) -> date:
    """A year is measured on its last day, or today while it is still running."""
    return min(date(year, 12, 31), today or timezone.localdate())


def _points(share: Decimal, item: AssessmentItem) -> Decimal:
    share = max(Decimal(0), min(Decimal(1), share))
    return (item.points * share).quantize(CENT, ROUND_HALF_UP)


def _indicator_line(item: AssessmentItem, township: RegionUnit, day: date) -> Line:
    found = registry.get(item.indicator)
    if found is None:
        return Line(
            item,
            None,
            _("not computable: the indicator %s is not registered here") % item.indicator,
        )
    value = found.compute(township, day).value
    if item.method == ScoringMethod.YES_NO:
        target = target_in_force(item.indicator, item.plan, day, township)
        if target is None:
            return Line(
                item, None, _("not computable: the plan sets no target for %s") % found.name
            )
        met = target.is_met_by(value)
        return Line(
            item,
            item.points if met else Decimal("0.00"),
            _("%(name)s on %(day)s: %(value)s, target %(cmp)s %(target)s: %(verdict)s")
            % {
                "name": found.name,
                "day": day.isoformat(),
                "value": value,
                "cmp": target.comparison,
                "target": target.value.normalize(),
                "verdict": _("met") if met else _("not met"),
            },
            value,
            target.value,
        )
    if value is None:
        return Line(
            item,
            Decimal("0.00"),
            _("%(name)s on %(day)s: no value (nothing to count)")
            % {"name": found.name, "day": day.isoformat()},
        )
    target = item.target
    if item.method == ScoringMethod.THRESHOLD:
        reached = value >= target
        points = item.points if reached else Decimal("0.00")
        rule = _("reached") if reached else _("not reached")
    else:
        points = _points(Decimal(value) / Decimal(target), item) if target else Decimal("0.00")
        rule = _("%(value)s ÷ %(target)s × %(points)s") % {
            "value": value,
            "target": target.normalize(),
            "points": item.points.normalize(),
        }
    return Line(
        item,
        points,
        _("%(name)s on %(day)s: %(value)s, target %(target)s: %(rule)s")
        % {
            "name": found.name,
            "day": day.isoformat(),
            "value": value,
            "target": target.normalize(),
            "rule": rule,
        },
        value,
        target,
    )


class ReportBook:
    """Each form's expected reports of the year, read once for every sheet of the year."""

    def __init__(self, plan: Plan, year: int, day: date):
        of_year = forms_and_periods(plan, date(year, 1, 1), date(year, 12, 31))
        self.lines = report_lines_of(
            [(f, period) for f, period in of_year if f.due_on(period) <= day]
        )

    def of(self, reporter: Reporter) -> list:
        township = reporter.township.pk if reporter.township else None
        return [line for line in self.lines if line.reporter.same_as(reporter.unit.pk, township)]


def _reporting_line(item: AssessmentItem, reporter: Reporter, book: ReportBook, day) -> Line:
    own = book.of(reporter)
    due, on_time = len(own), sum(line.on_time for line in own)
    if not due:
        return Line(item, None, _("not computable: no report was due in %d") % item.year)
    return Line(
        item,
        _points(Decimal(on_time) / Decimal(due), item),
        _("%(on_time)d of %(due)d reports due by %(day)s came on time")
        % {"on_time": on_time, "due": due, "day": day.isoformat()},
        Decimal(on_time),
        Decimal(due),
    )


def _milestone_line(item: AssessmentItem, unit: MemberUnit, states, day: date) -> Line:
    own = [
        s
        for s in states
        if s.milestone.due_on.year == item.year
        and s.milestone.due_on <= day
        and unit in s.milestone.responsible.all()
    ]
    if not own:
        return Line(
            item, None, _("not computable: none of its milestones fell due in %d") % item.year
        )
    done = sum(s.status == MilestoneStatus.DONE for s in own)
    return Line(
        item,
        _points(Decimal(done) / Decimal(len(own)), item),
        _("%(done)d of %(due)d milestones due in %(year)d done on time")
        % {"done": done, "due": len(own), "year": item.year},
        Decimal(done),
        Decimal(len(own)),
    )


def _manual_line(item: AssessmentItem, subject, scores: dict) -> Line:
    score = scores.get((item.pk, subject_kind_of(subject), subject.pk))
    if score is None:
        return Line(item, None, _("not scored by the office yet"))
    return Line(item, score.points, score.reason, evidence=score.pk if score.evidence else None)


def _manual_scores(plan: Plan, year: int) -> dict:
    latest = {}
    rows = ManualScore.objects.filter(item__plan=plan, item__year=year).order_by("id")
    for score in rows:
        kind = Assessed.TOWNSHIP if score.township_id else Assessed.DEPARTMENT
        latest[(score.item_id, kind, score.township_id or score.unit_id)] = score
    return latest


def assessed_townships(plan: Plan, day: date) -> list[RegionUnit]:
    return list(townships_counted_in(plan.county).open_on(day).order_by("code", "pk"))


def assessed_departments(plan: Plan) -> list[MemberUnit]:
    return list(plan.member_units.filter(kind__in=DEPARTMENT_KINDS).order_by("id"))


def score_sheets(plan: Plan, year: int, today: date | None = None) -> dict[str, list[Sheet]]:
    """Every township's and department's sheet for the year, ranked (ties share a rank)."""
    day = measuring_day(year, today)
    items = list(plan.assessment_items.filter(year=year).order_by("id"))
    scores = _manual_scores(plan, year)
    township_items = [i for i in items if i.assessed == Assessed.TOWNSHIP]
    department_items = [i for i in items if i.assessed == Assessed.DEPARTMENT]
    sheets = {Assessed.TOWNSHIP: [], Assessed.DEPARTMENT: []}
    book = (
        ReportBook(plan, year, day)
        if any(i.method == ScoringMethod.REPORTING for i in items)
        else None
    )
    if township_items:
        townships_unit = plan.member_units.filter(kind=MemberUnitKind.TOWNSHIP).first()
        for township in assessed_townships(plan, day):
            reporter = Reporter(townships_unit, township) if townships_unit else None
            sheet = Sheet(township, Assessed.TOWNSHIP)
            for item in township_items:
                sheet.lines.append(_line(item, township, reporter, scores, None, book, day))
            sheets[Assessed.TOWNSHIP].append(sheet)
    if department_items:
        states = milestone_states(plan, today)
        for unit in assessed_departments(plan):
            sheet = Sheet(unit, Assessed.DEPARTMENT)
            for item in department_items:
                sheet.lines.append(_line(item, unit, Reporter(unit), scores, states, book, day))
            sheets[Assessed.DEPARTMENT].append(sheet)
    for group in sheets.values():
        rank(group)
    return sheets


def _line(item, subject, reporter, scores, states, book, day) -> Line:
    if item.method == ScoringMethod.MANUAL:
        return _manual_line(item, subject, scores)
    if item.method == ScoringMethod.REPORTING:
        if reporter is None:
            return Line(item, None, _("not computable: the plan names no townships' unit"))
        return _reporting_line(item, reporter, book, day)
    if item.method == ScoringMethod.MILESTONES:
        return _milestone_line(item, subject, states, day)
    return _indicator_line(item, subject, day)


def rank(sheets: list[Sheet]) -> None:
    """Highest score first; equal scores share a rank (1, 2, 2, 4), then by code."""
    sheets.sort(key=lambda s: (-s.score, s.code))
    for position, sheet in enumerate(sheets, start=1):
        previous = sheets[position - 2] if position > 1 else None
        sheet.rank = previous.rank if previous and previous.score == sheet.score else position


def sheet_as_dict(sheet: Sheet) -> dict:
    return {
        "unit": sheet.code,
        "name": sheet.name,
        "kind": sheet.kind,
        "score": sheet.score,
        "possible": sheet.possible,
        "rank": sheet.rank,
        "lines": [
            {
                "item": line.item.key,
                "label": line.item.label,
                "method": line.item.method,
                "max_points": line.item.points,
                "points": line.points,
                "computable": line.computable,
                "value": line.value,
                "target": line.target,
                "explanation": str(line.explanation),
                "sentence": line.item.sentence,
                "evidence": line.evidence,
            }
            for line in sheet.lines
        ],
    }


def frozen_results(plan: Plan, year: int) -> dict:
    sheets = score_sheets(plan, year)
    return {
        "year": year,
        "measured_on": measuring_day(year).isoformat(),
        "townships": [sheet_as_dict(s) for s in sheets[Assessed.TOWNSHIP]],
        "departments": [sheet_as_dict(s) for s in sheets[Assessed.DEPARTMENT]],
    }


def assessment_results(plan: Plan, year: int) -> tuple[dict, AssessmentPublication | None]:
    """The published results of the year if published, else today's computation."""
    publication = AssessmentPublication.objects.filter(plan=plan, year=year).first()
    if publication is not None:
        return publication.results, publication
    return frozen_results(plan, year), None
