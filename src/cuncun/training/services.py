"""Every write of the training app: courses and sessions, trainees and attendance, roster imports,
phone check-in and certificates. Each runs in one transaction with its audit row; views, the API,
the command line, tasks and the demo all come through here."""

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core import audit, reveal
from cuncun.core.checks import number_out_of_range, text_too_long, texts_too_long
from cuncun.core.errors import Conflict, InvalidInput, NotFound
from cuncun.core.money import format_yuan, to_money
from cuncun.core.personal import is_valid_phone, mask_id_number, mask_phone
from cuncun.regions.models import Level, RegionUnit
from cuncun.training import codes, queries
from cuncun.training.access import require_manager
from cuncun.training.locks import (
    lock_roster_import,
    lock_session,
    lock_trainees,
    lock_training_fund,
)
from cuncun.training.models import (
    Attendance,
    AttendanceSource,
    Certificate,
    Course,
    CourseKind,
    FundingSource,
    RosterImport,
    RosterImportStatus,
    Trainee,
    TraineeCategory,
    TraineeCategoryMembership,
    TrainingSession,
)
from cuncun.training.roster import (
    ETHNIC_GROUPS,
    ID_QUERY_CHUNK,
    RosterChecker,
    RosterRow,
    RosterSheet,
    check_id_number,
    gender_of,
    read_roster,
    reduced_roster,
    same_name,
)

MAX_ROSTER_BYTES = 10 * 1024 * 1024
SESSION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
# A session code taken by someone else at the same moment is taken again this many times.
SESSION_CODE_ATTEMPTS = 5
MAX_PLACES = 2**31 - 1  # what the places column holds
TRAINEES_PER_INSERT = 1000
# What an audit entry may say about a trainee: never the ID number or the phone.
TRAINEE_AUDIT_FIELDS = ["name", "gender", "ethnicity", "region_id", "is_demo"]
SESSION_FIELDS = [
    "title",
    "starts_on",
    "ends_on",
    "place",
    "region",
    "trainer",
    "institution",
    "funding_source",
    "cost",
    "capacity",
    "certificate_min_days",
]
SESSION_TEXTS = ["title", "place", "trainer", "institution"]
ATTENDANCE_ACTIONS = {
    AttendanceSource.MANUAL: "training.record_attendance",
    AttendanceSource.CHECK_IN: "training.check_in",
}


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse(problems: list[str]) -> None:
    if problems:
        raise InvalidInput("; ".join(str(p) for p in problems), details={"problems": problems})


# --- courses and sessions --------------------------------------------------------------------


def create_course(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    description: str = "",
    forms_talents: bool | None = None,
    is_demo: bool = False,
) -> Course:
    require_manager(actor)
    problems = []
    code, name = code.strip(), name.strip()
    if not re.fullmatch(r"[-a-z0-9_]{1,32}", code):
        problems.append(_("The code must be 1-32 lower-case letters, digits or dashes."))
    if not name:
        problems.append(_("The name is empty."))
    elif too_long := text_too_long(Course, "name", name):
        problems.append(too_long)
    if kind not in dict(CourseKind.choices):
        problems.append(_("Unknown kind of course %s.") % kind)
    _refuse(problems)
    with transaction.atomic():
        try:
            # Two people creating the same course at once: the unique code lets one through.
            with transaction.atomic():
                course = Course.objects.create(
                    code=code,
                    name=name,
                    kind=kind,
                    description=description,
                    forms_talents=kind in CourseKind.FORMS_TALENTS
                    if forms_talents is None
                    else forms_talents,
                    is_demo=is_demo,
                )
        except IntegrityError as error:
            if Course.objects.filter(code=code).exists():
                raise Conflict(_("There is already a course with the code %s.") % code) from error
            raise
        audit.record(
            actor=actor, action="training.create_course", obj=course, after=audit.snapshot(course)
        )
    return course


@dataclass
class SessionPlan:
    """What the training office fills in to schedule a session (一期培训班)."""

    course: Course
    starts_on: date
    ends_on: date
    place: str
    region: RegionUnit
    funding_source: str
    cost: Decimal | int | str = 0
    trainer: str = ""
    institution: str = ""
    title: str = ""
    capacity: int | None = None
    certificate_min_days: int | None = None
    code: str = ""  # empty: the next number of its year, e.g. 2017-004
    is_demo: bool = False


class TrainingFundCapExceeded(InvalidInput):
    """A session paid from the special fund would take training past the plan's cap."""

    code = "training_fund_cap_exceeded"


class SessionFull(Conflict):
    """Every place of the session is taken."""

    code = "session_full"


def _check_session(values: dict) -> list[str]:
    problems = []
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(_("The last day is before the first day."))
    elif starts_on and ends_on and (ends_on - starts_on).days > 90:
        problems.append(_("A session lasts at most 90 days; schedule several sessions."))
    if not (values.get("place") or "").strip():
        problems.append(_("The place is empty."))
    problems += texts_too_long(TrainingSession, {name: values.get(name) for name in SESSION_TEXTS})
    region = values["region"]
    if region is None or region.level not in {Level.COUNTY, Level.TOWNSHIP}:
        problems.append(_("A session is held in a township, or county-wide."))
    if values["funding_source"] not in dict(FundingSource.choices):
        problems.append(_("Unknown funding source %s.") % values["funding_source"])
    if wrong_cost := number_out_of_range(TrainingSession, "cost", values["cost"], low=0):
        problems.append(wrong_cost)
    else:
        values["cost"] = to_money(values["cost"] if values["cost"] not in (None, "") else 0)
    capacity = values.get("capacity")
    if capacity is not None and capacity < 1:
        problems.append(_("The number of places must be at least 1."))
    elif capacity is not None and capacity > MAX_PLACES:
        problems.append(_("The number of places is too large."))
    days = values.get("certificate_min_days")
    if (
        days is not None
        and starts_on
        and ends_on
        and not 1 <= days <= (ends_on - starts_on).days + 1
    ):
        problems.append(
            _("The days needed for a certificate must be between 1 and the session's days.")
        )
    return problems


def _keep_within_training_fund(values: dict, *, before: TrainingSession | None = None) -> None:
    """A session paid from the special fund may not take the plan's training spending past the
    plan's cap (支持培训体系建设不超过…): its cost must fit in what is left. A change that takes
    no more of the fund than the session did is never refused (even if a reloaded plan lowered
    the cap)."""
    if values["funding_source"] != FundingSource.SPECIAL_FUND:
        return
    plan = queries.plan_governing(values["region"], values["starts_on"])
    cap = queries.training_fund_cap(plan)
    if cap is None or (before is not None and values["cost"] <= _taken_from(plan, before)):
        return
    lock_training_fund(cap)
    fund = queries.training_fund(plan, excluding=before.pk if before else None)
    if values["cost"] > fund.left:
        raise TrainingFundCapExceeded(
            _(
                "This session would cost %(cost)s of the special fund, but only %(left)s of the "
                "plan's %(cap)s for training is left."
            )
            % {
                "cost": format_yuan(values["cost"]),
                "left": format_yuan(fund.left),
                "cap": format_yuan(cap.amount),
            },
            details={"cap": cap.amount, "committed": fund.committed, "left": fund.left},
        )


def _taken_from(plan, session: TrainingSession) -> Decimal:
    """What a session, as it stands, takes of the plan's special fund for training."""
    if session.funding_source != FundingSource.SPECIAL_FUND:
        return Decimal("0.00")
    if queries.plan_governing(session.region, session.starts_on) != plan:
        return Decimal("0.00")
    return session.cost


def schedule_session(*, actor, plan: SessionPlan) -> TrainingSession:
    require_manager(actor)
    values = {name: getattr(plan, name) for name in SESSION_FIELDS}
    problems = _check_session(values)
    code = plan.code.strip()
    if code and not SESSION_CODE.match(code):
        problems.append(_("The session code may have letters, digits and dashes only."))
    _refuse(problems)
    with transaction.atomic():
        _keep_within_training_fund(values)
        session = _create_session(plan, values, code=code, actor=actor)
        audit.record(
            actor=actor,
            action="training.schedule_session",
            obj=session,
            after=audit.snapshot(session),
        )
    return session


def _create_session(plan: SessionPlan, values: dict, *, code: str, actor) -> TrainingSession:
    """A code given is refused if a session has it; without one, the year's next number is
    taken, and the one after if someone scheduled a session at the same moment."""
    for _attempt in range(SESSION_CODE_ATTEMPTS):
        candidate = code or _next_session_code(plan.starts_on.year)
        try:
            with transaction.atomic():
                return TrainingSession.objects.create(
                    code=candidate,
                    course=plan.course,
                    is_demo=plan.is_demo,
                    created_by=_person(actor),
                    **values,
                )
        except IntegrityError as error:
            if not TrainingSession.objects.filter(code=candidate).exists():
                raise
            if code:
                raise Conflict(_("There is already a session with the code %s.") % code) from error
    raise Conflict(_("Many sessions are being scheduled at this moment: save again."))


def _next_session_code(year: int) -> str:
    taken = set(
        TrainingSession.objects.filter(code__startswith=f"{year}-").values_list("code", flat=True)
    )
    number = len(taken) + 1
    while f"{year}-{number:03d}" in taken:
        number += 1
    return f"{year}-{number:03d}"


def update_session(*, actor, session: TrainingSession, **changes) -> TrainingSession:
    """Change a session's details; its days may not drop days someone attended, its places may
    not be fewer than the people who came."""
    require_manager(actor)
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise InvalidInput(_("These cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        session = lock_session(session.pk)
        values = {name: getattr(session, name) for name in SESSION_FIELDS} | changes
        problems = _check_session(values)
        attended = session.attendances.exclude(
            day__gte=values["starts_on"], day__lte=values["ends_on"]
        )
        if attended.exists():
            problems.append(_("Some trainees attended on days the new dates leave out."))
        persons = session.attendances.persons()
        if values["capacity"] is not None and values["capacity"] < persons:
            problems.append(
                _("%d people already attend: the session cannot have fewer places.") % persons
            )
        _refuse(problems)
        _keep_within_training_fund(values, before=session)
        before = audit.snapshot(session)
        for name, value in values.items():
            setattr(session, name, value)
        session.save()
        audit.record(
            actor=actor,
            action="training.update_session",
            obj=session,
            before=before,
            after=audit.snapshot(session),
        )
    return session


# --- trainees and attendance -----------------------------------------------------------------


@dataclass
class Person:
    """A person as a form or a check-in gives them."""

    id_number: str
    name: str
    region: RegionUnit | None = None
    phone: str = ""
    ethnicity: str = ""
    categories: Iterable[str] = field(default_factory=tuple)


def _check_person(person: Person, *, county: RegionUnit | None) -> tuple[str, date]:
    problems = []
    id_number, born, trouble = check_id_number(person.id_number)
    if trouble:
        problems.append(trouble[1])
    if not person.name.strip():
        problems.append(_("The name is empty."))
    elif too_long := text_too_long(Trainee, "name", person.name.strip()):
        problems.append(too_long)
    if person.phone and not is_valid_phone(person.phone):
        problems.append(_("%s is not a mobile phone number.") % person.phone)
    if person.ethnicity and person.ethnicity not in ETHNIC_GROUPS:
        problems.append(_("%s is not one of the 56 ethnic groups.") % person.ethnicity)
    unknown = set(person.categories) - set(TraineeCategory.STORED)
    if unknown:
        problems.append(_("Unknown category: %s") % ", ".join(sorted(unknown)))
    region = person.region
    if region is None:
        problems.append(_("Choose the village."))
    elif region.level == Level.COUNTY or (
        region.level == Level.TOWNSHIP and region.children.exists()
    ):
        problems.append(_("Choose the village, not only the township."))
    elif county is not None and not region.path.startswith(county.path):
        problems.append(_("%s is not in this county.") % region.name)
    _refuse(problems)
    return id_number, born


def register_trainee(*, actor, person: Person, is_demo: bool = False) -> Trainee:
    require_manager(actor)
    id_number, born = _check_person(person, county=None)
    with transaction.atomic():
        trainee = _insert_trainee(actor, person, id_number, born, is_demo=is_demo)
        if trainee is None:
            raise Conflict(_("The ID number %s is already registered.") % mask_id_number(id_number))
    return trainee


def _insert_trainee(actor, person: Person, id_number: str, born: date, *, is_demo=False):
    """The new trainee, or None when the ID number is registered already (perhaps at this very
    moment, by a roster or a check-in elsewhere). Looked for first under every key: during a key
    rotation the unique index on the current key's hash does not see a row under an old one."""
    if Trainee.objects.with_id_number(id_number).exists():
        return None
    try:
        with transaction.atomic():
            trainee = Trainee.objects.create(
                id_number=id_number,
                name=person.name.strip(),
                gender=gender_of(id_number),
                birth_date=born,
                ethnicity=person.ethnicity,
                phone=person.phone.strip(),
                region=person.region,
                is_demo=is_demo,
            )
    except IntegrityError:
        if Trainee.objects.with_id_number(id_number).exists():
            return None
        raise
    TraineeCategoryMembership.objects.bulk_create(
        [TraineeCategoryMembership(trainee=trainee, category=c) for c in set(person.categories)]
    )
    audit.record(
        actor=actor,
        action="training.register_trainee",
        obj=trainee,
        after=audit.snapshot(trainee, TRAINEE_AUDIT_FIELDS)
        | {"categories": sorted(set(person.categories))},
    )
    return trainee


def record_attendance(
    *, actor, session: TrainingSession, trainee: Trainee, day: date
) -> tuple[Attendance, bool]:
    """The training office marks a trainee present on a day (by hand). (attendance, created)."""
    require_manager(actor)
    with transaction.atomic():
        return _attend(actor, lock_session(session.pk), trainee, day, AttendanceSource.MANUAL)


def _attend(actor, session, trainee, day, source) -> tuple[Attendance, bool]:
    """Inside the caller's transaction, with the session locked: every attendance of a session
    is written one at a time, so the same day twice is one attendance and places are counted
    right."""
    if not session.includes(day):
        raise InvalidInput(
            _("%(day)s is not a day of this session (%(first)s to %(last)s).")
            % {"day": day, "first": session.starts_on, "last": session.ends_on}
        )
    recorded = Attendance.objects.filter(session=session, trainee=trainee, day=day).first()
    if recorded is not None:
        return recorded, False
    if not _attends(session, trainee):
        _refuse_when_full(session)
    attendance = Attendance.objects.create(
        session=session, trainee=trainee, day=day, source=source, recorded_by=_person(actor)
    )
    audit.record(
        actor=actor,
        action=ATTENDANCE_ACTIONS[source],
        obj=attendance,
        after={
            "session": session.code,
            "trainee": trainee.pk,
            "day": day.isoformat(),
            "source": source,
        },
    )
    return attendance, True


def _attends(session, trainee) -> bool:
    return trainee is not None and session.attendances.filter(trainee=trainee).exists()


def _places_left(session) -> int | None:
    if session.capacity is None:
        return None
    return max(0, session.capacity - session.attendances.persons())


def _refuse_when_full(session) -> None:
    if _places_left(session) == 0:
        raise SessionFull(
            _("The session is full: all its %d places are taken.") % session.capacity,
            details={"capacity": session.capacity},
        )


# --- phone check-in --------------------------------------------------------------------------


class RegistrationNeeded(InvalidInput):
    """No trainee has this ID number and name: the page asks for a village to register. The
    same answer whether the ID number is unknown or registered under another name, so that the
    day's code does not tell a stranger which ID numbers are registered."""

    code = "registration_needed"


@dataclass
class CheckIn:
    trainee: Trainee
    attendance: Attendance
    created: bool  # False: already checked in today
    registered: bool  # True: they registered while checking in


def check_in(
    *,
    session: TrainingSession,
    day: date,
    token: str,
    person: Person,
    today: date | None = None,
) -> CheckIn:
    """A trainee checks in by scanning the session's code for the day on their phone.

    The code is valid on its own day only. A second check-in on the same day is the same single
    attendance. Someone not yet registered registers here with their village (and phone), in
    the same transaction as the attendance."""
    today = today or timezone.localdate()
    if not codes.checkin_token_matches(session.code, day, token):
        raise InvalidInput(
            _("This check-in code is not valid. Scan the code shown at the session.")
        )
    if day != today:
        raise InvalidInput(
            _("This check-in code was for %(day)s. Scan today's code at the session.")
            % {"day": day}
        )
    if not session.includes(day):
        raise InvalidInput(_("The session does not take place today."))
    registering = person.region is not None
    if registering:  # checked whether or not the ID number is known: the answer tells nothing
        id_number, born = _check_person(person, county=session.region.county())
    else:
        id_number, born, trouble = check_id_number(person.id_number)
        if trouble:
            raise InvalidInput(trouble[1])
        if not person.name.strip():
            raise InvalidInput(_("Enter your name."))
    with transaction.atomic():
        # Check-ins of one session queue here: a person's first check-in, sent twice at once,
        # registers them once and the second finds them registered.
        session = lock_session(session.pk)
        trainee = Trainee.objects.with_id_number(id_number).first()
        known = trainee is not None and same_name(trainee.name, person.name)
        if not (known and _attends(session, trainee)):
            _refuse_when_full(session)  # before telling known from unknown people apart
        registered = False
        if trainee is None and registering:
            trainee = _insert_trainee(None, person, id_number, born)
            registered = trainee is not None
            trainee = trainee or Trainee.objects.with_id_number(id_number).first()
        if trainee is None or not same_name(trainee.name, person.name):
            raise RegistrationNeeded(
                _(
                    "We found no trainee with this ID number and name. If this is your first "
                    "check-in, choose your village to register. If you have registered before, "
                    "write your name exactly as registered, or ask the trainer."
                )
            )
        attendance, created = _attend(None, session, trainee, day, AttendanceSource.CHECK_IN)
    return CheckIn(trainee=trainee, attendance=attendance, created=created, registered=registered)


# --- roster import ---------------------------------------------------------------------------


@dataclass
class RosterReport:
    total_rows: int
    good_rows: int
    bad_rows: int
    problems: list[dict]
    merged: list[dict] = field(default_factory=list)  # rows repeating a person, merged into one
    imported: bool = False
    new_trainees: int = 0
    known_trainees: int = 0
    attendances: int = 0
    already_recorded: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class RosterHasBadRows(InvalidInput):
    """Some rows are bad and the user did not choose to import the good ones: nothing imported."""

    code = "roster_has_bad_rows"


class RosterUnreadable(InvalidInput):
    """The file itself is wrong (no header row, too many rows): no row could be checked."""

    code = "roster_unreadable"


def import_roster(
    *,
    actor,
    session: TrainingSession,
    sheet: RosterSheet,
    good_rows_only: bool = False,
    roster_import: RosterImport | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_writing: Callable[[], None] | None = None,
    on_written: Callable[[RosterReport], None] | None = None,
) -> RosterReport:
    """Check every row, then write the good ones in one transaction.

    With a bad row, nothing is imported unless `good_rows_only`; people are matched by ID number
    across all imports, and a day already recorded for a person is recorded once. `on_written`
    runs inside the transaction that writes the rows, with the report: what it records (the
    import's end) commits with them, and what it refuses rolls them back."""
    require_manager(actor)
    session = TrainingSession.objects.select_related("region").get(pk=session.pk)  # as it is now
    if sheet.problems:
        raise RosterUnreadable(
            " ".join(p["reason"] for p in sheet.problems), details={"rows": sheet.problems}
        )
    checked = RosterChecker(session).check(sheet.rows, on_progress)
    report = RosterReport(
        total_rows=checked.total_rows,
        good_rows=checked.good_rows,
        bad_rows=checked.bad_rows,
        problems=checked.problems,
        merged=checked.merged,
    )
    if not checked.rows:
        if not checked.problems:
            raise InvalidInput(_("The roster has no rows below its header."))
        raise _bad_rows(report, chosen=good_rows_only)
    if checked.problems and not good_rows_only:
        raise _bad_rows(report, chosen=False)
    if on_writing:
        on_writing()

    def written(counts: dict) -> None:
        report.imported = True
        report.new_trainees = counts["new_trainees"]
        report.known_trainees = counts["known_trainees"]
        report.attendances = counts["attendances"]
        report.already_recorded = counts["already_recorded"]
        if on_written:
            on_written(report)

    _write_roster(actor, session, checked.rows, roster_import, then=written)
    return report


def _bad_rows(report: RosterReport, *, chosen: bool) -> RosterHasBadRows:
    if chosen:
        message = _("No row of the roster is good: nothing was imported.")
    else:
        message = _(
            "%(bad)d of %(total)d rows are bad: nothing was imported. Correct them and upload "
            "the file again, or import only the good rows."
        ) % {"bad": report.bad_rows, "total": report.total_rows}
    return RosterHasBadRows(message, details={"rows": report.problems, "report": report.as_dict()})


def _write_roster(
    actor, session, rows: list[RosterRow], roster_import, *, then: Callable[[dict], None]
) -> None:
    """Write the checked rows; `then` gets the counts inside the same transaction."""
    recorder = _person(actor)
    with transaction.atomic():
        session = lock_session(session.pk)
        known = _trainees_by_id_number([r.id_number for r in rows])
        _refuse_other_names(rows, known)
        inserted, taken = _insert_new_trainees(r for r in rows if r.id_number not in known)
        _refuse_other_names(rows, taken)
        known |= taken
        trainee_ids = {k: t.pk for k, t in (known | inserted).items()}
        _refuse_beyond_places(session, trainee_ids.values())
        completed = _complete_known_trainees(actor, rows, known, roster_import or session)
        TraineeCategoryMembership.objects.bulk_create(
            [
                TraineeCategoryMembership(trainee_id=inserted[r.id_number].pk, category=c)
                for r in rows
                if r.id_number in inserted
                for c in sorted(r.categories)
            ],
            batch_size=2000,
        )
        recorded = set(session.attendances.values_list("trainee_id", "day"))
        wanted = [(trainee_ids[r.id_number], day) for r in rows for day in sorted(r.days)]
        attendances = [
            Attendance(
                session=session,
                trainee_id=trainee_id,
                day=day,
                source=AttendanceSource.ROSTER,
                roster_import=roster_import,
                recorded_by=recorder,
            )
            for trainee_id, day in wanted
            if (trainee_id, day) not in recorded
        ]
        Attendance.objects.bulk_create(attendances, batch_size=2000)
        counts = {
            "rows": len(rows),
            "new_trainees": len(inserted),
            "known_trainees": len(known),
            "completed_trainees": completed,
            "attendances": len(attendances),
            "already_recorded": len(wanted) - len(attendances),
        }
        audit.record(
            actor=actor,
            action="training.import_roster",
            obj=roster_import or session,
            after={"session": session.code, **counts},
        )
        then(counts)


def _refuse_other_names(rows: list[RosterRow], registered: dict[str, Trainee]) -> None:
    """The rows were checked against the registered names; someone registered since (another
    import, a check-in) under another name stops the import."""
    changed = [
        r
        for r in rows
        if r.id_number in registered and not same_name(registered[r.id_number].name, r.name)
    ]
    if changed:
        raise Conflict(
            _(
                "Another import registered some of these people at the same time under other "
                "names (row %d first). Run the import again to see the rows to correct."
            )
            % changed[0].row
        )


def _insert_new_trainees(rows: Iterable[RosterRow]) -> tuple[dict, dict]:
    """(inserted, taken): the trainees this import registered, and those another import or a
    check-in registered at the same moment, whose row stands. Inserted in the order of the
    unique index (the ID number's keyed hash), so that two imports of the same people wait for
    each other instead of deadlocking."""
    pending = [
        Trainee(
            id_number=r.id_number,
            name=r.name,
            gender=r.gender,
            birth_date=r.birth_date,
            ethnicity=r.ethnicity,
            phone=r.phone,
            region_id=r.region_id,
        )
        for r in rows
    ]
    pending.sort(key=lambda t: t.id_number_digest)
    inserted: dict[str, Trainee] = {}
    taken: dict[str, Trainee] = {}
    for start in range(0, len(pending), TRAINEES_PER_INSERT):
        batch = pending[start : start + TRAINEES_PER_INSERT]
        while batch:
            try:
                with transaction.atomic():
                    Trainee.objects.bulk_create(batch)
            except IntegrityError:
                there = _trainees_by_id_number([t.id_number for t in batch])
                if not there:
                    raise
                taken |= there
                batch = [t for t in batch if t.id_number not in there]
            else:
                inserted |= {t.id_number: t for t in batch}
                batch = []
    return inserted, taken


def _refuse_beyond_places(session, trainee_ids: Iterable[int]) -> None:
    """The rows beyond the places were refused when checked; places taken since (a check-in,
    another import) stop the import."""
    if session.capacity is None:
        return
    attending = set(session.attendances.values_list("trainee_id", flat=True).distinct())
    coming = attending | set(trainee_ids)
    if len(coming) > session.capacity:
        raise Conflict(
            _(
                "The session has %(places)d places and %(taken)d are taken now: places were "
                "taken while the roster was checked. Run the import again to see the rows "
                "beyond the places."
            )
            % {"places": session.capacity, "taken": len(attending)}
        )


def _complete_known_trainees(actor, rows: list[RosterRow], known: dict, source) -> int:
    """A roster fills in what registered trainees lack (a phone, an ethnicity) and adds the
    categories it names: never replaces or removes. Each trainee so completed gets an audit
    entry with the before and after (the phone masked)."""
    wanted = {
        known[r.id_number].pk: r
        for r in rows
        if r.id_number in known
        and (
            (r.phone and not known[r.id_number].phone)
            or (r.ethnicity and not known[r.id_number].ethnicity)
            or r.categories
        )
    }
    if not wanted:
        return 0
    trainees = lock_trainees(wanted)
    held = _categories_of(list(trainees))
    filled, added, completed = [], [], 0
    for pk, trainee in trainees.items():
        row = wanted[pk]
        before = {"phone": mask_phone(trainee.phone), "ethnicity": trainee.ethnicity}
        before["categories"] = sorted(held.get(pk, set()))
        new_categories = row.categories - held.get(pk, set())
        if (row.phone and not trainee.phone) or (row.ethnicity and not trainee.ethnicity):
            trainee.phone = trainee.phone or row.phone
            trainee.ethnicity = trainee.ethnicity or row.ethnicity
            filled.append(trainee)
        added += [TraineeCategoryMembership(trainee_id=pk, category=c) for c in new_categories]
        after = {
            "phone": mask_phone(trainee.phone),
            "ethnicity": trainee.ethnicity,
            "categories": sorted(held.get(pk, set()) | new_categories),
        }
        if after != before:
            completed += 1
            audit.record(
                actor=actor,
                action="training.complete_trainee",
                obj=trainee,
                before={k: v for k, v in before.items() if after[k] != v},
                after={k: v for k, v in after.items() if before[k] != v},
                reason=str(source),
            )
    Trainee.objects.bulk_update(filled, ["phone", "ethnicity"], batch_size=1000)
    TraineeCategoryMembership.objects.bulk_create(added, batch_size=2000)
    return completed


def _categories_of(trainee_ids: list[int]) -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    for start in range(0, len(trainee_ids), ID_QUERY_CHUNK):
        for trainee_id, category in TraineeCategoryMembership.objects.filter(
            trainee_id__in=trainee_ids[start : start + ID_QUERY_CHUNK]
        ).values_list("trainee_id", "category"):
            held.setdefault(trainee_id, set()).add(category)
    return held


def _trainees_by_id_number(ids: list[str]) -> dict[str, Trainee]:
    found: dict[str, Trainee] = {}
    for start in range(0, len(ids), ID_QUERY_CHUNK):
        for trainee in Trainee.objects.with_id_numbers(ids[start : start + ID_QUERY_CHUNK]).only(
            "id", "id_number_encrypted", "name", "phone", "ethnicity"
        ):
            found[trainee.id_number] = trainee
    return found


def start_roster_import(
    *, actor, session: TrainingSession, file_name: str, content: bytes, good_rows_only: bool
) -> RosterImport:
    """Keep the uploaded roster and queue its import; the page follows its progress."""
    require_manager(actor)
    if not content:
        raise InvalidInput(_("The file is empty."))
    if len(content) > MAX_ROSTER_BYTES:
        raise InvalidInput(
            _("The file is larger than %(mb)d MB; split the roster.")
            % {"mb": MAX_ROSTER_BYTES // (1024 * 1024)}
        )
    with transaction.atomic():
        roster_import = RosterImport.objects.create(
            session=session,
            uploaded_by=_person(actor),
            file_name=(file_name or "roster.xlsx")[:200],
            content=content,
            good_rows_only=good_rows_only,
            progressed_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="training.upload_roster",
            obj=roster_import,
            after={"session": session.code, "file": roster_import.file_name, "bytes": len(content)},
        )
        transaction.on_commit(lambda: _enqueue(roster_import.pk))
    return roster_import


def _enqueue(import_id: int) -> None:
    from cuncun.training.tasks import run_roster_import

    run_roster_import.enqueue(import_id)


def import_good_rows(*, actor, roster_import: RosterImport) -> RosterImport:
    """The user saw the bad rows and chose to import the good ones."""
    require_manager(actor)
    with transaction.atomic():
        roster_import = lock_roster_import(roster_import.pk)
        if roster_import.status != RosterImportStatus.NEEDS_DECISION:
            raise Conflict(_("This roster is not waiting for a decision."))
        _requeue(roster_import, good_rows_only=True)
        audit.record(
            actor=actor,
            action="training.import_good_rows",
            obj=roster_import,
            after={"bad_rows": roster_import.bad_rows, "good_rows": roster_import.good_rows},
        )
    return roster_import


def retry_roster_import(*, actor, roster_import: RosterImport) -> RosterImport:
    """Run a stalled import again (its worker stopped): nothing of it was written, since its rows
    and its end commit together."""
    require_manager(actor)
    with transaction.atomic():
        roster_import = lock_roster_import(roster_import.pk)
        if not roster_import.is_stalled:
            raise Conflict(_("This import has not stalled: it cannot be run again."))
        before = {"status": roster_import.status}
        _requeue(roster_import, good_rows_only=roster_import.good_rows_only)
        audit.record(
            actor=actor,
            action="training.retry_roster_import",
            obj=roster_import,
            before=before,
            after={"status": roster_import.status},
        )
    return roster_import


def _requeue(roster_import: RosterImport, *, good_rows_only: bool) -> None:
    roster_import.good_rows_only = good_rows_only
    roster_import.status = RosterImportStatus.QUEUED
    roster_import.processed_rows = 0
    roster_import.finished_at = None
    roster_import.progressed_at = timezone.now()
    roster_import.save(
        update_fields=["good_rows_only", "status", "processed_rows", "finished_at", "progressed_at"]
    )
    transaction.on_commit(lambda: _enqueue(roster_import.pk))


def discard_roster_import(*, actor, roster_import: RosterImport) -> RosterImport:
    """Nothing will be imported from this file (it has bad rows, or its import stalled): forget
    its content (and the ID numbers in it)."""
    require_manager(actor)
    with transaction.atomic():
        roster_import = lock_roster_import(roster_import.pk)
        if not (
            roster_import.status == RosterImportStatus.NEEDS_DECISION or roster_import.is_stalled
        ):
            raise Conflict(_("This roster is not waiting for a decision."))
        before = {"status": roster_import.status}
        roster_import.status = RosterImportStatus.DISCARDED
        roster_import.content = None
        roster_import.finished_at = roster_import.progressed_at = timezone.now()
        roster_import.save(update_fields=["status", "content", "finished_at", "progressed_at"])
        audit.record(
            actor=actor,
            action="training.discard_roster",
            obj=roster_import,
            before=before,
            after={"status": roster_import.status},
        )
    return roster_import


def process_roster_import(*, import_id: int) -> dict:
    """Run a queued import (the background task). Safe to run twice: only a queued import runs,
    and a finished one answers with its result."""
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImportStatus.QUEUED).update(
        status=RosterImportStatus.VALIDATING, processed_rows=0, progressed_at=timezone.now()
    )
    roster_import = RosterImport.objects.select_related("session__region", "uploaded_by").get(
        pk=import_id
    )
    if not claimed:
        return _as_it_stands(import_id)
    rows = RosterImport.objects.filter(pk=import_id)
    skipped = list(roster_import.problems)  # bad rows already left out when the user chose

    # An import that ended meanwhile (discarded, or finished by another run after this worker
    # was taken for stalled) is left as it is: only a running one moves.
    running = rows.filter(status__in=RosterImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        running.update(processed_rows=done, total_rows=total, progressed_at=timezone.now())

    def writing() -> None:
        running.update(status=RosterImportStatus.IMPORTING, progressed_at=timezone.now())

    def written(report: RosterReport) -> None:
        """In the transaction that writes the rows: the import is done when they are in, so
        that no worker dying in between leaves them in under a running import (which would
        then show as stalled, with its file kept)."""
        outcome = _with_skipped(report.as_dict(), skipped)
        ended = _end_import(
            roster_import,
            RosterImportStatus.DONE,
            outcome,
            result={k: v for k, v in outcome.items() if k != "problems"},
        )
        if not ended:
            raise Conflict(
                _(
                    "This import ended while its rows were being written (it was discarded, or "
                    "run again): this run wrote nothing."
                )
            )

    try:
        sheet = read_roster(bytes(roster_import.content or b""))
        rows.update(total_rows=len(sheet.rows), progressed_at=timezone.now())
        report = import_roster(
            actor=roster_import.uploaded_by,
            session=roster_import.session,
            sheet=sheet,
            good_rows_only=roster_import.good_rows_only,
            roster_import=roster_import,
            on_progress=progress,
            on_writing=writing,
            on_written=written,
        )
    except RosterHasBadRows as error:
        outcome = _with_skipped(error.details["report"], skipped)
        if roster_import.good_rows_only:  # not one good row: there is nothing left to decide
            if not _end_import(
                roster_import, RosterImportStatus.FAILED, outcome, error=str(error.message)
            ):
                return _as_it_stands(import_id)
            return {"status": "failed", **outcome}
        bad = {p["row"] for p in outcome["problems"]}
        if not _end_import(
            roster_import,
            RosterImportStatus.NEEDS_DECISION,
            outcome,
            content=reduced_roster(sheet, without=bad),
        ):
            return _as_it_stands(import_id)
        return {"status": "needs_decision", **outcome}
    except (InvalidInput, Conflict, NotFound) as error:
        if not _end_import(roster_import, RosterImportStatus.FAILED, error=str(error.message)):
            return _as_it_stands(import_id)
        return {"status": "failed", "error": str(error.message)}
    except Exception:
        _end_import(
            roster_import,
            RosterImportStatus.FAILED,
            error=_("The import stopped on an unexpected error; nothing was imported."),
        )
        raise
    return {"status": "done", **_with_skipped(report.as_dict(), skipped)}


def _as_it_stands(import_id: int) -> dict:
    """What a run answers when its import ended without it (discarded, or another run's)."""
    roster_import = RosterImport.objects.get(pk=import_id)
    return {"status": roster_import.status, **roster_import.result}


def _with_skipped(outcome: dict, skipped: list[dict]) -> dict:
    """A run over the good rows the user chose reports the bad rows left out before, too."""
    if not skipped:
        return outcome
    problems = sorted(skipped + outcome["problems"], key=lambda p: p["row"])
    return outcome | {
        "total_rows": outcome["total_rows"] + len({p["row"] for p in skipped}),
        "bad_rows": len({p["row"] for p in problems}),
        "problems": problems,
    }


def _end_import(
    roster_import: RosterImport,
    status: str,
    outcome: dict | None = None,
    *,
    content: bytes | None = None,
    **fields,
) -> bool:
    """A running import ends (or waits for the user) with its outcome, audited. Its file goes:
    the ID numbers in it are now stored once, on the trainees, or nowhere. Only while the user
    decides are the good rows kept (`content`), to import them if asked.

    False, changing nothing, when it no longer runs: a slow worker taken for stalled does not
    overwrite an import discarded, or finished by the run started again, in the meantime."""
    if outcome is not None:
        fields |= {
            "total_rows": outcome["total_rows"],
            "processed_rows": outcome["total_rows"],
            "good_rows": outcome["good_rows"],
            "bad_rows": outcome["bad_rows"],
            "problems": outcome["problems"],
        }
    now = timezone.now()
    with transaction.atomic():
        running = lock_roster_import(roster_import.pk).status
        ended = RosterImport.objects.filter(
            pk=roster_import.pk, status__in=RosterImportStatus.RUNNING
        ).update(status=status, content=content, finished_at=now, progressed_at=now, **fields)
        if not ended:
            return False
        audit.record(
            actor=None,
            action="training.end_roster_import",
            obj=roster_import,
            before={"status": running},
            after={
                "status": status,
                **{k: fields[k] for k in ("total_rows", "good_rows", "bad_rows") if k in fields},
                **({"error": fields["error"]} if "error" in fields else {}),
            },
        )
    return True


# --- certificates ----------------------------------------------------------------------------


def issue_certificates(
    *, actor, session: TrainingSession, issued_on: date | None = None
) -> list[Certificate]:
    """结业证书 for everyone who attended enough days and has none yet for this session."""
    require_manager(actor)
    issued_on = issued_on or timezone.localdate()
    if issued_on < session.ends_on:
        raise InvalidInput(
            _("Certificates are issued once the session has ended (from %(day)s).")
            % {"day": session.ends_on}
        )
    with transaction.atomic():
        session = lock_session(session.pk)
        needed = session.days_for_certificate
        eligible = (
            session.attendances.values("trainee_id")
            .annotate(days=Count("day", distinct=True))
            .filter(days__gte=needed)
            .order_by("trainee_id")
            .values_list("trainee_id", flat=True)
        )
        have = set(session.certificates.values_list("trainee_id", flat=True))
        number = session.certificates.count()
        new = []
        for trainee_id in eligible:
            if trainee_id in have:
                continue
            number += 1
            new.append(
                Certificate(
                    number=f"{session.code}-{number:04d}",
                    session=session,
                    trainee_id=trainee_id,
                    issued_on=issued_on,
                    issued_by=_person(actor),
                )
            )
        Certificate.objects.bulk_create(new)
        if new:
            audit.record(
                actor=actor,
                action="training.issue_certificates",
                obj=session,
                after={"issued": len(new), "issued_on": issued_on.isoformat(), "days": needed},
            )
    return new


def revoke_certificate(
    *, actor, certificate: Certificate, reason: str, on: date | None = None
) -> Certificate:
    require_manager(actor)
    if not reason.strip():
        raise InvalidInput(_("Say why the certificate is revoked."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_on is not None:
            raise Conflict(_("This certificate is already revoked."))
        before = audit.snapshot(certificate, ["revoked_on", "revoked_reason"])
        certificate.revoked_on = on or timezone.localdate()
        certificate.revoked_reason = reason.strip()[:200]
        certificate.save(update_fields=["revoked_on", "revoked_reason"])
        audit.record(
            actor=actor,
            action="training.revoke_certificate",
            obj=certificate,
            before=before,
            after=audit.snapshot(certificate, ["revoked_on", "revoked_reason"]),
            reason=certificate.revoked_reason,
        )
    return certificate


def reveal_trainee(*, actor, trainee: Trainee) -> dict[str, str]:
    """The training office opens one trainee's full ID and phone number (to check them against
    the card or call them): the rule and the audit row are core.reveal's (training.apps)."""
    return reveal.reveal_personal_data(actor=actor, subject=trainee, fields=["id_number", "phone"])
