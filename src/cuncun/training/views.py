"""Pages of the training plan. Thin: rules live in services.py, reads in queries.py."""

from datetime import date, datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.core import reveal
from cuncun.core.errors import DomainError, InvalidInput, NotFound
from cuncun.core.exports import xlsx_file_response
from cuncun.core.pages import carry_out, day_param
from cuncun.core.ratelimit import client_address, count_failure, refuse_if_limited
from cuncun.regions.models import Level, RegionUnit
from cuncun.regions.queries import browse_root, find_unit
from cuncun.training import codes, queries, services
from cuncun.training.access import (
    may_manage_training,
    may_see_trainees,
    require_manager,
    require_reader,
)
from cuncun.training.followup import follow_up
from cuncun.training.forms import (
    AttendanceForm,
    CheckInForm,
    CourseForm,
    RegistrationForm,
    RevokeForm,
    RosterUploadForm,
    SessionForm,
)
from cuncun.training.models import (
    Certificate,
    CourseKind,
    RosterImportStatus,
    Trainee,
    TraineeCategory,
)
from cuncun.training.roster import template_workbook


def _county() -> RegionUnit:
    county = RegionUnit.objects.filter(level=Level.COUNTY).order_by("path").first()
    if county is None:
        raise NotFound(_("The county's divisions are not loaded yet."))
    return county


def _region(request) -> RegionUnit:
    if request.GET.get("region"):
        return find_unit(request.user, request.GET["region"])
    return browse_root(request.user) or _county()


def _people_context(request) -> dict:
    # Every page shows ID and phone numbers masked; the training office opens one trainee's in
    # full on their page, and that look is audited (cuncun.core.reveal).
    return {
        "may_manage": may_manage_training(request.user),
        "may_see_people": may_see_trainees(request.user),
    }


# --- the plan's figures ----------------------------------------------------------------------


def home(request):
    """培训: the training plan's figures for an area (person-times, persons, talents, spending),
    against the plan."""
    region = _region(request)
    day = day_param(request.GET.get("on"))
    plan = queries.plan_for(region, day)
    start = plan.starts_on if plan else date.min
    money = queries.spending(region, start, day)
    cap = queries.training_fund_cap(plan)
    lacking = queries.villages_without_talent(region, day)
    return render(
        request,
        "training/home.html",
        {
            "region": region,
            "day": day,
            "plan": plan,
            "counts": queries.counts(region, start, day),
            "progress": queries.progress_against_plan(region, day),
            "years": queries.per_year(region, day),
            "kinds": queries.per_kind(region, start, day),
            "categories": queries.per_category(region, start, day),
            "townships": queries.per_township(region, start, day)
            if region.level == Level.COUNTY
            else [],
            "person_times_target": queries.plan_target(region, day, "training_person_times"),
            "spending": money,
            "cap": cap,
            "cap_share": int(money["special_fund"] * 100 / cap.amount)
            if cap and cap.amount
            else None,
            "fund": queries.training_fund(plan),
            "lacking_count": len(lacking),
            **_people_context(request),
        },
    )


def talents(request):
    """电商人才: every administrative village with its talents; those still lacking one first."""
    region = _region(request)
    day = day_param(request.GET.get("on"))
    rows = queries.talents_per_village(region, day)
    return render(
        request,
        "training/talents.html",
        {
            "region": region,
            "day": day,
            "rows": rows,
            "lacking": sum(1 for r in rows if not r["talents"]),
            "covered": sum(1 for r in rows if r["talents"]),
            "least": queries.plan_target(region, day, queries.TALENTS_LEAST),
            "most": queries.plan_target(region, day, queries.TALENTS_MOST),
        },
    )


# --- courses and sessions --------------------------------------------------------------------


def courses(request):
    form = None
    if may_manage_training(request.user):
        form = CourseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                course = services.create_course(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Course %s created.") % course.name)
                return redirect("training:courses")
    elif request.method == "POST":
        require_manager(request.user)
    return render(request, "training/courses.html", {"courses": queries.courses(), "form": form})


def sessions(request):
    year = request.GET.get("year")
    kind = request.GET.get("kind", "")
    township = (
        find_unit(request.user, request.GET["township"]) if request.GET.get("township") else None
    )
    rows = queries.sessions(
        request.user,
        year=int(year) if year and year.isdigit() else None,
        kind=kind if kind in dict(CourseKind.choices) else "",
        township=township,
    )
    return render(
        request,
        "training/sessions.html",
        {
            "sessions": rows,
            "years": queries.session_years(),
            "year": year,
            "kind": kind,
            "kinds": CourseKind.choices,
            "township": township,
            "townships": RegionUnit.objects.townships().order_by("path"),
            **_people_context(request),
        },
    )


@login_required
def session_new(request):
    require_manager(request.user)
    county = _county()
    form = SessionForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.schedule_session(
                actor=request.user,
                plan=services.SessionPlan(
                    course=data["course"],
                    code=data["code"] or "",
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    place=data["place"],
                    region=RegionUnit.objects.get(pk=data["region"]),
                    trainer=data["trainer"],
                    institution=data["institution"],
                    funding_source=data["funding_source"],
                    cost=data["cost"],
                    capacity=data["capacity"],
                    certificate_min_days=data["certificate_min_days"],
                ),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Session %s scheduled.") % session.code)
            return redirect("training:session", code=session.code)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": None, "fund": _fund_today(county)},
    )


def _fund_today(county: RegionUnit):
    """What is left of the plan's training cap, shown beside the cost a session asks for."""
    return queries.training_fund(queries.plan_for(county, timezone.localdate()))


@login_required
def session_edit(request, code: str):
    require_manager(request.user)
    session = queries.session_by_code(code)
    county = _county()
    initial = {
        "course": session.course_id,
        "code": session.code,
        "title": session.title,
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "place": session.place,
        "region": session.region_id,
        "trainer": session.trainer,
        "institution": session.institution,
        "funding_source": session.funding_source,
        "cost": session.cost,
        "capacity": session.capacity,
        "certificate_min_days": session.certificate_min_days,
    }
    form = SessionForm(request.POST or None, county=county, initial=initial)
    form.fields["course"].disabled = True
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name]
            for name in services.SESSION_FIELDS
            if name != "region" and name in data
        }
        changes["region"] = RegionUnit.objects.get(pk=data["region"])
        try:
            services.update_session(actor=request.user, session=session, **changes)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Session %s saved.") % session.code)
            return redirect("training:session", code=session.code)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "session": session, "fund": _fund_today(county)},
    )


def session_detail(request, code: str):
    session = queries.session_by_code(code)
    context = {"session": session, "today": timezone.localdate(), **_people_context(request)}
    if may_see_trainees(request.user) and request.user.is_authenticated:
        page, rows = queries.attendance_sheet(request.user, session, request.GET.get("page", 1))
        context |= {
            "page": page,
            "rows": rows,
            "days": session.days(),
            "summary": queries.session_summary(request.user, session),
        }
    if context["may_manage"] and request.user.is_authenticated:
        context |= {
            "imports": queries.roster_imports(session),
            "upload_form": RosterUploadForm(),
            "attendance_form": AttendanceForm(initial={"day": _default_day(session)}),
        }
    return render(request, "training/session.html", context)


def _default_day(session) -> date:
    today = timezone.localdate()
    return today if session.includes(today) else session.starts_on


@login_required
@require_POST
def record_attendance(request, code: str):
    require_manager(request.user)
    session = queries.session_by_code(code)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give an ID number and a day."))
        return redirect("training:session", code=code)
    id_number = form.cleaned_data["id_number"].strip().upper()
    trainee = Trainee.objects.with_id_number(id_number).first()
    if trainee is None:
        messages.error(
            request,
            _("No trainee has this ID number: import them with a roster or let them check in."),
        )
        return redirect("training:session", code=code)
    recorded = []  # (attendance, created)
    marked = carry_out(
        request,
        lambda: recorded.append(
            services.record_attendance(
                actor=request.user, session=session, trainee=trainee, day=form.cleaned_data["day"]
            )
        ),
    )
    if marked and recorded[0][1]:
        messages.success(request, _("%s marked present.") % trainee.name)
    elif marked:
        messages.info(request, _("%s was already marked present that day.") % trainee.name)
    return redirect("training:session", code=code)


@login_required
@require_POST
def issue_certificates(request, code: str):
    session = queries.session_by_code(code)
    issued = []
    if carry_out(
        request,
        lambda: issued.extend(services.issue_certificates(actor=request.user, session=session)),
    ):
        messages.success(request, _("%d certificate(s) issued.") % len(issued))
    return redirect(reverse("training:session", args=[code]) + "#certificates")


# --- check-in by QR code ---------------------------------------------------------------------


def _parse_compact_day(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError as error:
        raise NotFound() from error


def checkin_url(request, session, day: date) -> str:
    return request.build_absolute_uri(
        reverse(
            "training:checkin",
            args=[session.code, day.strftime("%Y%m%d"), codes.checkin_token(session.code, day)],
        )
    )


@login_required
def checkin_code(request, code: str):
    """The day's check-in QR code, to project or print at the session (one code per day)."""
    require_manager(request.user)
    session = queries.session_by_code(code)
    day = day_param(request.GET.get("day")) if request.GET.get("day") else _default_day(session)
    if not session.includes(day):
        raise InvalidInput(_("%s is not a day of this session.") % day)
    url = checkin_url(request, session, day)
    qr = segno.make(url, error="m")
    return render(
        request,
        "training/checkin_code.html",
        {"session": session, "day": day, "url": url, "qr": qr.svg_inline(scale=8, dark="#145c39")},
    )


def checkin(request, code: str, day: str, token: str):
    """签到: a trainee scanned the session's code for the day with their phone."""
    session = queries.session_by_code(code)
    when = _parse_compact_day(day)
    county = session.region.county()
    valid = codes.checkin_token_matches(session.code, when, token)
    form = CheckInForm(request.POST or None)
    registration = None
    result = error = None
    if request.method == "POST" and valid:
        needs_registration = request.POST.get("register") == "1"
        registration = RegistrationForm(request.POST, county=county) if needs_registration else None
        if form.is_valid() and (registration is None or registration.is_valid()):
            person = services.Person(
                id_number=form.cleaned_data["id_number"], name=form.cleaned_data["name"]
            )
            if registration is not None:
                extra = registration.cleaned_data
                person.region = RegionUnit.objects.filter(pk=extra["village"]).first()
                person.phone = extra["phone"]
                person.ethnicity = extra["ethnicity"]
                person.categories = extra["categories"]
            address = client_address(request)
            try:
                refuse_if_limited("checkin", address)
                result = services.check_in(session=session, day=when, token=token, person=person)
            except services.RegistrationNeeded as needed:
                count_failure("checkin", address)
                error = needed.message
                registration = registration or RegistrationForm(county=county)
            except DomainError as refused:
                error = refused.message
    return render(
        request,
        "training/checkin.html",
        {
            "session": session,
            "day": when,
            "valid": valid,
            "is_today": when == timezone.localdate(),
            "form": form,
            "registration": registration,
            "result": result,
            "error": error,
        },
        status=200 if valid else 404,
    )


# --- roster import ---------------------------------------------------------------------------


def roster_template(request, code: str | None = None):
    session = queries.session_by_code(code) if code else None
    name = f"roster-{session.code}.xlsx" if session else "roster.xlsx"
    return xlsx_file_response(name, template_workbook(session))


@login_required
@require_POST
def roster_upload(request, code: str):
    require_manager(request.user)
    session = queries.session_by_code(code)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a roster file (.xlsx) to upload."))
        return redirect("training:session", code=code)
    upload = form.cleaned_data["file"]
    started = []
    if not carry_out(
        request,
        lambda: started.append(
            services.start_roster_import(
                actor=request.user,
                session=session,
                file_name=upload.name,
                content=upload.read(),
                good_rows_only=form.cleaned_data["good_rows_only"],
            )
        ),
    ):
        return redirect("training:session", code=code)
    return redirect("training:import", pk=started[0].pk)


@login_required
def roster_import(request, pk: int):
    require_manager(request.user)
    found = queries.roster_import(pk)
    return render(request, "training/import.html", {"job": found, "statuses": RosterImportStatus})


@login_required
def roster_import_progress(request, pk: int):
    """The progress row the import page polls (htmx) until the import has finished."""
    require_manager(request.user)
    found = queries.roster_import(pk)
    return render(
        request, "training/_import_status.html", {"job": found, "statuses": RosterImportStatus}
    )


@login_required
@require_POST
def roster_import_good_rows(request, pk: int):
    found = queries.roster_import(pk)
    carry_out(request, lambda: services.import_good_rows(actor=request.user, roster_import=found))
    return redirect("training:import", pk=pk)


@login_required
@require_POST
def roster_import_retry(request, pk: int):
    """A stalled import (its worker stopped) is run again."""
    found = queries.roster_import(pk)
    carry_out(
        request, lambda: services.retry_roster_import(actor=request.user, roster_import=found)
    )
    return redirect("training:import", pk=pk)


@login_required
@require_POST
def roster_import_discard(request, pk: int):
    found = queries.roster_import(pk)
    if not carry_out(
        request, lambda: services.discard_roster_import(actor=request.user, roster_import=found)
    ):
        return redirect("training:import", pk=pk)
    messages.info(request, _("Nothing was imported from %s.") % found.file_name)
    return redirect("training:session", code=found.session.code)


# --- trainees --------------------------------------------------------------------------------


@login_required
def trainees(request):
    require_reader(request.user)
    region = find_unit(request.user, request.GET["region"]) if request.GET.get("region") else None
    category = request.GET.get("category", "")
    if category not in dict(TraineeCategory.choices):
        category = ""
    rows = queries.trainees(
        request.user, search=request.GET.get("q", ""), region=region, category=category
    )
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page", 1))
    root = browse_root(request.user)
    return render(
        request,
        "training/trainees.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
            "region": region,
            "category": category,
            "categories": TraineeCategory.choices,
            "townships": RegionUnit.objects.within(root).townships().order_by("path")
            if root
            else [],
            **_people_context(request),
        },
    )


@login_required
def trainee_detail(request, pk: int):
    person = queries.trainee(request.user, pk)
    revealed = {}
    if request.method == "POST":
        carry_out(
            request,
            lambda: revealed.update(services.reveal_trainee(actor=request.user, trainee=person)),
        )
    may_reveal = reveal.may_reveal(request.user, person)
    return render(
        request,
        "training/trainee.html",
        {
            "trainee": person,
            "sessions": queries.trainee_sessions(person),
            "category_labels": dict(TraineeCategory.choices),
            **_people_context(request),
            "revealed": revealed,
            "may_reveal": may_reveal,
            "views": reveal.views_of(person)[:20] if may_reveal else [],
        },
    )


@login_required
def followup(request):
    """Which trainees later appear as merchants or operators, and sell."""
    region = _region(request)
    day = day_param(request.GET.get("on"))
    report = follow_up(request.user, region, until=day)
    page = Paginator(report.linked, queries.PAGE_SIZE).get_page(request.GET.get("page", 1))
    return render(
        request,
        "training/followup.html",
        {"region": region, "day": day, "report": report, "page": page, **_people_context(request)},
    )


# --- certificates ----------------------------------------------------------------------------


def _certificate(number: str) -> Certificate:
    found = (
        Certificate.objects.select_related("session__course", "session__region", "trainee")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(
        reverse(
            "training:verify",
            args=[certificate.number, codes.certificate_check(certificate.number)],
        )
    )


@login_required
def certificate(request, number: str):
    """The printable certificate, with the QR code that verifies it."""
    require_manager(request.user)
    found = _certificate(number)
    url = verify_url(request, found)
    return render(
        request,
        "training/certificate.html",
        {
            "certificate": found,
            "verify_url": url,
            "qr": segno.make(url, error="m").svg_inline(scale=4),
            "revoke_form": RevokeForm(),
        },
    )


@login_required
def session_certificates(request, code: str):
    """Every certificate of a session on one printable page."""
    require_manager(request.user)
    session = queries.session_by_code(code)
    rows = []
    for found in session.certificates.select_related(
        "trainee", "session__course", "session__region"
    ):
        url = verify_url(request, found)
        rows.append(
            {
                "certificate": found,
                "qr": segno.make(url, error="m").svg_inline(scale=4),
                "verify_url": url,
            }
        )
    return render(request, "training/certificates.html", {"session": session, "rows": rows})


@login_required
@require_POST
def revoke_certificate(request, number: str):
    found = _certificate(number)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the certificate is revoked."))
    else:
        carry_out(
            request,
            lambda: services.revoke_certificate(
                actor=request.user, certificate=found, reason=form.cleaned_data["reason"]
            ),
            _("Certificate %s revoked.") % found.number,
        )
    return redirect("training:certificate", number=number)


def verify(request, number: str, check: str):
    """What anyone scanning a certificate's QR code sees: whether it is genuine."""
    found = None
    if codes.certificate_check_matches(number, check):
        found = (
            Certificate.objects.select_related("session__course", "session__region", "trainee")
            .filter(number=number)
            .first()
        )
    return render(
        request,
        "training/verify.html",
        {"certificate": found, "number": number},
        status=200 if found else 404,
    )
