"""Logistics pages: scanning at hubs and points, the pickup counter, receipts, the review of
flagged events, manifest upload and the day's route sheets. Thin: services decide."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.accounts.models import Role
from cuncun.core import offline
from cuncun.core.errors import Conflict, DomainError, InvalidInput, NotFound
from cuncun.core.pages import carry_out, confirm_page
from cuncun.logistics import manifest as manifest_file
from cuncun.logistics import queries, routing, services
from cuncun.logistics.forms import (
    CarrierForm,
    HandoverForm,
    ManifestForm,
    PlanForm,
    ReasonForm,
    ReviewForm,
    ScanAction,
    ScanForm,
)
from cuncun.logistics.models import EventKind, EventSource
from cuncun.network.models import SiteKind


@login_required
def home(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    found = queries.find_by_waybill(user, q) if q else []
    if len(found) == 1:
        return redirect("logistics:parcel", pk=found[0].pk)
    counts = queries.status_counts(user)
    return render(
        request,
        "logistics/home.html",
        {
            "q": q,
            "found": found,
            "counts": [(label, counts.get(code, 0)) for code, label in EventKind.choices],
            "total": sum(counts.values()),
            # The county office reaches a counter from a parcel; the rest see their own.
            "points": [] if user.manages_reference_data else queries.point_sites(user),
            "late": queries.waiting_too_long(user).count(),
            "flagged": queries.flagged_events(user).count() if queries.runs_hubs(user) else None,
            "exceptions": queries.in_exception(user)[:20],
            "is_office": user.manages_reference_data,
            "runs_hubs": queries.runs_hubs(user),
            "my_routes": queries.todays_routes(user) if user.role == Role.COURIER else [],
        },
    )


@login_required
def scan(request):
    sites = list(queries.scan_sites(request.user))
    destinations = list(queries.destination_points(request.user))
    if offline.is_queued(request):
        form = ScanForm(request.POST, sites=sites, destinations=destinations)
        return offline.answer_once(
            request, scope="logistics.scan", act=lambda: _scan_form(request, form)[1]
        )
    if request.method == "POST":
        form = ScanForm(request.POST, sites=sites, destinations=destinations)
        if form.is_valid():
            try:
                level, text = _scan_form(request, form)
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.add_message(request, level, text)
            query = f"?site={form.cleaned_data['site']}&action={form.cleaned_data['action']}"
            return redirect(reverse("logistics:scan") + query)
    else:
        form = ScanForm(
            sites=sites,
            destinations=destinations,
            initial={
                "site": request.GET.get("site"),
                "action": request.GET.get("action") or ScanAction.CHECK_IN,
            },
        )
    return render(request, "logistics/scan.html", {"form": form, "has_sites": bool(sites)})


def _scan_form(request, form: ScanForm) -> tuple[int, str]:
    """The scan form, posted now or from the offline queue: what to tell the person (a message
    level and its text); a refusal is raised."""
    if not form.is_valid():
        raise InvalidInput(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            details=form.errors.get_json_data(),
        )
    data = form.cleaned_data
    sites, destinations = form.sites, form.destinations
    site = next(s for s in sites if str(s.pk) == data["site"])
    destination = next((s for s in destinations if str(s.pk) == data["destination"]), None)
    return _scan(request, site, destination, data)


def _scan(request, site, destination, data) -> tuple[int, str]:
    waybill = services.normal_waybill(data["waybill"])
    carrier = data["carrier"]
    if carrier is None:
        found = queries.find_by_waybill(request.user, waybill)
        if len(found) > 1:
            raise InvalidInput(_("Several carriers use this waybill number: choose the carrier."))
        if not found:
            raise NotFound(_("%s is not known here: choose the carrier to register it.") % waybill)
        carrier = found[0].carrier
    if data["action"] == ScanAction.CHECK_IN:
        # A parcel new here is bound for the point checking it in.
        details = _details(site, data) if data["name"] or data["phone"] else None
        result = services.check_in_parcel(
            actor=request.user,
            site=site,
            carrier=carrier,
            waybill=waybill,
            consent_basis=data["consent"],
            details=details,
        )
        if result.already:
            return messages.INFO, _("Already on the shelf at %s.") % result.shelf_slot
        if result.notified:
            return messages.SUCCESS, _(
                "%(waybill)s on shelf %(slot)s; the pickup code was sent to %(phone)s."
            ) % {"waybill": waybill, "slot": result.shelf_slot, "phone": result.parcel.masked_phone}
        return messages.WARNING, _(
            "%(waybill)s on shelf %(slot)s. There is no mobile number: tell the "
            "recipient yourself; the handover will need an ID check."
        ) % {"waybill": waybill, "slot": result.shelf_slot}
    # Scanned at a hub, a parcel new here is bound for the point the form names; without one the
    # service asks for it (or for the manifest).
    recorded = services.record_event(
        actor=request.user,
        carrier=carrier,
        waybill=waybill,
        event=services.EventInput(
            kind=data["action"], occurred_at=timezone.now(), site=site, raw_text=data["note"]
        ),
        source=EventSource.SCAN,
        details=_details(destination, data) if destination else None,
    )
    if recorded.outcome == "flagged":
        return messages.WARNING, _("Recorded, but flagged for review: %s") % recorded.event.problem
    if recorded.outcome == "duplicate":
        first = recorded.event
        return messages.INFO, _(
            "%(waybill)s: %(event)s was already recorded at %(site)s at %(time)s."
        ) % {
            "waybill": waybill,
            "event": first.get_kind_display(),
            "site": first.site.name if first.site else first.location,
            "time": date_format(timezone.localtime(first.occurred_at), "m-d H:i"),
        }
    return messages.SUCCESS, _("%(waybill)s: %(event)s.") % {
        "waybill": waybill,
        "event": recorded.event.get_kind_display(),
    }


def _details(point, data) -> services.ParcelDetails:
    return services.ParcelDetails(
        point=point, person_name=data["name"], person_phone=data["phone"].strip()
    )


def _point(user, pk: int):
    site = queries.point_sites(user).filter(pk=pk).first()
    if site is None:
        raise NotFound(_("This point is not one you keep."))
    return site


@login_required
def counter(request, pk: int):
    site = _point(request.user, pk)
    now = timezone.now()
    waiting = list(queries.waiting_at(site))
    hold = queries.hold_days_of(site)
    for parcel in waiting:
        parcel.days_waiting = (now - parcel.checked_in_at).days if parcel.checked_in_at else 0
        parcel.too_long = parcel.checked_in_at and parcel.checked_in_at < now - timedelta(days=hold)
    return render(
        request,
        "logistics/counter.html",
        {
            "site": site,
            "waiting": waiting,
            "late": sum(1 for p in waiting if p.too_long),
            "hold_days": hold,
            "fee": queries.pickup_fee(site),
            "form": HandoverForm(),
            "reason_form": ReasonForm(),
            "undoable": queries.undoable_at(site, request.user, now - services.UNDO_WINDOW),
            "undo_minutes": services.UNDO_WINDOW.seconds // 60,
        },
    )


@login_required
@require_POST
def handover(request, pk: int):
    if offline.is_queued(request):
        return offline.answer_once(
            request,
            scope="logistics.handover",
            act=lambda: (
                _("%(waybill)s handed over.") % {"waybill": _hand_over(request, pk).parcel.waybill}
            ),
        )
    try:
        done = _hand_over(request, pk)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("logistics:counter", pk=pk)
    return redirect("logistics:receipt", pk=done.parcel.pk)


def _hand_over(request, pk: int) -> services.Handover:
    """The counter's handover form, posted now or from the offline queue."""
    site = _point(request.user, pk)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Enter the waybill number."))
    data = form.cleaned_data
    id_check = None
    if not data["code"] and data["id_number"]:
        id_check = services.IdCheck(id_number=data["id_number"], name=data["id_name"])
    return services.hand_over_parcel(
        actor=request.user,
        site=site,
        parcel=_waiting_parcel(site, services.normal_waybill(data["waybill"])),
        code=data["code"],
        id_check=id_check,
        proxy_name=data["proxy_name"],
    )


def _waiting_parcel(site, waybill: str):
    """The parcel on this point's shelf; one that left it meanwhile (handed over, returned) is
    refused with what became of it, so that an action queued offline says why it failed."""
    parcel = queries.waiting_at(site).filter(waybill=waybill).first()
    if parcel is not None:
        return parcel
    gone = queries.last_at_point(site, waybill)
    if gone is None:
        raise Conflict(_("%s is not waiting at this point.") % waybill)
    raise Conflict(
        _("%(waybill)s is no longer waiting here: %(status)s on %(time)s.")
        % {
            "waybill": waybill,
            "status": gone.get_status_display(),
            "time": date_format(timezone.localtime(gone.status_at), "m-d H:i"),
        }
    )


@login_required
def receipt(request, pk: int):
    parcel = queries.parcel_for(request.user, pk)
    delivered = next(
        (e for e in reversed(parcel.events.all()) if e.kind == EventKind.DELIVERED), None
    )
    if delivered is None or parcel.pickup_site is None:
        raise NotFound(_("This parcel has not been handed over at a point."))
    charged = queries.handover_record(parcel)
    waived = charged is not None and queries.handover_fee_waived(parcel)
    since = timezone.now() - services.UNDO_WINDOW
    undoable = any(
        e.parcel_id == parcel.pk
        for e in queries.undoable_at(parcel.pickup_site, request.user, since)
    )
    return render(
        request,
        "logistics/receipt.html",
        {
            "parcel": parcel,
            "event": delivered,
            "charged": charged,
            "waived": waived,
            "fee": queries.pickup_fee(parcel.pickup_site) if charged and not waived else None,
            "undoable": undoable,
            "undo_minutes": services.UNDO_WINDOW.seconds // 60,
        },
    )


def _parcel_action(request, pk: int, action, success: str):
    parcel = queries.parcel_for(request.user, pk)
    carry_out(request, lambda: action(parcel), success)
    if parcel.pickup_site_id:
        return redirect("logistics:counter", pk=parcel.pickup_site_id)
    return redirect("logistics:parcel", pk=parcel.pk)


@login_required
@require_POST
def remind(request, pk: int):
    return _parcel_action(
        request,
        pk,
        lambda p: services.remind_recipient(actor=request.user, parcel=p),
        _("The recipient was reminded by SMS."),
    )


@login_required
@require_POST
def resend_code(request, pk: int):
    return _parcel_action(
        request,
        pk,
        lambda p: services.resend_pickup_code(actor=request.user, parcel=p),
        _("A new pickup code was sent; the old one no longer works."),
    )


# What an undo takes back, by the kind of the event it undoes.
UNDO = {
    EventKind.DELIVERED: (
        services.undo_handover,
        gettext_lazy("Handover undone: the parcel is back on shelf %(slot)s with a new code."),
    ),
    EventKind.AT_PICKUP_POINT: (
        services.undo_check_in,
        gettext_lazy("Check-in undone: %(waybill)s is no longer on the shelf."),
    ),
}


@login_required
@require_POST
def undo(request, pk: int):
    """Take back this person's own check-in or handover of a few minutes ago (services.UNDO_WINDOW
    says why only these, and only so long)."""
    parcel = queries.parcel_for(request.user, pk)
    site_id = parcel.pickup_site_id
    take_back, done = UNDO.get(request.POST.get("what", ""), (None, ""))
    if take_back is None:
        messages.error(request, _("Only a check-in or a handover can be undone."))
    else:
        try:
            parcel = take_back(actor=request.user, parcel=parcel)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, done % {"slot": parcel.shelf_slot, "waybill": parcel.waybill})
    if site_id:
        return redirect("logistics:counter", pk=site_id)
    return redirect("logistics:parcel", pk=parcel.pk)


@login_required
@require_http_methods(["GET", "POST"])
def send_back(request, pk: int):
    if request.method == "GET":
        return _confirm_return(request, queries.parcel_for(request.user, pk))
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    return _parcel_action(
        request,
        pk,
        lambda p: services.return_parcel(actor=request.user, parcel=p, reason=reason),
        _("The parcel goes back to the carrier."),
    )


def _confirm_return(request, parcel):
    """A return cannot be taken back: the operator reads what it does and gives the reason the
    parcel's history keeps."""
    hold = queries.hold_days_of(parcel.pickup_site) if parcel.pickup_site_id else 0
    return confirm_page(
        request,
        title=_("Return parcel %(waybill)s?") % {"waybill": parcel.waybill},
        consequences=[
            _("The parcel leaves shelf %(slot)s and goes back to %(carrier)s.")
            % {"slot": parcel.shelf_slot or "—", "carrier": parcel.carrier.name},
            _("Its pickup code stops working: %(name)s can no longer collect it here.")
            % {"name": parcel.masked_name},
            _("This cannot be undone at the counter."),
        ],
        button=_("Return the parcel"),
        back=reverse("logistics:counter", args=[parcel.pickup_site_id])
        if parcel.pickup_site_id
        else reverse("logistics:parcel", args=[parcel.pk]),
        reason_label=_("Why it goes back"),
        reason=_("not collected within %(days)s days") % {"days": hold},
    )


@login_required
def parcel(request, pk: int):
    item = queries.parcel_for(request.user, pk)
    return render(
        request,
        "logistics/parcel.html",
        {
            "parcel": item,
            "events": item.events.all(),
            "may_review": queries.runs_hubs(request.user),
        },
    )


@login_required
def review(request):
    if request.method == "POST":
        form = ReviewForm(request.POST)
        event = queries.flagged_events(request.user).filter(pk=request.POST.get("event")).first()
        if event is None:
            messages.error(request, _("This event is not waiting for review."))
        elif not form.is_valid():
            messages.error(request, _("Say why, in a few words."))
        else:
            carry_out(
                request,
                lambda: services.review_event(
                    actor=request.user,
                    event=event,
                    apply=form.cleaned_data["decision"] == "apply",
                    note=form.cleaned_data["note"],
                ),
                pgettext("flagged event", "Reviewed."),
            )
        return redirect("logistics:review")
    return render(
        request,
        "logistics/review.html",
        {"events": queries.flagged_events(request.user)[:200], "form": ReviewForm()},
    )


@login_required
def carriers(request):
    """The carriers parcels may come with: the standard ones, and those the county office adds."""
    if not request.user.manages_reference_data:
        raise NotFound()
    form = CarrierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            carrier = services.add_carrier(
                actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request,
                _("%(name)s (%(code)s) was added.") % {"name": carrier, "code": carrier.code},
            )
            return redirect("logistics:carriers")
    return render(
        request, "logistics/carriers.html", {"form": form, "carriers": queries.all_carriers()}
    )


@login_required
def manifest(request):
    hubs = [
        s
        for s in queries.scan_sites(request.user)
        if s.kind in {SiteKind.COUNTY_WAREHOUSE, SiteKind.TOWNSHIP_STATION}
    ]
    if not hubs:
        # Manifests are a hub's (the county office's or a station's): nobody else has one.
        raise PermissionDenied
    report = problems = None
    if request.method == "POST":
        form = ManifestForm(request.POST, request.FILES, hubs=hubs)
        if form.is_valid():
            hub = next(s for s in hubs if str(s.pk) == form.cleaned_data["hub"])
            upload = form.cleaned_data["file"]
            try:
                rows, bad = manifest_file.read_manifest(upload.read(), upload.name, hub=hub)
                report = services.import_manifest(
                    actor=request.user,
                    rows=rows,
                    problems=bad,
                    good_rows_only=form.cleaned_data["good_rows_only"],
                )
                problems = report.problems
                messages.success(
                    request,
                    _("%(n)d scan(s) recorded, %(dup)d already known, %(flag)d flagged.")
                    % {"n": report.imported, "dup": report.duplicates, "flag": report.flagged},
                )
            except DomainError as error:
                messages.error(request, str(error.message))
                problems = error.details.get("rows") if isinstance(error.details, dict) else None
    else:
        form = ManifestForm(hubs=hubs)
    return render(
        request,
        "logistics/manifest.html",
        {"form": form, "problems": problems, "template": manifest_file.template_csv()},
    )


@login_required
def routes(request):
    if not queries.runs_hubs(request.user):
        raise NotFound()
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_routes(
                    actor=request.user,
                    day=form.cleaned_data["day"],
                    vehicles=form.cleaned_data["vehicles"],
                    capacity_parcels=form.cleaned_data["capacity"],
                )
                return redirect("logistics:route_sheet", pk=plan.pk)
            except DomainError as error:
                messages.error(request, str(error.message))
    else:
        form = PlanForm(initial={"day": timezone.localdate(), "capacity": 400})
    return render(
        request,
        "logistics/routes.html",
        {
            "plans": queries.route_plans(),
            "form": form,
            "may_plan": request.user.manages_reference_data,
        },
    )


# What a plan's notes say on its sheet.
NOTE_MESSAGES = {
    routing.SOLVER_TIMED_OUT: gettext_lazy(
        "The solver took too long: part of this plan is a simple one, not an optimised one."
    ),
    routing.SOLVER_NO_TIME: gettext_lazy("The solver was given no time: this is a simple plan."),
    routing.SOLVER_FAILED: gettext_lazy(
        "The solver failed on this day's parcels: part of this plan is a simple one."
    ),
}


# Why a stop is on no route, on the sheet.
LEFT_OUT_REASONS = {
    routing.NO_PARCELS: gettext_lazy("no parcels for it"),
    routing.NO_PLACE: gettext_lazy("its place is not known: enter its coordinates"),
    routing.TOO_HEAVY: gettext_lazy("a parcel weighs more than a van carries"),
    routing.OUT_OF_REACH: gettext_lazy(
        "no van can get there within its opening hours and the working day"
    ),
    routing.STATION_NOT_REACHED: gettext_lazy("the trunk could not reach its township station"),
    routing.NO_VAN_FREE: gettext_lazy("the vans are full for the day: plan with more vans"),
}


def _left_out(plan) -> list[dict]:
    """The plan's stops on no route, each with why (a plan made before reasons were kept has
    none)."""
    return [
        {**entry, "why": LEFT_OUT_REASONS.get(entry.get("reason"), "")} for entry in plan.unassigned
    ]


def _note_message(note: str) -> str:
    if note.startswith("approximate_places:"):
        return (
            _("%s places have no surveyed coordinates and were placed near their township's seat.")
            % note.split(":")[1]
        )
    return str(NOTE_MESSAGES[note])


@login_required
def route_sheet(request, pk: int):
    """The plan's printable sheets, one per van: the whole plan for those who plan, a driver's
    own routes for a courier."""
    plan = queries.route_plan(pk)
    visible = set(queries.routes_for(request.user).filter(plan=plan).values_list("pk", flat=True))
    only = request.GET.get("route", "")
    sheets = [
        route
        for route in plan.routes.all()
        if route.pk in visible and (not only or str(route.number) == only)
    ]
    if not sheets:
        raise NotFound()
    for route in sheets:
        readable = queries.stops_with_waybills(request.user, route)
        for stop in route.stops.all():
            # On the trunk, a station's stop takes its village points' parcels on too.
            stop.onward = sum(1 for p in stop.parcels.all() if p.point_id != stop.site_id)
            stop.waybills_shown = stop.pk in readable
    saving = None
    if plan.naive_km:
        saving = round(100 * (1 - plan.total_km / plan.naive_km))
    return render(
        request,
        "logistics/route_sheet.html",
        {
            "plan": plan,
            "sheets": sheets,
            "notes": [_note_message(note) for note in plan.notes],
            "left_out": _left_out(plan),
            "saving": saving,
            "whole_plan": queries.runs_hubs(request.user),
        },
    )
