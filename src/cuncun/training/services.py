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

from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput, NotFound
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_phone, mask_id_number
from cuncun.regions.models import Level, RegionUnit
from cuncun.training import codes
from cuncun.training.access import require_manager
from cuncun.training.locks import lock_roster_import, lock_session
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
    same_name,
)

MAX_ROSTER_BYTES = 10 * 1024 * 1024
SESSION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
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
    if kind not in dict(CourseKind.choices):
        problems.append(_("Unknown kind of course %s.") % kind)
    _refuse(problems)
    with transaction.atomic():
        if Course.objects.filter(code=code).exists():
            raise Conflict(_("There is already a course with the code %s.") % code)
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


def _check_session(values: dict) -> list[str]:
    problems = []
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(_("The last day is before the first day."))
    elif starts_on and ends_on and (ends_on - starts_on).days > 90:
        problems.append(_("A session lasts at most 90 days; schedule several sessions."))
    if not (values.get("place") or "").strip():
        problems.append(_("The place is empty."))
    region = values["region"]
    if region is None or region.level not in {Level.COUNTY, Level.TOWNSHIP}:
        problems.append(_("A session is held in a township, or county-wide."))
    if values["funding_source"] not in dict(FundingSource.choices):
        problems.append(_("Unknown funding source %s.") % values["funding_source"])
    try:
        cost = to_money(values["cost"] if values["cost"] not in (None, "") else 0)
    except (ValueError, TypeError):
        problems.append(_("The cost is not an amount of money."))
    else:
        values["cost"] = cost
        if cost < 0:
            problems.append(_("The cost cannot be negative."))
    if values.get("capacity") is not None and values["capacity"] < 1:
        problems.append(_("The number of places must be at least 1."))
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


def schedule_session(*, actor, plan: SessionPlan) -> TrainingSession:
    require_manager(actor)
    values = {name: getattr(plan, name) for name in SESSION_FIELDS}
    problems = _check_session(values)
    code = plan.code.strip()
    if code and not SESSION_CODE.match(code):
        problems.append(_("The session code may have letters, digits and dashes only."))
    _refuse(problems)
    with transaction.atomic():
        code = code or _next_session_code(plan.starts_on.year)
        if TrainingSession.objects.filter(code=code).exists():
            raise Conflict(_("There is already a session with the code %s.") % code)
        session = TrainingSession.objects.create(
            code=code,
            course=plan.course,
            is_demo=plan.is_demo,
            created_by=_person(actor),
            **values,
        )
        audit.record(
            actor=actor,
            action="training.schedule_session",
            obj=session,
            after=audit.snapshot(session),
        )
    return session


def _next_session_code(year: int) -> str:
    taken = set(
        TrainingSession.objects.filter(code__startswith=f"{year}-").values_list("code", flat=True)
    )
    number = len(taken) + 1
    while f"{year}-{number:03d}" in taken:
        number += 1
    return f"{year}-{number:03d}"


def update_session(*, actor, session: TrainingSession, **changes) -> TrainingSession:
    """Change a session's details; its days may not drop days someone attended."""
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
        _refuse(problems)
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
    return _register(actor, person, is_demo=is_demo)


def _register(actor, person: Person, *, is_demo: bool = False, county=None) -> Trainee:
    id_number, born = _check_person(person, county=county)
    with transaction.atomic():
        if Trainee.objects.filter(id_number=id_number).exists():
            raise Conflict(_("The ID number %s is already registered.") % mask_id_number(id_number))
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
        except IntegrityError as error:
            raise Conflict(
                _("The ID number %s is already registered.") % mask_id_number(id_number)
            ) from error
        TraineeCategoryMembership.objects.bulk_create(
            [TraineeCategoryMembership(trainee=trainee, category=c) for c in set(person.categories)]
        )
        audit.record(
            actor=actor,
            action="training.register_trainee",
            obj=trainee,
            after=audit.snapshot(trainee, TRAINEE_AUDIT_FIELDS),
        )
    return trainee


def record_attendance(
    *, actor, session: TrainingSession, trainee: Trainee, day: date
) -> tuple[Attendance, bool]:
    """The training office marks a trainee present on a day (by hand). (attendance, created)."""
    require_manager(actor)
    return _attend(session, trainee, day, AttendanceSource.MANUAL, actor)


def _attend(session, trainee, day, source, actor) -> tuple[Attendance, bool]:
    if not session.includes(day):
        raise InvalidInput(
            _("%(day)s is not a day of this session (%(first)s to %(last)s).")
            % {"day": day, "first": session.starts_on, "last": session.ends_on}
        )
    try:
        with transaction.atomic():
            return Attendance.objects.get_or_create(
                session=session,
                trainee=trainee,
                day=day,
                defaults={"source": source, "recorded_by": _person(actor)},
            )
    except IntegrityError:
        # The same person checked in twice at the same moment: the first one stands.
        return Attendance.objects.get(session=session, trainee=trainee, day=day), False


# --- phone check-in --------------------------------------------------------------------------


class RegistrationNeeded(InvalidInput):
    """Someone checks in who is not registered yet: the page asks for their village and phone."""

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
    attendance. Someone not yet registered registers here with their village (and phone)."""
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
    id_number, _born, trouble = check_id_number(person.id_number)
    if trouble:
        raise InvalidInput(trouble[1])
    if not person.name.strip():
        raise InvalidInput(_("Enter your name."))
    trainee = Trainee.objects.filter(id_number=id_number).first()
    registered = False
    if trainee is not None:
        if not same_name(trainee.name, person.name):
            raise InvalidInput(
                _(
                    "The name does not match the name registered with this ID number. "
                    "Check both, or ask the trainer."
                )
            )
    else:
        if person.region is None:
            raise RegistrationNeeded(
                _("You are not registered yet: choose your village to register and check in.")
            )
        trainee = _register(None, person, county=session.region.county())
        registered = True
    attendance, created = _attend(session, trainee, day, AttendanceSource.CHECK_IN, None)
    return CheckIn(trainee=trainee, attendance=attendance, created=created, registered=registered)


# --- roster import ---------------------------------------------------------------------------


@dataclass
class RosterReport:
    total_rows: int
    good_rows: int
    bad_rows: int
    problems: list[dict]
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


def import_roster(
    *,
    actor,
    session: TrainingSession,
    sheet: RosterSheet,
    good_rows_only: bool = False,
    roster_import: RosterImport | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_writing: Callable[[], None] | None = None,
) -> RosterReport:
    """Check every row, then write the good ones in one transaction.

    With a bad row, nothing is imported unless `good_rows_only`; people are matched by ID number
    across all imports, and a day already recorded for a person is recorded once."""
    require_manager(actor)
    if sheet.problems:
        raise _bad_rows(RosterReport(0, 0, 0, sheet.problems), chosen=good_rows_only)
    checked = RosterChecker(session).check(sheet.rows, on_progress)
    report = RosterReport(
        total_rows=checked.total_rows,
        good_rows=checked.good_rows,
        bad_rows=checked.bad_rows,
        problems=checked.problems,
    )
    if not checked.rows:
        if not checked.problems:
            raise InvalidInput(_("The roster has no rows below its header."))
        raise _bad_rows(report, chosen=good_rows_only)
    if checked.problems and not good_rows_only:
        raise _bad_rows(report, chosen=False)
    if on_writing:
        on_writing()
    counts = _write_roster(actor, session, checked.rows, roster_import)
    report.imported = True
    report.new_trainees = counts["new_trainees"]
    report.known_trainees = counts["known_trainees"]
    report.attendances = counts["attendances"]
    report.already_recorded = counts["already_recorded"]
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


def _write_roster(actor, session, rows: list[RosterRow], roster_import) -> dict:
    recorder = _person(actor)
    with transaction.atomic():
        session = lock_session(session.pk)
        known = _trainees_by_id_number([r.id_number for r in rows])
        changed_names = [
            r
            for r in rows
            if r.id_number in known and not same_name(known[r.id_number].name, r.name)
        ]
        if changed_names:
            raise Conflict(
                _(
                    "Another import registered some of these people at the same time under other "
                    "names (row %d first). Run the import again to see the rows to correct."
                )
                % changed_names[0].row
            )
        new = [
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
            if r.id_number not in known
        ]
        # Another import (of another session) may be registering some of the same people right
        # now: their row wins, ours is skipped, and we use theirs if the name is the same.
        Trainee.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        created = _trainees_by_id_number([t.id_number for t in new])
        clashes = [
            r
            for r in rows
            if r.id_number in created and not same_name(created[r.id_number].name, r.name)
        ]
        if clashes:
            raise Conflict(
                _(
                    "Another import registered some of these people at the same time under other "
                    "names (row %d first). Run the import again to see the rows to correct."
                )
                % clashes[0].row
            )
        filled = []
        for r in rows:
            trainee = known.get(r.id_number)
            if trainee is not None and (
                (r.phone and not trainee.phone) or (r.ethnicity and not trainee.ethnicity)
            ):
                trainee.phone = trainee.phone or r.phone
                trainee.ethnicity = trainee.ethnicity or r.ethnicity
                filled.append(trainee)
        Trainee.objects.bulk_update(filled, ["phone", "ethnicity"], batch_size=1000)
        trainee_ids = {k: t.pk for k, t in (known | created).items()}
        TraineeCategoryMembership.objects.bulk_create(
            [
                TraineeCategoryMembership(trainee_id=trainee_ids[r.id_number], category=c)
                for r in rows
                for c in sorted(r.categories)
            ],
            ignore_conflicts=True,
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
            "new_trainees": len(new),
            "known_trainees": len(known),
            "attendances": len(attendances),
            "already_recorded": len(wanted) - len(attendances),
        }
        audit.record(
            actor=actor,
            action="training.import_roster",
            obj=roster_import or session,
            after={"session": session.code, **counts},
        )
    return counts


def _trainees_by_id_number(ids: list[str]) -> dict[str, Trainee]:
    found: dict[str, Trainee] = {}
    for start in range(0, len(ids), ID_QUERY_CHUNK):
        for trainee in Trainee.objects.filter(
            id_number__in=ids[start : start + ID_QUERY_CHUNK]
        ).only("id", "id_number", "name", "phone", "ethnicity"):
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
        roster_import.good_rows_only = True
        roster_import.status = RosterImportStatus.QUEUED
        roster_import.processed_rows = 0
        roster_import.finished_at = None
        roster_import.save(
            update_fields=["good_rows_only", "status", "processed_rows", "finished_at"]
        )
        audit.record(
            actor=actor,
            action="training.import_good_rows",
            obj=roster_import,
            after={"bad_rows": roster_import.bad_rows, "good_rows": roster_import.good_rows},
        )
        transaction.on_commit(lambda: _enqueue(roster_import.pk))
    return roster_import


def discard_roster_import(*, actor, roster_import: RosterImport) -> RosterImport:
    """Nothing will be imported from this file: forget its content (and the ID numbers in it)."""
    require_manager(actor)
    with transaction.atomic():
        roster_import = lock_roster_import(roster_import.pk)
        if roster_import.status != RosterImportStatus.NEEDS_DECISION:
            raise Conflict(_("This roster is not waiting for a decision."))
        roster_import.status = RosterImportStatus.DISCARDED
        roster_import.content = None
        roster_import.finished_at = timezone.now()
        roster_import.save(update_fields=["status", "content", "finished_at"])
        audit.record(actor=actor, action="training.discard_roster", obj=roster_import)
    return roster_import


def process_roster_import(*, import_id: int) -> dict:
    """Run a queued import (the background task). Safe to run twice: only a queued import runs,
    and a finished one answers with its result."""
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImportStatus.QUEUED).update(
        status=RosterImportStatus.VALIDATING, processed_rows=0
    )
    roster_import = RosterImport.objects.select_related("session__region", "uploaded_by").get(
        pk=import_id
    )
    if not claimed:
        return {"status": roster_import.status, **roster_import.result}
    rows = RosterImport.objects.filter(pk=import_id)

    def progress(done: int, total: int) -> None:
        rows.update(processed_rows=done, total_rows=total)

    def writing() -> None:
        rows.update(status=RosterImportStatus.IMPORTING)

    try:
        sheet = read_roster(bytes(roster_import.content or b""))
        rows.update(total_rows=len(sheet.rows))
        report = import_roster(
            actor=roster_import.uploaded_by,
            session=roster_import.session,
            sheet=sheet,
            good_rows_only=roster_import.good_rows_only,
            roster_import=roster_import,
            on_progress=progress,
            on_writing=writing,
        )
    except RosterHasBadRows as error:
        outcome = error.details["report"]
        if roster_import.good_rows_only:  # not one good row: there is nothing left to decide
            rows.update(
                status=RosterImportStatus.FAILED,
                error=str(error.message),
                content=None,
                finished_at=timezone.now(),
                **_counts(outcome),
            )
            return {"status": "failed", **outcome}
        rows.update(
            status=RosterImportStatus.NEEDS_DECISION, finished_at=timezone.now(), **_counts(outcome)
        )
        return {"status": "needs_decision", **outcome}
    except (InvalidInput, Conflict, NotFound) as error:
        rows.update(
            status=RosterImportStatus.FAILED,
            error=str(error.message),
            content=None,
            finished_at=timezone.now(),
        )
        return {"status": "failed", "error": str(error.message)}
    except Exception:
        rows.update(
            status=RosterImportStatus.FAILED,
            error=_("The import stopped on an unexpected error; nothing was imported."),
            finished_at=timezone.now(),
        )
        raise
    outcome = report.as_dict()
    rows.update(
        status=RosterImportStatus.DONE,
        result={k: v for k, v in outcome.items() if k != "problems"},
        content=None,
        finished_at=timezone.now(),
        **_counts(outcome),
    )
    return {"status": "done", **outcome}


def _counts(outcome: dict) -> dict:
    return {
        "total_rows": outcome["total_rows"],
        "processed_rows": outcome["total_rows"],
        "good_rows": outcome["good_rows"],
        "bad_rows": outcome["bad_rows"],
        "problems": outcome["problems"],
    }


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
