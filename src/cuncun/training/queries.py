"""Reads of the training app, counted the way the plan counts.

- person-times (人次): one person at one session, however many of its days they attended;
- persons (人): each person once, however many sessions;
- people count where they live (their village), sessions where they are held;
- an e-commerce talent (电商人才) of a village: a person living there who holds a valid
  certificate of a course that forms talents (提升, 创业, 站点运营, 电商扶贫 unless set otherwise).

Every page read starts from what the user may see (`visible_to`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch, Q, Sum

from cuncun.core.commitments import committed_elsewhere
from cuncun.core.errors import NotFound
from cuncun.plans.models import FundRule, Plan, Target
from cuncun.plans.progress import Evaluation, evaluate, target_in_force
from cuncun.plans.queries import fund_cap, next_plan_starts, plan_in_force
from cuncun.regions.models import GroupCode, Level, RegionUnit
from cuncun.training.access import require_reader
from cuncun.training.models import (
    Attendance,
    Certificate,
    Course,
    CourseKind,
    FundingSource,
    Gender,
    RosterImport,
    Trainee,
    TraineeCategory,
    TraineeCategoryMembership,
    TrainingSession,
)

PAGE_SIZE = 50
STARTUP_PHASE = "startup"  # the plan's phase key for the startup phase (启动阶段)


# --- windows ---------------------------------------------------------------------------------


def plan_for(region: RegionUnit, day: date) -> Plan | None:
    return plan_in_force(region.county(), on=day)


def plan_start(region: RegionUnit, day: date) -> date:
    """Counting starts when the plan in force starts (everything, if there is no plan)."""
    plan = plan_for(region, day)
    return plan.starts_on if plan else date.min


def plan_governing(region: RegionUnit, day: date) -> Plan | None:
    """The plan a session held on `day` falls under: the newest plan started by then (none for a
    session before the county's first plan)."""
    plan = plan_for(region, day)
    return plan if plan is not None and plan.starts_on <= day else None


def plan_target(region: RegionUnit, day: date, indicator: str) -> Target | None:
    """The county plan's target in force on the day for one of the training indicators, as the
    plan writes it (for the county as a whole, or for each of its villages)."""
    county = region.county()
    return target_in_force(indicator, plan_for(county, day), day, county)


def startup_phase(region: RegionUnit, day: date) -> tuple[date, date] | None:
    plan = plan_for(region, day)
    phase = plan.phases.filter(key=STARTUP_PHASE).first() if plan else None
    return (phase.starts_on, phase.ends_on) if phase else None


# --- counting --------------------------------------------------------------------------------


def attendance_of(region: RegionUnit, start: date, end: date):
    """Attendance of people living in `region` between two days (both included)."""
    return Attendance.objects.filter(
        trainee__region__path__startswith=region.path, day__gte=start, day__lte=end
    )


@dataclass(frozen=True)
class Counts:
    person_times: int
    persons: int
    sessions: int
    attendance_days: int


def counts(region: RegionUnit, start: date, end: date) -> Counts:
    attendance = attendance_of(region, start, end)
    totals = attendance.aggregate(
        persons=Count("trainee", distinct=True),
        sessions=Count("session", distinct=True),
        days=Count("id"),
    )
    return Counts(
        person_times=attendance.person_times(),
        persons=totals["persons"],
        sessions=totals["sessions"],
        attendance_days=totals["days"],
    )


def person_times(region: RegionUnit, start: date, end: date) -> int:
    return attendance_of(region, start, end).person_times()


def persons(region: RegionUnit, start: date, end: date, *, category: str | None = None) -> int:
    attendance = attendance_of(region, start, end)
    if category == TraineeCategory.WOMEN:
        attendance = attendance.filter(trainee__gender=Gender.FEMALE)
    elif category:
        attendance = attendance.filter(trainee__categories__category=category)
    return attendance.persons()


def per_category(region: RegionUnit, start: date, end: date) -> list[dict]:
    """Persons trained in each category (a person may be in several), women from the gender."""
    trained = attendance_of(region, start, end).values("trainee_id")
    by_category = dict(
        TraineeCategoryMembership.objects.filter(trainee_id__in=trained)
        .values("category")
        .annotate(n=Count("trainee", distinct=True))
        .values_list("category", "n")
    )
    by_category[TraineeCategory.WOMEN] = Trainee.objects.filter(
        pk__in=trained, gender=Gender.FEMALE
    ).count()
    return [
        {"code": code, "label": label, "persons": by_category.get(code, 0)}
        for code, label in TraineeCategory.choices
    ]


def per_year(region: RegionUnit, until: date) -> list[dict]:
    years = sorted({d.year for d in attendance_of(region, date.min, until).dates("day", "year")})
    rows = []
    for year in years:
        c = counts(region, date(year, 1, 1), min(date(year, 12, 31), until))
        rows.append({"year": year, "person_times": c.person_times, "persons": c.persons})
    return rows


def per_kind(region: RegionUnit, start: date, end: date) -> list[dict]:
    """Person-times and persons by kind of course."""
    pairs = (
        attendance_of(region, start, end)
        .values("session__course__kind", "session_id")
        .annotate(n=Count("trainee", distinct=True))
    )
    times: dict[str, int] = defaultdict(int)
    for row in pairs:
        times[row["session__course__kind"]] += row["n"]
    people = dict(
        attendance_of(region, start, end)
        .values("session__course__kind")
        .annotate(n=Count("trainee", distinct=True))
        .values_list("session__course__kind", "n")
    )
    return [
        {
            "kind": kind,
            "label": label,
            "person_times": times.get(kind, 0),
            "persons": people.get(kind, 0),
        }
        for kind, label in CourseKind.choices
        if times.get(kind)
    ]


def per_township(region: RegionUnit, start: date, end: date) -> list[dict]:
    """Person-times and persons by the township people live in, for every township below
    `region` (the county's townships, or the one township)."""
    townships = list(
        RegionUnit.objects.within(region).filter(level=Level.TOWNSHIP).order_by("path")
    )
    if region.level == Level.VILLAGE:
        return []
    width = len(region.path) if region.level == Level.TOWNSHIP else None
    times: dict[str, int] = defaultdict(int)
    people: dict[str, set] = defaultdict(set)
    rows = (
        attendance_of(region, start, end)
        .values("trainee__region__path", "session_id", "trainee_id")
        .distinct()
    )
    for row in rows.iterator(chunk_size=5000):
        key = _township_path(row["trainee__region__path"], width)
        times[key] += 1
        people[key].add(row["trainee_id"])
    return [
        {
            "township": t,
            "person_times": times.get(t.path, 0),
            "persons": len(people.get(t.path, ())),
        }
        for t in townships
    ]


def _township_path(path: str, width: int | None) -> str:
    if width:
        return path[:width]
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


# --- e-commerce talents ----------------------------------------------------------------------


def talent_certificates(region: RegionUnit, day: date):
    return (
        Certificate.objects.valid_on(day)
        .forming_talents()
        .filter(trainee__region__path__startswith=region.path)
    )


TALENTS_LEAST = "village_talent_coverage"  # its target: at least this many talents in a village
TALENTS_MOST = "village_talents_max"  # its target: at most this many


def talents_per_village(region: RegionUnit, day: date) -> list[dict]:
    """Every administrative village below `region` open on the day, with its number of
    e-commerce talents (and whether that is more than the plan's most); those without one come
    first."""
    most = plan_target(region, day, TALENTS_MOST)
    counted = dict(
        talent_certificates(region, day)
        .values("trainee__region_id")
        .annotate(n=Count("trainee", distinct=True))
        .values_list("trainee__region_id", "n")
    )
    villages = (
        RegionUnit.objects.within(region)
        .administrative_villages()
        .open_on(day)
        .select_related("parent")
        .annotate(
            is_poor=Count("memberships", filter=Q(memberships__group__code=GroupCode.POOR_VILLAGE))
        )
        .order_by("path")
    )
    rows = [
        {
            "village": v,
            "talents": counted.get(v.pk, 0),
            "is_poor": bool(v.is_poor),
            "above_plan": most is not None and not most.is_met_by(counted.get(v.pk, 0)),
        }
        for v in villages
    ]
    return sorted(rows, key=lambda r: (r["talents"] > 0, r["village"].path))


def villages_without_talent(region: RegionUnit, day: date) -> list[RegionUnit]:
    return [r["village"] for r in talents_per_village(region, day) if not r["talents"]]


# --- money -----------------------------------------------------------------------------------


def spending(region: RegionUnit, start: date, end: date) -> dict:
    """What the sessions held in `region` cost, by funding source."""
    by_source = dict(
        TrainingSession.objects.in_region(region)
        .filter(starts_on__gte=start, starts_on__lte=end)
        .values("funding_source")
        .annotate(total=Sum("cost"))
        .values_list("funding_source", "total")
    )
    rows = [
        {"source": code, "label": label, "amount": by_source.get(code) or Decimal("0.00")}
        for code, label in FundingSource.choices
    ]
    return {
        "rows": rows,
        "total": sum((r["amount"] for r in rows), Decimal("0.00")),
        "special_fund": by_source.get(FundingSource.SPECIAL_FUND) or Decimal("0.00"),
    }


def training_fund_cap(plan: Plan | None) -> FundRule | None:
    """The plan's cap on what the special fund spends on training, or None."""
    return fund_cap(plan, FundingSource.FUND_CATEGORY[FundingSource.SPECIAL_FUND])


@dataclass(frozen=True)
class TrainingFund:
    """The plan's cap for training from the special fund, and what takes of it: the county's
    sessions paid from it, every session of the plan's time, held or still to come (scheduling
    one commits its cost), and the fund's own training projects (`core.commitments`)."""

    cap: FundRule
    sessions: Decimal
    elsewhere: Decimal = Decimal("0.00")

    @property
    def committed(self) -> Decimal:
        return self.sessions + self.elsewhere

    @property
    def left(self) -> Decimal:
        return max(self.cap.amount - self.committed, Decimal("0.00"))

    @property
    def share(self) -> int:
        """Percent of the cap committed, for a progress bar."""
        return min(100, int(self.committed * 100 / self.cap.amount)) if self.cap.amount else 100


def sessions_under(plan: Plan):
    """The county's sessions that start in the plan's time: from its start until a newer plan
    of the county starts."""
    sessions = TrainingSession.objects.in_region(plan.county).filter(starts_on__gte=plan.starts_on)
    newer = next_plan_starts(plan)
    return sessions.filter(starts_on__lt=newer) if newer else sessions


def training_fund(plan: Plan | None, *, excluding: int | None = None) -> TrainingFund | None:
    """None when the plan sets no cap for training. `excluding`: a session whose cost is being
    changed."""
    cap = training_fund_cap(plan)
    if cap is None:
        return None
    sessions = sessions_under(plan).filter(funding_source=FundingSource.SPECIAL_FUND)
    if excluding is not None:
        sessions = sessions.exclude(pk=excluding)
    spent = sessions.aggregate(total=Sum("cost"))["total"] or Decimal("0.00")
    return TrainingFund(cap=cap, sessions=spent, elsewhere=committed_elsewhere(plan, cap.category))


# --- against the plan ------------------------------------------------------------------------


def progress_against_plan(region: RegionUnit, day: date) -> list[Evaluation]:
    from cuncun.training.indicators import INDICATOR_CODES

    return [evaluate(code, region, day) for code in INDICATOR_CODES]


# --- pages -----------------------------------------------------------------------------------


def sessions(user, *, year: int | None = None, kind: str = "", township: RegionUnit | None = None):
    rows = (
        TrainingSession.objects.visible_to(user)
        .select_related("course", "region")
        .annotate(
            persons=Count("attendances__trainee", distinct=True),
            attendance_days=Count("attendances", distinct=True),
        )
        .order_by("-starts_on", "code")
    )
    if year:
        rows = rows.filter(starts_on__year=year)
    if kind:
        rows = rows.filter(course__kind=kind)
    if township is not None:
        rows = rows.filter(region=township)
    return rows


def session_years() -> list[int]:
    return sorted(
        {d.year for d in TrainingSession.objects.dates("starts_on", "year")}, reverse=True
    )


def session_by_code(code: str) -> TrainingSession:
    session = (
        TrainingSession.objects.select_related("course", "region", "created_by")
        .filter(code=code)
        .first()
    )
    if session is None:
        raise NotFound(details={"session": code})
    return session


def attendance_sheet(user, session: TrainingSession, page: int = 1):
    """The session's trainees the user may see, a page at a time, each with the days they came."""
    trainees = (
        Trainee.objects.visible_to(user)
        .filter(attendances__session=session)
        .select_related("region__parent")
        .distinct()
        .order_by("region__path", "name", "id")
    )
    paginator = Paginator(trainees, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    shown = [t.pk for t in page_obj.object_list]
    present = defaultdict(set)
    for trainee_id, day in Attendance.objects.filter(
        session=session, trainee_id__in=shown
    ).values_list("trainee_id", "day"):
        present[trainee_id].add(day)
    days = session.days()
    rows = [
        {"trainee": t, "days": [d in present[t.pk] for d in days], "count": len(present[t.pk])}
        for t in page_obj.object_list
    ]
    return page_obj, rows


def session_summary(user, session: TrainingSession) -> dict:
    attendance = Attendance.objects.visible_to(user).filter(session=session)
    by_day = dict(
        attendance.values("day").annotate(n=Count("trainee", distinct=True)).values_list("day", "n")
    )
    return {
        "persons": attendance.persons(),
        "by_day": [(d, by_day.get(d, 0)) for d in session.days()],
        "certificates": Certificate.objects.visible_to(user).filter(session=session).count(),
        "eligible": attendance.values("trainee_id")
        .annotate(days=Count("day", distinct=True))
        .filter(days__gte=session.days_for_certificate)
        .count(),
    }


def roster_imports(session: TrainingSession):
    return session.roster_imports.select_related("uploaded_by").defer("content")[:20]


def roster_import(pk: int) -> RosterImport:
    found = (
        RosterImport.objects.select_related("session__course")
        .defer("content")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def trainees(
    user,
    *,
    search: str = "",
    region: RegionUnit | None = None,
    category: str = "",
):
    require_reader(user)
    rows = (
        Trainee.objects.visible_to(user)
        .select_related("region__parent")
        .annotate(
            person_times=Count("attendances__session", distinct=True),
            first_day=Min("attendances__day"),
        )
        .order_by("region__path", "name", "id")
    )
    if region is not None:
        rows = rows.in_region(region)
    if category:
        rows = rows.in_category(category)
    if search:
        rows = rows.filter(name__contains=search.strip())
    return rows


def trainee(user, pk: int) -> Trainee:
    require_reader(user)
    found = (
        Trainee.objects.visible_to(user)
        .select_related("region__parent")
        .prefetch_related(
            "categories",
            Prefetch(
                "certificates",
                queryset=Certificate.objects.select_related("session__course"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def trainee_sessions(trainee: Trainee) -> list[dict]:
    rows = (
        trainee.attendances.values("session_id")
        .annotate(days=Count("day"), first=Min("day"))
        .order_by("first")
    )
    sessions_by_id = TrainingSession.objects.select_related("course").in_bulk(
        [r["session_id"] for r in rows]
    )
    return [{"session": sessions_by_id[r["session_id"]], "days": r["days"]} for r in rows]


def courses():
    return Course.objects.annotate(session_count=Count("sessions")).order_by("kind", "code")
