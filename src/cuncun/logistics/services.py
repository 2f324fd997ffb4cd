"""Every write of logistics: parcels and their tracking events (from a carrier's API, a manifest
or a scan), check-in and handover at the pickup point, reminders and returns, reviews of flagged
events, carrier API keys, road distances and the day's consolidated routes.

Each runs in one transaction, locks what it changes (site before parcel) and writes its audit row;
messages to recipients go through the SMS outbox in the same transaction.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.accounts.models import Role
from cuncun.core import audit
from cuncun.core.checks import number_out_of_range, text_too_long
from cuncun.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    row_problem,
)
from cuncun.core.personal import is_valid_id_number, is_valid_phone, mask_id_number
from cuncun.core.ratelimit import count_failure, refuse_if_limited
from cuncun.core.sales import parcel_delivered
from cuncun.core.scoping import require_in_scope
from cuncun.core.sms import send_sms
from cuncun.logistics.locks import lock_parcel
from cuncun.logistics.models import (
    CarrierApiKey,
    ConsentBasis,
    DeliveredTo,
    Direction,
    EventKind,
    EventSource,
    EventState,
    Parcel,
    ParcelStatus,
    PickupPointSettings,
    RoadDistance,
    Route,
    RouteLeg,
    RoutePlan,
    RouteStop,
    TrackingEvent,
    normal_waybill,
)
from cuncun.logistics.queries import parcel_ledger_rows, pickup_fee
from cuncun.logistics.rules import Problem, Step, new_event_problem
from cuncun.network.locks import lock_site
from cuncun.network.models import Carrier, Site, SiteKind, SiteService
from cuncun.network.services import (
    correct_service,
    ensure_carrier,
    is_operator_of,
    record_service,
)
from cuncun.trace import services as trace
from cuncun.trace.models import BizStep

K = EventKind
MAX_PICKUP_CODE_ATTEMPTS = 5
PICKUP_CODE_DIGITS = 6
# A scanner's clock may run a little ahead of ours; beyond this an event "in the future" is wrong.
CLOCK_SKEW = timedelta(minutes=15)
# Roles that scan parcels (with the county office, which may do everything).
SCANNING_ROLES = {Role.TOWNSHIP_STAFF, Role.COURIER, Role.VILLAGE_OPERATOR}
# Sites where parcels are sorted and forwarded (到达/发出).
HUB_KINDS = {SiteKind.COUNTY_WAREHOUSE, SiteKind.TOWNSHIP_STATION, SiteKind.COUNTY_CENTER}
# The kinds of site that may scan an event, for the events that happen only at some: a parcel
# arrives at and leaves a hub, and waits at a pickup point; every other event (an exception, a
# refusal, a courier's attempt …) may be scanned wherever staff are.
EVENT_SITE_KINDS = {
    K.ARRIVED_HUB: HUB_KINDS,
    K.DEPARTED_HUB: HUB_KINDS,
    K.AT_PICKUP_POINT: SiteKind.PARCEL_POINTS,
}
# The scans that say only where a parcel is: the same one again at the same site is one event.
PLACE_SCANS = {K.ACCEPTED, K.ARRIVED_HUB, K.DEPARTED_HUB, K.AT_PICKUP_POINT}
WAYBILL_MAX = Parcel._meta.get_field("waybill").max_length
# A parcel keeps its weight to 0.01 kg.
WEIGHT_STEP = Decimal(1).scaleb(-Parcel._meta.get_field("weight_kg").decimal_places)


class WrongPickupCode(Conflict):
    code = "wrong_pickup_code"


class PickupCodeLocked(Conflict):
    code = "pickup_code_locked"


# --- inputs ---------------------------------------------------------------------------------


@dataclass
class ParcelDetails:
    """What is known of a parcel when it is first seen."""

    point: Site
    direction: str = Direction.INBOUND
    person_name: str = ""
    person_phone: str = ""
    weight_kg: Decimal | None = None
    order_ref: str = ""


@dataclass
class EventInput:
    kind: str
    occurred_at: datetime
    site: Site | None = None
    location: str = ""
    raw_text: str = ""
    event_id: str = ""
    delivered_to: str = ""
    consent_basis: str = ""
    details: dict = field(default_factory=dict)


@dataclass
class Recorded:
    parcel: Parcel
    event: TrackingEvent
    outcome: str  # "recorded" | "duplicate" | "flagged"


@dataclass
class IdCheck:
    """A recipient identified by their ID card instead of the code; only the masked number is
    kept."""

    id_number: str
    name: str


# --- who may do what ------------------------------------------------------------------------


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def require_may_scan(actor, site: Site | None, parcel_region_path: str | None) -> None:
    """Scanning at a hub or point: the county office anywhere; township staff and couriers in
    their area; a village operator only at the point they run."""
    if actor is None or actor.manages_reference_data:
        return
    if site is not None and is_operator_of(actor, site):
        return
    if actor.role in {Role.TOWNSHIP_STAFF, Role.COURIER}:
        path = site.region.path if site is not None else parcel_region_path
        require_in_scope(actor, path, what=site.name if site else _("This parcel"))
        return
    if actor.role == Role.VILLAGE_OPERATOR and site is not None:
        require_in_scope(actor, site.region.path, what=site.name)
        raise NotAllowed(_("Only the operator of %s may scan parcels there.") % site.name)
    raise NotAllowed(_("Your role may not scan parcels."))


def require_point_staff(actor, site: Site) -> None:
    """Check-in, handover, reminders and returns at a point: its operator, the township staff
    of its township, or the county office."""
    if actor is None or actor.manages_reference_data or is_operator_of(actor, site):
        return
    if actor.role == Role.TOWNSHIP_STAFF:
        require_in_scope(actor, site.region.path, what=site.name)
        return
    require_in_scope(actor, site.region.path, what=site.name)
    raise NotAllowed(_("Only the operator of %s may hand over parcels there.") % site.name)


def require_reviewer(actor, parcel: Parcel) -> None:
    if actor is None or actor.manages_reference_data:
        return
    if actor.role == Role.TOWNSHIP_STAFF:
        require_in_scope(actor, parcel.region.path, what=str(parcel))
        return
    raise NotAllowed(_("Only the county office or township staff review flagged events."))


# --- parcels and events ---------------------------------------------------------------------


def parcel_details_problems(details: ParcelDetails) -> list[Problem]:
    """What is wrong with what is said of a parcel; a manifest reports these per row. A missing
    point (`None`) is the caller's to report: it could not find the code it was given."""
    problems = []
    if details.direction not in dict(Direction.choices):
        problems.append(Problem("bad_direction", _("unknown direction %s") % details.direction))
    if details.point is not None and details.point.kind not in SiteKind.PARCEL_POINTS:
        problems.append(
            Problem(
                "not_a_point",
                _("%s is not a village point, pickup store or township station")
                % details.point.name,
            )
        )
    if details.person_phone and not is_valid_phone(details.person_phone):
        problems.append(
            Problem("bad_phone", _("%s is not a mobile phone number") % details.person_phone)
        )
    problems += _too_long(
        Parcel,
        [
            ("person_name", details.person_name.strip(), "name_too_long"),
            ("order_ref", details.order_ref.strip(), "order_ref_too_long"),
        ],
    )
    # Judged as the parcel would keep it: 99999.994 kg is 99999.99 kg.
    if bad_weight := number_out_of_range(Parcel, "weight_kg", _kg(details.weight_kg), low=0):
        problems.append(Problem("bad_weight", bad_weight))
    return problems


def _too_long(model, texts: list[tuple[str, str, str]]) -> list[Problem]:
    """Each (field, text, problem code) whose text is longer than its column."""
    return [
        Problem(code, message)
        for field_name, text, code in texts
        if (message := text_too_long(model, field_name, text))
    ]


def _kg(weight) -> Decimal | None:
    """A weight as the parcel keeps it, to 0.01 kg."""
    if weight is None:
        return None
    try:
        weight = Decimal(weight)
        return weight.quantize(WEIGHT_STEP, ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return weight  # not a number, too large to round, or infinite: the checks say so


def _refuse(problems: list[Problem]) -> None:
    if problems:
        messages = [str(p.message) for p in problems]
        raise InvalidInput(
            "; ".join(messages),
            details={"problems": messages, "codes": [p.code for p in problems]},
        )


def _check_details(details: ParcelDetails) -> None:
    _refuse(parcel_details_problems(details))


def waybill_problem(waybill: str) -> Problem | None:
    waybill = normal_waybill(waybill)
    if not waybill or len(waybill) > WAYBILL_MAX or not waybill.replace("-", "").isalnum():
        return Problem(
            "bad_waybill",
            _("A waybill number is 1 to %d letters and digits.") % WAYBILL_MAX,
        )
    return None


def _check_waybill(waybill: str) -> str:
    problem = waybill_problem(waybill)
    if problem:
        raise InvalidInput(problem.message, details={"waybill": normal_waybill(waybill)})
    return normal_waybill(waybill)


def register_parcel(
    *, actor, carrier: Carrier, waybill: str, details: ParcelDetails, is_demo: bool = False
) -> Parcel:
    """Make a parcel known (from a manifest, an order, the carrier's first event). Registering
    one that exists fills in what it did not know and changes nothing else."""
    waybill = _check_waybill(waybill)
    _check_details(details)
    with transaction.atomic():
        parcel, _created = _parcel_for(carrier, waybill, details, is_demo=is_demo, actor=actor)
    return parcel


def _parcel_for(carrier, waybill, details, *, is_demo=False, actor=None) -> tuple[Parcel, bool]:
    existing = Parcel.objects.filter(carrier=carrier, waybill=waybill).first()
    if existing is None:
        if details is None:
            raise NotFound(
                _(
                    "%(carrier)s %(waybill)s is not known here: say which point it is bound "
                    "for, or upload its manifest first."
                )
                % {"carrier": carrier.name, "waybill": waybill},
                details={"carrier": carrier.code, "waybill": waybill},
            )
        try:
            with transaction.atomic():
                existing = Parcel.objects.create(
                    carrier=carrier,
                    waybill=waybill,
                    direction=details.direction,
                    point=details.point,
                    region=details.point.region,
                    person_name=details.person_name.strip(),
                    person_phone=details.person_phone.strip(),
                    weight_kg=_kg(details.weight_kg),
                    order_ref=details.order_ref.strip(),
                    is_demo=is_demo,
                )
            audit.record(
                actor=actor,
                action="parcel.register",
                obj=existing,
                after={"carrier": carrier.code, "waybill": waybill, "point": details.point.code},
            )
            return lock_parcel(existing.pk), True
        except IntegrityError:
            existing = Parcel.objects.get(carrier=carrier, waybill=waybill)
    parcel = lock_parcel(existing.pk)
    if details is not None:
        fill = {
            "person_name": details.person_name.strip(),
            "person_phone": details.person_phone.strip(),
            "weight_kg": _kg(details.weight_kg),
            "order_ref": details.order_ref.strip(),
        }
        missing = {k: v for k, v in fill.items() if v not in ("", None) and not getattr(parcel, k)}
        if missing:
            for name, value in missing.items():
                setattr(parcel, name, value)
            parcel.save(update_fields=[*missing, "updated_at"])
    return parcel, False


def dedupe_key(carrier: Carrier, waybill: str, event: EventInput) -> str:
    """The carrier's event id when it sends one, else a hash of what the event says."""
    if event.event_id:
        return f"id:{event.event_id.strip()}"[:80]
    content = "|".join(
        [
            carrier.code,
            waybill,
            event.kind,
            event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            event.site.code if event.site else "",
            event.location.strip(),
            event.raw_text.strip(),
            event.delivered_to,
            event.consent_basis,
        ]
    )
    return "h:" + hashlib.sha256(content.encode()).hexdigest()[:64]


def event_problems(event: EventInput) -> list[Problem]:
    """What is wrong with an event on its own (not yet in a parcel's timeline)."""
    problems = []
    if event.kind not in dict(EventKind.choices):
        problems.append(Problem("unknown_event", _("unknown event %s") % event.kind))
    if timezone.is_naive(event.occurred_at):
        problems.append(Problem("naive_time", _("the event time must say its time zone")))
    elif event.occurred_at > timezone.now() + CLOCK_SKEW:
        problems.append(Problem("future_time", _("the event time is in the future")))
    if event.delivered_to and event.kind != K.DELIVERED:
        problems.append(
            Problem("receiver_not_delivery", _("only a delivery says who received the parcel"))
        )
    if event.delivered_to and event.delivered_to not in dict(DeliveredTo.choices):
        problems.append(Problem("bad_receiver", _("unknown receiver %s") % event.delivered_to))
    if event.consent_basis and event.kind != K.AT_PICKUP_POINT:
        problems.append(
            Problem(
                "consent_not_pickup",
                _("only a parcel left at a pickup point records a consent"),
            )
        )
    if event.consent_basis and event.consent_basis not in dict(ConsentBasis.choices):
        problems.append(Problem("bad_consent", _("unknown consent basis %s") % event.consent_basis))
    problems += _too_long(
        TrackingEvent,
        [
            ("carrier_event_id", event.event_id.strip(), "event_id_too_long"),
            ("location", event.location.strip(), "location_too_long"),
        ],
    )
    wrong_site = _wrong_site(event)
    if wrong_site:
        problems.append(wrong_site)
    return problems


def _wrong_site(event: EventInput) -> Problem | None:
    """A hub scan at a village point, a parcel waiting at a warehouse …: the site cannot scan
    this event."""
    if event.site is None:
        return None
    kinds = EVENT_SITE_KINDS.get(event.kind)
    if event.kind == K.DELIVERED and event.delivered_to == DeliveredTo.PICKUP_POINT:
        kinds = SiteKind.PARCEL_POINTS
    if kinds is None or event.site.kind in kinds:
        return None
    return Problem(
        "wrong_site_kind",
        _("%(site)s is a %(kind)s and cannot scan “%(event)s”.")
        % {
            "site": event.site.name,
            "kind": event.site.get_kind_display(),
            "event": dict(EventKind.choices)[event.kind],
        },
    )


def _check_event(event: EventInput) -> None:
    _refuse(event_problems(event))


def _timeline(parcel: Parcel) -> list[Step]:
    return [
        Step(e.kind, e.occurred_at, e.delivered_to, e.consent_basis, e.pk)
        for e in parcel.events.in_timeline()
    ]


def _problem_of(parcel: Parcel, event: EventInput) -> Problem | None:
    """What is impossible about a new event in the parcel's timeline (it sorts after every
    recorded event of the same time)."""
    new = Step(event.kind, event.occurred_at, event.delivered_to, event.consent_basis, 1 << 62)
    return new_event_problem(_timeline(parcel), new)


def record_event(
    *,
    actor,
    carrier: Carrier,
    waybill: str,
    event: EventInput,
    source: str,
    details: ParcelDetails | None = None,
) -> Recorded:
    """Record one tracking event. The same event twice is one event; an event that makes the
    parcel's timeline (ordered by event time) impossible is kept but flagged, not applied."""
    waybill = _check_waybill(waybill)
    _check_event(event)
    if details is not None:
        _check_details(details)
    if source not in dict(EventSource.choices):
        raise InvalidInput(_("unknown source %s") % source)
    key = dedupe_key(carrier, waybill, event)
    with transaction.atomic():
        parcel, _created = _parcel_for(carrier, waybill, details, actor=actor)
        require_may_scan(actor, event.site, parcel.region.path)
        return _record(actor, parcel, event, source, key)


def _record_at_counter(actor, parcel: Parcel, event: EventInput) -> Recorded:
    """A scan at a point's counter (check-in, handover, return): refused outright when the
    sequence is impossible (the person is there to fix it), where a carrier's event would be
    kept and flagged for review."""
    key = dedupe_key(parcel.carrier, parcel.waybill, event)
    return _record(actor, parcel, event, EventSource.SCAN, key, refuse_impossible=True)


def _record(
    actor,
    parcel: Parcel,
    event: EventInput,
    source: str,
    key: str,
    *,
    refuse_impossible: bool = False,
) -> Recorded:
    """Inside the caller's transaction, with the parcel locked."""
    existing = parcel.events.filter(dedupe_key=key).first()
    if existing is None and _is_place_scan(event):
        existing = _same_scan_again(parcel, event)
    if existing is not None:
        return Recorded(parcel, existing, "duplicate")
    problem = _problem_of(parcel, event)
    if problem and refuse_impossible:
        raise Conflict(problem.message, details={"problem": problem.code})
    row = TrackingEvent.objects.create(
        parcel=parcel,
        kind=event.kind,
        occurred_at=event.occurred_at,
        source=source,
        site=event.site,
        location=event.location.strip(),
        raw_text=event.raw_text.strip(),
        carrier_event_id=event.event_id.strip(),
        dedupe_key=key,
        delivered_to=event.delivered_to,
        consent_basis=event.consent_basis,
        details=event.details,
        state=EventState.FLAGGED if problem else EventState.APPLIED,
        problem=str(problem.message)[:200] if problem else "",
        actor=_person(actor),
    )
    if problem:
        if not parcel.needs_review:
            parcel.needs_review = True
            parcel.save(update_fields=["needs_review", "updated_at"])
        audit.record(
            actor=actor,
            action="parcel.event.flagged",
            obj=parcel,
            after={"event": row.pk, "kind": row.kind, "problem": problem.code},
        )
        return Recorded(parcel, row, "flagged")
    _refresh_status(actor, parcel)
    _record_into_trace(parcel, row)
    return Recorded(parcel, row, "recorded")


# How a parcel's scan reads in the journey of the batches its market order carries.
TRACE_STEPS = {
    EventKind.ACCEPTED: BizStep.ACCEPTING,
    EventKind.ARRIVED_HUB: BizStep.ARRIVING,
    EventKind.DEPARTED_HUB: BizStep.DEPARTING,
    EventKind.OUT_FOR_DELIVERY: BizStep.DEPARTING,
    EventKind.AT_PICKUP_POINT: BizStep.STORING,
    EventKind.DELIVERED: BizStep.REMOVING,
}


def _record_into_trace(parcel: Parcel, row: TrackingEvent) -> None:
    step = TRACE_STEPS.get(row.kind)
    if step and parcel.order_ref:
        trace.record_parcel_step(
            order_ref=parcel.order_ref,
            waybill=parcel.waybill,
            step=step,
            key=row.dedupe_key,
            place=row.site.name if row.site_id else row.location,
            region=row.site.region if row.site_id else None,
            at=row.occurred_at,
        )


def _is_place_scan(event: EventInput) -> bool:
    """A scan that says only where the parcel is (accepted, arrived or left here, waiting here),
    without a carrier's event id. A carrier's event with its own id is that event, and any
    other kind (a failed attempt, an exception …) may truly happen twice in a row."""
    return event.site is not None and not event.event_id.strip() and event.kind in PLACE_SCANS


def _same_scan_again(parcel: Parcel, event: EventInput) -> TrackingEvent | None:
    """The scan this place scan repeats: the parcel's event just before it is of the same kind at
    the same site, with nothing in between (the scanner beeped twice, the hub scanned it again a
    minute later, a manifest without times was uploaded twice, the counter checks in a parcel
    the carrier said was waiting there). Its time differs, so its content hash does, but it says
    nothing new: the same event twice is one event. A flagged event is not in the timeline:
    scanning again what was refused is judged on its own."""
    previous = (
        parcel.events.in_timeline()
        .filter(occurred_at__lte=event.occurred_at)
        .order_by("-occurred_at", "-id")
        .select_related("site")
        .first()
    )
    if previous and previous.kind == event.kind and previous.site_id == event.site.pk:
        return previous
    return None


def _refresh_status(actor, parcel: Parcel) -> None:
    """The parcel's status is its latest event in time among those in the timeline."""
    last = parcel.events.in_timeline().order_by("-occurred_at", "-id").first()
    before = {"status": parcel.status, "on_shelf": parcel.on_shelf}
    if last is not None:
        parcel.status = last.kind
        parcel.status_at = last.occurred_at
        if last.site_id:
            parcel.status_site_id = last.site_id
    else:
        # No event stands (the only one was dismissed or undone): known, not yet scanned.
        parcel.status, parcel.status_at, parcel.status_site_id = ParcelStatus.REGISTERED, None, None
    if parcel.on_shelf and parcel.status in {K.DELIVERED, K.RETURNING, K.RETURNED, K.REFUSED}:
        # It left the shelf: the slot is free and the code is spent.
        parcel.on_shelf = False
        parcel.pickup_code_hash = ""
    parcel.needs_review = parcel.events.flagged().exists()
    parcel.save(
        update_fields=[
            "status",
            "status_at",
            "status_site",
            "on_shelf",
            "pickup_code_hash",
            "needs_review",
            "updated_at",
        ]
    )
    after = {"status": parcel.status, "on_shelf": parcel.on_shelf}
    if after != before:
        audit.record(actor=actor, action="parcel.status", obj=parcel, before=before, after=after)
    if parcel.status == K.DELIVERED and before["status"] != K.DELIVERED:
        parcel_delivered(parcel.status_at)  # that day's parcels rollup is rebuilt after commit


def review_event(*, actor, event: TrackingEvent, apply: bool, note: str = "") -> TrackingEvent:
    """A person decides on a flagged event: apply it to the timeline anyway, or leave it out."""
    if not note.strip():
        raise InvalidInput(_("Say why, in a few words."))
    with transaction.atomic():
        parcel = lock_parcel(event.parcel_id)
        require_reviewer(actor, parcel)
        event = TrackingEvent.objects.select_for_update().get(pk=event.pk)
        if event.state != EventState.FLAGGED:
            raise Conflict(_("This event was already reviewed."))
        event.state = EventState.ACCEPTED if apply else EventState.DISMISSED
        event.reviewed_by = _person(actor)
        event.reviewed_at = timezone.now()
        event.review_note = note.strip()[:200]
        event.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        audit.record(
            actor=actor,
            action="parcel.event.review",
            obj=parcel,
            before={"event": event.pk, "state": EventState.FLAGGED},
            after={"event": event.pk, "state": event.state},
            reason=note,
        )
        _refresh_status(actor, parcel)
    return event


# --- at the pickup point --------------------------------------------------------------------


def _code_hash(parcel_id: int, code: str) -> str:
    message = f"pickup:{parcel_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def shelf_layout(site: Site) -> PickupPointSettings:
    layout = PickupPointSettings.objects.filter(site=site).first()
    return layout or PickupPointSettings(site=site)


def _free_slot(site: Site) -> str:
    layout = shelf_layout(site)
    taken = set(Parcel.objects.on_shelf_at(site).values_list("shelf_slot", flat=True))
    for shelf in layout.shelves:
        for level in range(1, layout.levels + 1):
            for number in range(1, layout.slots_per_level + 1):
                slot = f"{shelf}-{level}-{number:02d}"
                if slot not in taken:
                    return slot
    raise Conflict(
        _("Every shelf slot at %s is taken: hand over or return parcels first.") % site.name
    )


def _notify_waiting(parcel: Parcel, site: Site, code: str, *, reminder: bool = False) -> bool:
    """The recipient's SMS; False when there is no phone to send it to."""
    if not is_valid_phone(parcel.person_phone):
        return False
    fee = pickup_fee(site)
    with translation.override(settings.LANGUAGE_CODE):
        parts = [
            _("Reminder: your parcel is still waiting.") if reminder else "",
            _("%(carrier)s parcel %(tail)s is at %(site)s, shelf %(slot)s.")
            % {
                "carrier": parcel.carrier.name,
                "tail": parcel.waybill[-4:],
                "site": site.name,
                "slot": parcel.shelf_slot,
            },
            _("Pickup code %(code)s.") % {"code": code} if code else "",
            _("Open %(hours)s.") % {"hours": site.opening_hours} if site.opening_hours else "",
            _("Fee %(amount)s yuan per %(per)s.") % {"amount": fee.amount, "per": fee.per}
            if fee and fee.amount
            else "",
        ]
    send_sms(
        to=parcel.person_phone, text="".join(p for p in parts if p), reference=parcel.reference
    )
    return True


@dataclass
class CheckIn:
    parcel: Parcel
    shelf_slot: str
    notified: bool
    already: bool = False  # it was on this shelf already: nothing changed


def check_in_parcel(
    *,
    actor,
    site: Site,
    carrier: Carrier,
    waybill: str,
    consent_basis: str,
    at: datetime | None = None,
    details: ParcelDetails | None = None,
) -> CheckIn:
    """A parcel arrives at a point: it gets a shelf slot and a pickup code, the recipient an SMS
    with both, and the point's ledger a line. Scanning it again shows the same slot."""
    waybill = _check_waybill(waybill)
    if consent_basis not in dict(ConsentBasis.choices):
        raise InvalidInput(
            _("Record on what consent the parcel waits here (the 2024 express rules require it).")
        )
    at = at or timezone.now()
    if details is not None:
        _check_details(details)
    with transaction.atomic():
        site = lock_site(site.pk)
        require_point_staff(actor, site)
        if site.kind not in SiteKind.PARCEL_POINTS:
            raise InvalidInput(_("%s does not keep parcels for pickup.") % site.name)
        if not site.is_serving:
            raise Conflict(_("%s is not operating.") % site.name)
        parcel, _created = _parcel_for(carrier, waybill, details, actor=actor)
        if parcel.on_shelf and parcel.pickup_site_id == site.pk:
            return CheckIn(parcel, parcel.shelf_slot, notified=False, already=True)
        if parcel.on_shelf:
            raise Conflict(
                _("This parcel is on the shelf at %s.") % parcel.pickup_site.name,
                details={"site": parcel.pickup_site.code},
            )
        if parcel.direction != Direction.INBOUND:
            raise Conflict(_("This parcel is being sent out, not collected."))
        if parcel.point_id != site.pk:
            raise Conflict(
                _("This parcel is for %s, not for this point.") % parcel.point.name,
                details={"point": parcel.point.code},
            )
        event = EventInput(
            kind=K.AT_PICKUP_POINT, occurred_at=at, site=site, consent_basis=consent_basis
        )
        # A carrier that already reported it waiting here makes this scan the same event.
        _record_at_counter(actor, parcel, event)
        code = _new_code()
        parcel.pickup_site = site
        parcel.shelf_slot = _free_slot(site)
        parcel.on_shelf = True
        parcel.pickup_code_hash = _code_hash(parcel.pk, code)
        parcel.pickup_code_attempts = 0
        parcel.checked_in_at = at
        parcel.save(
            update_fields=[
                "pickup_site",
                "shelf_slot",
                "on_shelf",
                "pickup_code_hash",
                "pickup_code_attempts",
                "checked_in_at",
                "updated_at",
            ]
        )
        notified = _notify_waiting(parcel, site, code)
        record_service(
            actor=actor,
            site=site,
            kind=SiteService.PARCEL_RECEIVED,
            day=timezone.localdate(at),
            reference=_ledger_reference(site, SiteService.PARCEL_RECEIVED, parcel),
            note=f"{carrier.code} {waybill} {parcel.shelf_slot}",
            authorized_by_caller=True,
        )
        audit.record(
            actor=actor,
            action="parcel.check_in",
            obj=parcel,
            after={"site": site.code, "slot": parcel.shelf_slot, "consent": consent_basis},
        )
    return CheckIn(parcel, parcel.shelf_slot, notified)


@dataclass
class Handover:
    parcel: Parcel
    receipt: dict


def hand_over_parcel(
    *,
    actor,
    site: Site,
    parcel: Parcel,
    code: str = "",
    id_check: IdCheck | None = None,
    proxy_name: str = "",
    at: datetime | None = None,
) -> Handover:
    """Give a parcel to the person collecting it: with the pickup code, or after checking an ID
    card (recorded). The code is single-use; after MAX_PICKUP_CODE_ATTEMPTS wrong codes only an
    ID check or a new code releases the parcel."""
    code = (code or "").strip()
    if not code and id_check is None:
        raise InvalidInput(_("Enter the pickup code, or check the collector's ID card."))
    if id_check is not None:
        if not id_check.name.strip():
            raise InvalidInput(_("Enter the name on the ID card."))
        if not is_valid_id_number(id_check.id_number):
            raise InvalidInput(_("This is not a valid resident ID number."))
    at = at or timezone.now()
    counter = f"user:{actor.pk}"
    if code:
        refuse_if_limited("pickup_code", counter)
    wrong: WrongPickupCode | None = None
    with transaction.atomic():
        site = lock_site(site.pk)
        require_point_staff(actor, site)
        parcel = lock_parcel(parcel.pk)
        if not (parcel.on_shelf and parcel.pickup_site_id == site.pk):
            raise Conflict(_("This parcel is not waiting at %s.") % site.name)
        trace.refuse_held_order(parcel.order_ref)
        if code:
            if (
                parcel.pickup_code_attempts >= MAX_PICKUP_CODE_ATTEMPTS
                or not parcel.pickup_code_hash
            ):
                raise PickupCodeLocked(
                    _("Too many wrong codes: check the collector's ID card, or send a new code.")
                )
            if not hmac.compare_digest(parcel.pickup_code_hash, _code_hash(parcel.pk, code)):
                parcel.pickup_code_attempts += 1
                parcel.save(update_fields=["pickup_code_attempts", "updated_at"])
                count_failure("pickup_code", counter)
                audit.record(
                    actor=actor,
                    action="parcel.pickup_code.wrong",
                    obj=parcel,
                    after={"attempts": parcel.pickup_code_attempts},
                )
                left = MAX_PICKUP_CODE_ATTEMPTS - parcel.pickup_code_attempts
                wrong = WrongPickupCode(
                    _("Wrong pickup code; %(left)d attempt(s) left.") % {"left": left},
                    details={"attempts_left": left},
                )
        if wrong is None:
            verified = (
                {"verified_by": "code"}
                if code
                else {
                    "verified_by": "id_check",
                    "id_number": mask_id_number(id_check.id_number.strip().upper()),
                    "name": id_check.name.strip(),
                }
            )
            if proxy_name.strip():
                verified["proxy"] = proxy_name.strip()[:50]
            event = EventInput(
                kind=K.DELIVERED,
                occurred_at=at,
                site=site,
                delivered_to=DeliveredTo.PICKUP_POINT,
                details=verified,
            )
            _record_at_counter(actor, parcel, event)
            slot = parcel.shelf_slot
            parcel.on_shelf = False
            parcel.pickup_code_hash = ""
            parcel.handed_over_at = at
            parcel.save(
                update_fields=["on_shelf", "pickup_code_hash", "handed_over_at", "updated_at"]
            )
            day = timezone.localdate(at)
            # A suspended or closed point still hands over what is left on its shelf, so nobody's
            # parcel is stuck there, but it charges no fee: it may book no service income (its
            # ledger row says 0, its audit row that the fee was waived).
            fee_waived = not site.was_serving_on(day)
            fee = None if fee_waived else pickup_fee(site)
            amount = fee.amount if fee else Decimal("0.00")
            record_service(
                actor=actor,
                site=site,
                kind=SiteService.PARCEL_HANDED_OVER,
                day=day,
                amount=amount,
                reference=_ledger_reference(site, SiteService.PARCEL_HANDED_OVER, parcel),
                note=f"{parcel.carrier.code} {parcel.waybill} {slot}",
                authorized_by_caller=True,
            )
            audit.record(
                actor=actor,
                action="parcel.handover",
                obj=parcel,
                after={
                    "site": site.code,
                    "slot": slot,
                    "fee": str(amount),
                    "fee_waived": fee_waived,
                    **verified,
                },
            )
            receipt = {
                "site": site.name,
                "site_code": site.code,
                "carrier": parcel.carrier.name,
                "waybill": parcel.waybill,
                "recipient": parcel.masked_name,
                "shelf_slot": slot,
                "handed_over_at": at,
                "verified_by": verified["verified_by"],
                "id_number": verified.get("id_number", ""),
                "proxy": verified.get("proxy", ""),
                "fee": amount,
                "fee_per": fee.per if fee else "",
                "fee_waived": fee_waived,
            }
    if wrong is not None:
        raise wrong
    return Handover(parcel, receipt)


# --- undo at the counter --------------------------------------------------------------------
#
# A check-in or a handover recorded by mistake (the wrong waybill typed, the wrong parcel taken
# from the shelf) is taken back by the person who recorded it, within UNDO_WINDOW, while it is
# still the last thing that happened to the parcel: long enough to notice at the counter, short
# enough that the parcel is surely still in the room. The undo is a compensating record, never
# an erasure: the event stays in the parcel's history, dismissed with the reason; the ledger row
# is taken back by a correction row; the audit log has both.
#
# What is not undone here, and why:
# - a return (return_parcel): the parcel is given to the carrier's courier, whose own system
#   takes it from there; the counter cannot call it back;
# - a cash confirmation (orders): the orders become paid, their sellers start packing and the
#   stock is committed; money once received is put right by a refund, which its ledger keeps;
# - an order's cancellation (orders): its goods go back on sale to others at once.
UNDO_WINDOW = timedelta(minutes=10)
UNDONE = gettext_lazy("undone at the counter")


def _ledger_reference(site: Site, kind: str, parcel: Parcel) -> str:
    """The reference of a new ledger row for this parcel: after an undone row (taken back by a
    correction), the redo is a row of its own, since the ledger keeps one row per reference."""
    taken_back = parcel_ledger_rows(site.pk, kind, parcel).filter(correction__isnull=False).count()
    return parcel.reference if not taken_back else f"{parcel.reference}~{taken_back + 1}"


def _undoable_event(actor, parcel: Parcel, site: Site, kind: str, now: datetime) -> TrackingEvent:
    last = parcel.events.in_timeline().order_by("-occurred_at", "-id").first()
    if last is None or last.kind != kind or last.site_id != site.pk:
        raise Conflict(_("Only the last thing done with this parcel can be undone."))
    if last.actor_id is None or last.actor_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Only the person who recorded it may undo it."))
    if last.recorded_at < now - UNDO_WINDOW:
        raise Conflict(
            _("More than %(minutes)d minutes have passed: this can no longer be undone.")
            % {"minutes": UNDO_WINDOW.seconds // 60}
        )
    return last


def _dismiss(actor, event: TrackingEvent, now: datetime, reason: str) -> None:
    event.state = EventState.DISMISSED
    event.reviewed_by = _person(actor)
    event.reviewed_at = now
    event.review_note = reason[:200]
    event.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])


def _take_back_ledger_row(actor, site: Site, kind: str, parcel: Parcel, reason: str) -> None:
    row = parcel_ledger_rows(site.pk, kind, parcel).filter(correction__isnull=True).last()
    if row is not None:
        correct_service(actor=actor, site=site, kind=kind, reference=row.reference, reason=reason)


def _locked_at_its_point(actor, parcel: Parcel, not_at_a_point: str) -> tuple[Site, Parcel]:
    """An undo's point and parcel, locked in that order (as every counter action takes them),
    once the actor is known to work at that point."""
    if parcel.pickup_site_id is None:
        raise Conflict(not_at_a_point)
    site = lock_site(parcel.pickup_site_id)
    require_point_staff(actor, site)
    return site, lock_parcel(parcel.pk)


def undo_handover(
    *, actor, parcel: Parcel, reason: str = "", now: datetime | None = None
) -> Parcel:
    """A handover by mistake: the parcel goes back on the shelf (its slot, or a free one) with a
    new pickup code sent to the recipient (the old one was spent); the fee's ledger row is taken
    back."""
    now = now or timezone.now()
    reason = reason.strip() or str(UNDONE)
    with transaction.atomic():
        site, parcel = _locked_at_its_point(
            actor, parcel, _("This parcel was not handed over at a point.")
        )
        handed = _undoable_event(actor, parcel, site, K.DELIVERED, now)
        _dismiss(actor, handed, now, reason)
        _refresh_status(actor, parcel)
        taken = set(Parcel.objects.on_shelf_at(site).values_list("shelf_slot", flat=True))
        if not parcel.shelf_slot or parcel.shelf_slot in taken:
            parcel.shelf_slot = _free_slot(site)
        code = _new_code()
        parcel.on_shelf = True
        parcel.pickup_code_hash = _code_hash(parcel.pk, code)
        parcel.pickup_code_attempts = 0
        parcel.handed_over_at = None
        parcel.save(
            update_fields=[
                "shelf_slot",
                "on_shelf",
                "pickup_code_hash",
                "pickup_code_attempts",
                "handed_over_at",
                "updated_at",
            ]
        )
        _notify_waiting(parcel, site, code)
        _take_back_ledger_row(actor, site, SiteService.PARCEL_HANDED_OVER, parcel, reason)
        if parcel.order_ref:
            # The batches' journey is public and append-only: it says the goods are stored again.
            trace.record_parcel_step(
                order_ref=parcel.order_ref,
                waybill=parcel.waybill,
                step=BizStep.STORING,
                key=f"{handed.dedupe_key}:undone",
                place=site.name,
                region=site.region,
                at=now,
            )
        audit.record(
            actor=actor,
            action="parcel.handover.undo",
            obj=parcel,
            before={"event": handed.pk, "on_shelf": False},
            after={"on_shelf": True, "slot": parcel.shelf_slot},
            reason=reason,
        )
    return parcel


def undo_check_in(
    *, actor, parcel: Parcel, reason: str = "", now: datetime | None = None
) -> Parcel:
    """A check-in by mistake: the parcel leaves the shelf and the point, its code stops working
    and the recipient is told to disregard it; the ledger row is taken back."""
    now = now or timezone.now()
    reason = reason.strip() or str(UNDONE)
    with transaction.atomic():
        site, parcel = _locked_at_its_point(
            actor, parcel, _("This parcel is not waiting at a pickup point.")
        )
        if not parcel.on_shelf:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        checked_in = _undoable_event(actor, parcel, site, K.AT_PICKUP_POINT, now)
        if parcel.order_ref:
            # Its arrival is already in the public journey of the goods it carries, which
            # cannot be taken back: the parcel is returned or handed over instead.
            raise Conflict(
                _("This parcel carries a market order whose journey is published: return it.")
            )
        _dismiss(actor, checked_in, now, reason)
        slot = parcel.shelf_slot
        parcel.on_shelf = False
        parcel.pickup_code_hash = ""
        parcel.pickup_code_attempts = 0
        parcel.pickup_site = None
        parcel.shelf_slot = ""
        parcel.checked_in_at = None
        parcel.save(
            update_fields=[
                "on_shelf",
                "pickup_code_hash",
                "pickup_code_attempts",
                "pickup_site",
                "shelf_slot",
                "checked_in_at",
                "updated_at",
            ]
        )
        _refresh_status(actor, parcel)
        _notify_disregard(parcel, site)
        _take_back_ledger_row(actor, site, SiteService.PARCEL_RECEIVED, parcel, reason)
        audit.record(
            actor=actor,
            action="parcel.check_in.undo",
            obj=parcel,
            before={"event": checked_in.pk, "site": site.code, "slot": slot},
            after={"on_shelf": False},
            reason=reason,
        )
    return parcel


def _notify_disregard(parcel: Parcel, site: Site) -> None:
    if not is_valid_phone(parcel.person_phone):
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Please disregard the pickup code for %(carrier)s parcel %(tail)s: it is not at "
            "%(site)s yet. A new code comes when it arrives."
        ) % {"carrier": parcel.carrier.name, "tail": parcel.waybill[-4:], "site": site.name}
    send_sms(to=parcel.person_phone, text=text, reference=parcel.reference)


def resend_pickup_code(*, actor, parcel: Parcel) -> Parcel:
    """A new code by SMS (the old one stops working; wrong attempts start again)."""
    with transaction.atomic():
        site = lock_site(parcel.pickup_site_id) if parcel.pickup_site_id else None
        if site is None:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        require_point_staff(actor, site)
        parcel = lock_parcel(parcel.pk)
        if not parcel.on_shelf:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        if not is_valid_phone(parcel.person_phone):
            raise Conflict(_("There is no mobile number to send a code to: check an ID instead."))
        code = _new_code()
        while _code_hash(parcel.pk, code) == parcel.pickup_code_hash:
            code = _new_code()  # the old code stops working, so the new one must differ
        parcel.pickup_code_hash = _code_hash(parcel.pk, code)
        parcel.pickup_code_attempts = 0
        parcel.save(update_fields=["pickup_code_hash", "pickup_code_attempts", "updated_at"])
        _notify_waiting(parcel, site, code)
        audit.record(actor=actor, action="parcel.pickup_code.resend", obj=parcel)
    return parcel


def remind_recipient(*, actor, parcel: Parcel) -> Parcel:
    """Remind the recipient of a parcel waiting too long (without the code, which only they
    have; they may ask for a new one)."""
    with transaction.atomic():
        if parcel.pickup_site_id is None:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        site = lock_site(parcel.pickup_site_id)
        require_point_staff(actor, site)
        parcel = lock_parcel(parcel.pk)
        if not parcel.on_shelf:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        if not _notify_waiting(parcel, site, "", reminder=True):
            raise Conflict(_("There is no mobile number to remind: call or visit the recipient."))
        parcel.reminders += 1
        parcel.reminded_at = timezone.now()
        parcel.save(update_fields=["reminders", "reminded_at", "updated_at"])
        audit.record(
            actor=actor, action="parcel.remind", obj=parcel, after={"reminders": parcel.reminders}
        )
    return parcel


def return_parcel(*, actor, parcel: Parcel, reason: str, at: datetime | None = None) -> Parcel:
    """Send a parcel that waited too long (or was refused) back to the carrier."""
    if not reason.strip():
        raise InvalidInput(_("Say why the parcel goes back."))
    at = at or timezone.now()
    with transaction.atomic():
        if parcel.pickup_site_id is None:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        site = lock_site(parcel.pickup_site_id)
        require_point_staff(actor, site)
        parcel = lock_parcel(parcel.pk)
        if not parcel.on_shelf:
            raise Conflict(_("This parcel is not waiting at a pickup point."))
        event = EventInput(
            kind=K.RETURNING, occurred_at=at, site=site, details={"reason": reason.strip()[:200]}
        )
        _record_at_counter(actor, parcel, event)
        if parcel.on_shelf:
            parcel.on_shelf = False
            parcel.pickup_code_hash = ""
            parcel.save(update_fields=["on_shelf", "pickup_code_hash", "updated_at"])
        audit.record(actor=actor, action="parcel.return", obj=parcel, reason=reason)
    return parcel


def accept_outbound_parcel(
    *,
    actor,
    site: Site,
    carrier: Carrier,
    waybill: str,
    sender_name: str,
    sender_phone: str = "",
    weight_kg: Decimal | None = None,
    order_ref: str = "",
    at: datetime | None = None,
    is_demo: bool = False,
) -> Parcel:
    """代发: produce handed in at a point to be sent to a buyer; the carrier's accept scan."""
    at = at or timezone.now()
    details = ParcelDetails(
        point=site,
        direction=Direction.OUTBOUND,
        person_name=sender_name,
        person_phone=sender_phone,
        weight_kg=weight_kg,
        order_ref=order_ref,
    )
    waybill = _check_waybill(waybill)
    _check_details(details)
    with transaction.atomic():
        site = lock_site(site.pk)
        require_point_staff(actor, site)
        if not site.is_serving:
            raise Conflict(_("%s is not operating.") % site.name)
        trace.refuse_held_order(order_ref)
        parcel, created = _parcel_for(carrier, waybill, details, actor=actor, is_demo=is_demo)
        if not created and parcel.direction != Direction.OUTBOUND:
            raise Conflict(_("This waybill is already an inbound parcel."))
        recorded = _record_at_counter(
            actor, parcel, EventInput(kind=K.ACCEPTED, occurred_at=at, site=site)
        )
        record_service(
            actor=actor,
            site=site,
            kind=SiteService.PARCEL_SENT,
            day=timezone.localdate(at),
            reference=parcel.reference,
            note=f"{carrier.code} {waybill}",
            authorized_by_caller=True,
        )
    return recorded.parcel


def set_shelf_layout(
    *, actor, site: Site, shelves: str, levels: int, slots_per_level: int, hold_days: int
) -> PickupPointSettings:
    shelves = "".join(dict.fromkeys(shelves.strip().upper()))
    if not shelves.isalpha() or not shelves.isascii():
        raise InvalidInput(_("Name the shelves with letters, e.g. ABCD."))
    if levels < 1 or slots_per_level < 1 or hold_days < 1:
        raise InvalidInput(_("Levels, slots and days must be at least 1."))
    with transaction.atomic():
        site = lock_site(site.pk)
        require_point_staff(actor, site)
        taken = Parcel.objects.on_shelf_at(site).values_list("shelf_slot", flat=True)
        for slot in taken:
            shelf, level, number = slot.split("-")
            if shelf not in shelves or int(level) > levels or int(number) > slots_per_level:
                raise Conflict(_("Slot %s still holds a parcel and would disappear.") % slot)
        layout, _created = PickupPointSettings.objects.update_or_create(
            site=site,
            defaults={
                "shelves": shelves,
                "levels": levels,
                "slots_per_level": slots_per_level,
                "hold_days": hold_days,
            },
        )
        audit.record(
            actor=actor,
            action="pickup.layout",
            obj=site,
            after=audit.snapshot(layout, ["shelves", "levels", "slots_per_level", "hold_days"]),
        )
    return layout


# --- carriers -------------------------------------------------------------------------------

CARRIER_CODE_MAX = Carrier._meta.get_field("code").max_length
CARRIER_NAME_MAX = Carrier._meta.get_field("name").max_length  # for the message of an empty name


def add_carrier(*, actor, code: str, name: str) -> Carrier:
    """The county office adds a carrier beyond the standard ones (a regional express company, a
    cold-chain carrier …) by the code its own systems use; network's service creates and audits
    it."""
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office adds carriers."))
    code, name = code.strip().upper(), name.strip()
    problems = _too_long(
        Carrier, [("code", code, "bad_carrier_code"), ("name", name, "bad_carrier_name")]
    )
    if not (code and code.isascii() and code.isalnum()):
        problems.append(
            Problem(
                "bad_carrier_code",
                _("A carrier's code is 1 to %d letters and digits.") % CARRIER_CODE_MAX,
            )
        )
    if not name:
        problems.append(
            Problem(
                "bad_carrier_name",
                _("A carrier's name is 1 to %d characters.") % CARRIER_NAME_MAX,
            )
        )
    _refuse(problems)
    with transaction.atomic():
        existing = Carrier.objects.filter(code=code).first()
        if existing is not None:
            raise Conflict(
                _("The code %(code)s is already %(name)s's.") % {"code": code, "name": existing},
                details={"code": code},
            )
        return ensure_carrier(actor=actor, code=code, name=name)


# --- carrier API keys -----------------------------------------------------------------------

API_KEY_PREFIX = "cc_"
HEADER_NAME = "X-Carrier-Key"  # the HTTP header carriers send their key in


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_carrier_api_key(*, actor, carrier: Carrier, label: str = "") -> tuple[CarrierApiKey, str]:
    """A new key for a carrier's system; the key itself is returned once and never stored."""
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office issues carrier keys."))
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = CarrierApiKey.objects.create(
            carrier=carrier, label=label.strip()[:50], prefix=key[:10], key_hash=key_hash(key)
        )
        audit.record(
            actor=actor, action="carrier.api_key.issue", obj=row, after={"carrier": carrier.code}
        )
    return row, key


def revoke_carrier_api_key(*, actor, api_key: CarrierApiKey) -> CarrierApiKey:
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office revokes carrier keys."))
    with transaction.atomic():
        api_key = CarrierApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
            audit.record(actor=actor, action="carrier.api_key.revoke", obj=api_key)
    return api_key


def carrier_for_key(key: str) -> Carrier | None:
    """The carrier a presented key belongs to, or None; notes when the key was last used."""
    if not key or not key.startswith(API_KEY_PREFIX):
        return None
    row = (
        CarrierApiKey.objects.select_related("carrier")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True, carrier__is_active=True)
        .first()
    )
    if row is None:
        return None
    CarrierApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.carrier


# --- manifests ------------------------------------------------------------------------------


@dataclass
class ManifestRow:
    row: int
    carrier: Carrier
    waybill: str
    details: ParcelDetails
    event: EventInput


@dataclass
class ImportReport:
    imported: int
    duplicates: int
    flagged: int
    problems: list[dict]


def import_manifest(
    *, actor, rows: list[ManifestRow], problems: list[dict], good_rows_only: bool = False
) -> ImportReport:
    """Record a manifest's rows (a parcel and its scan each). With bad rows nothing is imported
    unless the user chose to import the good ones; rows outside the importer's area are bad rows."""
    problems = list(problems)
    allowed = []
    for row in rows:
        try:
            require_may_scan(actor, row.event.site, row.details.point.region.path)
        except DomainError as error:
            problems.append(row_problem(row.row, error.code, str(error.message)))
            continue
        allowed.append(row)
    problems.sort(key=lambda p: int(p["row"]) if str(p["row"]).isdigit() else 0)
    if problems and not good_rows_only:
        raise InvalidInput(
            _(
                "%(n)d bad row(s): nothing was imported. Correct them, "
                "or choose to import the good rows."
            )
            % {"n": len(problems)},
            details={"rows": problems},
        )
    counts = {"recorded": 0, "duplicate": 0, "flagged": 0}
    with transaction.atomic():
        for row in allowed:
            recorded = record_event(
                actor=actor,
                carrier=row.carrier,
                waybill=row.waybill,
                event=row.event,
                source=EventSource.MANIFEST,
                details=row.details,
            )
            counts[recorded.outcome] += 1
    return ImportReport(
        imported=counts["recorded"] + counts["flagged"],
        duplicates=counts["duplicate"],
        flagged=counts["flagged"],
        problems=problems,
    )


# --- road distances -------------------------------------------------------------------------


def load_road_distances(*, actor, rows: list[tuple[Site, Site, Decimal]]) -> int:
    """Load (from, to, km) rows of a road-distance matrix; a pair loaded again is replaced."""
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office loads road distances."))
    problems = []
    for number, (origin, destination, km) in enumerate(rows, start=1):
        try:
            km = Decimal(km)
        except (InvalidOperation, TypeError):
            problems.append(row_problem(number, "bad_km", _("%s is not a distance") % km))
            continue
        if km < 0 or origin.pk == destination.pk:
            problems.append(row_problem(number, "bad_pair", _("a distance must join two sites")))
    if problems:
        raise InvalidInput(_("Some distances are not valid."), details={"rows": problems})
    with transaction.atomic():
        for origin, destination, km in rows:
            distance, _created = RoadDistance.objects.update_or_create(
                from_site=origin, to_site=destination, defaults={"km": Decimal(km)}
            )
            audit.record(
                actor=actor,
                action="logistics.road_distance",
                obj=distance,
                after={"from": origin.code, "to": destination.code, "km": str(km)},
            )
    return len(rows)


# --- the day's consolidated routes ----------------------------------------------------------


# What a planner may ask for: a county's fleet, vans up to a light truck.
MAX_VANS = 50
MAX_VAN_PARCELS = 5000
MAX_VAN_KG = 20_000


def plan_routes(
    *,
    actor,
    day: date,
    depot: Site | None = None,
    vehicles: int | None = None,
    capacity_parcels: int = 400,
    capacity_kg: int = 1500,
    detour_factor: float | None = None,
    time_limit_s: float | None = None,
) -> RoutePlan:
    """共同配送: plan every carrier's parcels due on `day` at the county warehouse into trunk
    routes to the township stations and township runs from there to the village points, and
    store the plan with its route sheets. Planning a day again replaces its plan; a parcel is in
    one day's plan only."""
    from cuncun.logistics import planning, routing

    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office plans the delivery routes."))
    if not (
        (vehicles is None or 1 <= vehicles <= MAX_VANS)
        and 1 <= capacity_parcels <= MAX_VAN_PARCELS
        and 1 <= capacity_kg <= MAX_VAN_KG
    ):
        raise InvalidInput(
            _(
                "Plan with 1 to %(vans)d vans, each carrying 1 to %(parcels)d parcels and "
                "1 to %(kg)d kg."
            )
            % {"vans": MAX_VANS, "parcels": MAX_VAN_PARCELS, "kg": MAX_VAN_KG}
        )
    if day < timezone.localdate():
        raise InvalidInput(_("Routes are planned for today or a later day."))
    depot = depot or planning.county_warehouse()
    if depot is None:
        raise Conflict(_("There is no serving county warehouse to start the routes from."))
    job = planning.build_problem(
        depot=depot,
        day=day,
        vehicles=vehicles,
        capacity_parcels=capacity_parcels,
        capacity_kg=capacity_kg,
        detour_factor=detour_factor or routing.DEFAULT_DETOUR_FACTOR,
    )
    if not job.problem.stops and not job.unplaced:
        raise Conflict(
            _("No parcel waiting at %(depot)s is due on %(day)s: there is nothing to plan.")
            % {"depot": depot.name, "day": day}
        )
    plan = routing.solve(
        job.problem,
        time_limit_s=routing.DEFAULT_TIME_LIMIT_S if time_limit_s is None else time_limit_s,
    )
    naive = routing.naive_km(job.problem)
    with transaction.atomic():
        depot = lock_site(depot.pk)  # one plan of the depot's parcels at a time
        planned = {pk for ids in job.parcels.values() for pk in ids}
        if not planned <= set(planning.parcels_due(depot, day).values_list("pk", flat=True)):
            raise Conflict(_("Some of these parcels left or were planned meanwhile: plan again."))
        replaced = (
            RoutePlan.objects.current().select_for_update().filter(day=day, depot=depot).first()
        )
        if replaced is not None:
            replaced.replaced_at = timezone.now()
            replaced.save(update_fields=["replaced_at"])
        row = RoutePlan.objects.create(
            day=day,
            depot=depot,
            solver=RoutePlan.Solver.VROOM if plan.solver == "vroom" else RoutePlan.Solver.SIMPLE,
            solve_seconds=Decimal(f"{plan.seconds:.3f}"),
            distance_source=job.distance_source,
            detour_factor=Decimal(f"{job.detour_factor:.2f}"),
            vehicle_capacity=capacity_parcels,
            total_km=Decimal(f"{plan.km:.1f}"),
            naive_km=Decimal(f"{naive:.1f}"),
            parcels=sum(r.parcels for r in plan.routes if r.leg == RouteLeg.TRUNK),
            unassigned=[
                {
                    "site": job.sites[u.stop.key].code,
                    "name": job.sites[u.stop.key].name,
                    "parcels": u.parcels,
                    "reason": u.reason,
                }
                for u in plan.unassigned
            ]
            + job.unplaced,
            notes=[*job.notes, *plan.notes],
            created_by=_person(actor),
        )
        _store_routes(row, job, plan)
        audit.record(
            actor=actor,
            action="logistics.plan_routes",
            obj=row,
            after={
                "day": day.isoformat(),
                "routes": len(plan.routes),
                "parcels": row.parcels,
                "km": str(row.total_km),
                "solver": row.solver,
                "replaces": replaced.pk if replaced else None,
            },
        )
    return row


def _store_routes(row: RoutePlan, job, plan) -> None:
    """The plan's route sheets: each van's stops in order, with the parcels each stop takes (a
    stop split between vans: each carries its share)."""
    from cuncun.logistics import planning

    waiting = {leg: job.parcels_of(leg) for leg in (RouteLeg.TRUNK, RouteLeg.TOWNSHIP)}
    vans_from: dict[object, int] = {}
    for number, vehicle_route in enumerate(plan.routes, start=1):
        start = row.depot if vehicle_route.hub is None else job.sites[vehicle_route.hub.key]
        vans_from[start.pk] = vans_from.get(start.pk, 0) + 1
        route = Route.objects.create(
            plan=row,
            number=number,
            leg=vehicle_route.leg,
            start_site=start,
            vehicle=_van_name(start, row.depot, vans_from[start.pk]),
            km=Decimal(f"{vehicle_route.km:.1f}"),
            start_at=planning.clock(vehicle_route.start_s),
            end_at=planning.clock(vehicle_route.end_s),
            parcels=vehicle_route.parcels,
        )
        for sequence, visit in enumerate(vehicle_route.visits, start=1):
            stop = RouteStop.objects.create(
                route=route,
                sequence=sequence,
                site=job.sites[visit.stop.key],
                arrive_at=planning.clock(visit.arrive_s),
                serve_at=planning.clock(visit.start_s),
                km_from_previous=Decimal(f"{visit.km_from_previous:.1f}"),
                parcel_count=visit.parcels,
            )
            pool = waiting[vehicle_route.leg][visit.stop.key]
            stop.parcels.set(pool[: visit.parcels])
            del pool[: visit.parcels]


def _van_name(start: Site, depot: Site, number: int) -> str:
    if start.pk == depot.pk:
        return _("Van %d") % number
    return (_("%(station)s van %(n)d") % {"station": start.name, "n": number})[:30]
