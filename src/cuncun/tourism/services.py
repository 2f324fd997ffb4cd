"""Every write of the tourism app: a homestay's application and certification, its rooms, prices
and published rules, and bookings (held while paying through orders' payment providers,
confirmed, cancelled with the refund the rules promise, expired when unpaid)."""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.accounts.roles import Role
from cuncun.core import audit, reveal
from cuncun.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_phone
from cuncun.core.scoping import require_in_scope
from cuncun.orders.payments import Notification, get_provider
from cuncun.tourism import locks
from cuncun.tourism.models import (
    BookedNight,
    Booking,
    BookingStatus,
    CancellationRule,
    Homestay,
    HomestayPhoto,
    HomestayStatus,
    HomestayStatusChange,
    RefundStatus,
    Room,
    Route,
    RouteStop,
    SeasonalPrice,
)

logger = logging.getLogger(__name__)

# A booking's reference starts so: orders' payment providers hand its notifications back here.
BOOKING_REFERENCE_PREFIX = "bk-"
LONGEST_STAY_NIGHTS = 30
BOOKABLE_DAYS_AHEAD = 365


class RoomTaken(Conflict):
    code = "room_taken"
    default_message = gettext_lazy("The room is already booked for some of these nights.")


class NotBookable(DomainError):
    code = "not_bookable"
    http_status = 409
    default_message = gettext_lazy("This homestay takes no bookings now.")


# --- who may do what ------------------------------------------------------------------------


def is_host(user, homestay: Homestay) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.pk is not None
        and homestay.merchant.owner_id == user.pk
    )


def reveal_guest_phone(*, actor, booking: Booking) -> str:
    """The guest's full phone number for the host, to call them (audited, core.reveal)."""
    return reveal.reveal_personal_data(actor=actor, subject=booking, fields=["guest_phone"])[
        "guest_phone"
    ]


def may_manage_homestays(user) -> bool:
    """The county office and township staff look after homestays (township: its villages')."""
    return getattr(user, "is_authenticated", False) and (
        user.is_superuser or user.role in {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF}
    )


def _require_host(actor, homestay: Homestay) -> None:
    if actor is None:  # loaders and tests acting as the system
        return
    if not is_host(actor, homestay):
        raise NotAllowed(_("Only the homestay's host may change its rooms, prices and rules."))


def _require_manager(actor, homestay: Homestay, to_status: str) -> None:
    if actor is None:
        return
    if not may_manage_homestays(actor):
        raise NotAllowed(_("Only the county office and township staff certify homestays."))
    if to_status in HomestayStatus.OFFICE_ONLY and not (
        actor.is_superuser or actor.role == Role.COUNTY_OFFICE
    ):
        raise NotAllowed(_("Only the county office certifies or suspends a homestay."))
    require_in_scope(actor, homestay.region.path, what=homestay.name)


# --- homestays ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomestayDetails:
    name: str
    merchant: object  # merchants.Merchant
    region: object  # regions.RegionUnit, a village
    address: str
    description: str = ""
    house_rules: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    applied_on: date | None = None
    is_demo: bool = False


def apply_for_homestay(*, actor, details: HomestayDetails) -> Homestay:
    """A host (the merchant's owner) or staff of the area applies for a homestay's certification
    as an e-commerce homestay point."""
    d = details
    if actor is not None and d.merchant.owner_id != actor.pk and not may_manage_homestays(actor):
        raise NotAllowed(_("A homestay is registered by its host or by staff of its area."))
    if actor is not None and may_manage_homestays(actor):
        require_in_scope(actor, d.region.path, what=d.region.name)
    problems = []
    if not d.name.strip():
        problems.append(_("the name is missing"))
    if not d.address.strip():
        problems.append(_("the address is missing"))
    if d.region.level != "village":
        problems.append(_("a homestay lies in a village (村委会/社区)"))
    if problems:
        raise InvalidInput(_("The homestay cannot be registered: %s.") % "; ".join(problems))
    with transaction.atomic():
        homestay = Homestay.objects.create(
            name=d.name.strip(),
            merchant=d.merchant,
            region=d.region,
            address=d.address.strip(),
            description=d.description,
            house_rules=d.house_rules,
            latitude=d.latitude,
            longitude=d.longitude,
            is_demo=d.is_demo,
        )
        HomestayStatusChange.objects.create(
            homestay=homestay,
            to_status=HomestayStatus.APPLIED,
            effective_on=d.applied_on or timezone.localdate(),
            actor=actor,
        )
        audit.record(
            actor=actor, action="homestay.apply", obj=homestay, after=audit.snapshot(homestay)
        )
    return homestay


def change_homestay_status(
    *, actor, homestay: Homestay, to_status: str, effective_on: date | None = None, reason: str = ""
) -> Homestay:
    """One step of the certification: township staff check, the office certifies, suspends
    and reinstates. A step back from checked to applied needs a reason."""
    _require_manager(actor, homestay, to_status)
    with transaction.atomic():
        homestay = Homestay.objects.select_for_update().select_related("region").get(pk=homestay.pk)
        before = homestay.status
        if to_status not in HomestayStatus.STEPS.get(before, set()):
            raise Conflict(
                _("A homestay that is %(from)s cannot become %(to)s.")
                % {
                    "from": homestay.get_status_display(),
                    "to": dict(HomestayStatus.choices).get(to_status, to_status),
                }
            )
        if to_status in {HomestayStatus.SUSPENDED, HomestayStatus.APPLIED} and not reason.strip():
            raise InvalidInput(_("Say why: the host will read it."))
        homestay.status = to_status
        homestay.save(update_fields=["status", "updated_at"])
        HomestayStatusChange.objects.create(
            homestay=homestay,
            from_status=before,
            to_status=to_status,
            effective_on=effective_on or timezone.localdate(),
            actor=actor,
            reason=reason,
        )
        audit.record(
            actor=actor,
            action=f"homestay.{to_status}",
            obj=homestay,
            before={"status": before},
            after={"status": to_status},
            reason=reason,
        )
    return homestay


def add_room(
    *, actor, homestay: Homestay, name: str, price, beds: int = 1, guests: int = 2
) -> Room:
    _require_host(actor, homestay)
    name = (name or "").strip()
    try:
        price = to_money(price)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("The price is not an amount of money.")) from error
    if not name or price <= 0 or beds < 1 or guests < 1:
        raise InvalidInput(_("A room needs a name, a price above zero, a bed and a guest."))
    with transaction.atomic():
        if Room.objects.filter(homestay=homestay, name=name).exists():
            raise InvalidInput(_("This homestay has a room of that name already."))
        room = Room.objects.create(
            homestay=homestay, name=name, price=price, beds=beds, guests=guests
        )
        audit.record(actor=actor, action="room.add", obj=room, after=audit.snapshot(room))
    return room


def set_seasonal_price(
    *, actor, room: Room, name: str, starts_on: date, ends_on: date, price
) -> SeasonalPrice:
    """A season's price for a room; seasons of one room may not overlap (a night has one price)."""
    _require_host(actor, room.homestay)
    price = to_money(price)
    if ends_on < starts_on or price <= 0 or not name.strip():
        raise InvalidInput(
            _("A season needs a name, an end not before its start and a price above zero.")
        )
    with transaction.atomic():
        locks.lock_room(room.pk)
        clash = room.seasonal_prices.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if clash is not None:
            raise InvalidInput(
                _("This season overlaps %(season)s (%(from)s–%(to)s).")
                % {"season": clash.name, "from": clash.starts_on, "to": clash.ends_on}
            )
        season = SeasonalPrice.objects.create(
            room=room, name=name.strip(), starts_on=starts_on, ends_on=ends_on, price=price
        )
        audit.record(actor=actor, action="room.season", obj=room, after=audit.snapshot(season))
    return season


def change_room(
    *, actor, room: Room, name: str, price, beds: int, guests: int, is_open: bool
) -> Room:
    """The host changes a room: its name, usual price, beds, guests, or closes it to bookings
    (bookings already made stay)."""
    _require_host(actor, room.homestay)
    name = (name or "").strip()
    try:
        price = to_money(price)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("The price is not an amount of money.")) from error
    if not name or price <= 0 or int(beds) < 1 or int(guests) < 1:
        raise InvalidInput(_("A room needs a name, a price above zero, a bed and a guest."))
    with transaction.atomic():
        locks.lock_room(room.pk)
        room = Room.objects.select_related("homestay").get(pk=room.pk)
        if Room.objects.filter(homestay=room.homestay, name=name).exclude(pk=room.pk).exists():
            raise InvalidInput(_("This homestay has a room of that name already."))
        before = audit.snapshot(room)
        room.name, room.price, room.beds, room.guests = name, price, int(beds), int(guests)
        room.is_open = bool(is_open)
        room.save()
        audit.record(
            actor=actor, action="room.change", obj=room, before=before, after=audit.snapshot(room)
        )
    return room


def remove_seasonal_price(*, actor, season: SeasonalPrice) -> None:
    """A season's price taken away: its nights go back to the room's usual price (bookings
    already made keep what they cost)."""
    _require_host(actor, season.room.homestay)
    with transaction.atomic():
        locks.lock_room(season.room_id)
        audit.record(
            actor=actor,
            action="room.season_removed",
            obj=season.room,
            before=audit.snapshot(season),
        )
        season.delete()


PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTOS_PER_HOMESTAY = 12
# The first bytes of each kind of picture a phone takes or a host saves, and its media type.
PHOTO_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def photo_type(head: bytes) -> str:
    """The media type a file's first bytes show (JPEG, PNG, WebP), or ""."""
    for signature, media_type in PHOTO_SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def add_homestay_photo(*, actor, homestay: Homestay, upload, caption: str = "") -> HomestayPhoto:
    """A photo for the homestay's public page: a JPEG, PNG or WebP file (read from its bytes,
    not its name) of at most 5 MB, at most 12 a homestay."""
    _require_host(actor, homestay)
    if upload is None:
        raise InvalidInput(_("Choose a photo to upload."))
    if upload.size > PHOTO_MAX_BYTES:
        raise InvalidInput(
            _("The photo is %(mb).1f MB; at most 5 MB is taken.") % {"mb": upload.size / 2**20}
        )
    upload.seek(0)
    media_type = photo_type(upload.read(12))
    upload.seek(0)
    if not media_type:
        raise InvalidInput(_("Only JPEG, PNG or WebP photos can be shown."))
    with transaction.atomic():
        Homestay.objects.select_for_update().get(pk=homestay.pk)
        if homestay.photos.count() >= PHOTOS_PER_HOMESTAY:
            raise InvalidInput(
                _("A homestay shows at most %(n)d photos; remove one first.")
                % {"n": PHOTOS_PER_HOMESTAY}
            )
        photo = HomestayPhoto.objects.create(
            homestay=homestay,
            image=upload,
            content_type=media_type,
            caption=(caption or "").strip()[:100],
        )
        audit.record(
            actor=actor,
            action="homestay.photo_added",
            obj=homestay,
            after={"photo": photo.image.name, "caption": photo.caption},
        )
    return photo


def remove_homestay_photo(*, actor, photo: HomestayPhoto) -> None:
    _require_host(actor, photo.homestay)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="homestay.photo_removed",
            obj=photo.homestay,
            before={"photo": photo.image.name, "caption": photo.caption},
        )
        name, storage = photo.image.name, photo.image.storage
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))


def publish_cancellation_rules(
    *, actor, homestay: Homestay, rules: list[tuple[int, int]], house_rules: str | None = None
) -> Homestay:
    """Publish the homestay's cancellation rules (days before arrival → percent refunded) and,
    if given, its house rules. Bookings already made keep the rules they were made under."""
    _require_host(actor, homestay)
    cleaned = {}
    for days, percent in rules:
        if not (0 <= int(days) <= BOOKABLE_DAYS_AHEAD and 0 <= int(percent) <= 100):
            raise InvalidInput(_("A rule is a number of days (0–365) and a percent (0–100)."))
        cleaned[int(days)] = int(percent)
    ordered = sorted(cleaned.items(), reverse=True)
    percents = [p for _d, p in ordered]
    if percents != sorted(percents, reverse=True):
        raise InvalidInput(_("Cancelling later cannot give more back than cancelling earlier."))
    with transaction.atomic():
        before = published_terms(homestay)
        homestay.cancellation_rules.all().delete()
        CancellationRule.objects.bulk_create(
            CancellationRule(homestay=homestay, days_before=d, refund_percent=p) for d, p in ordered
        )
        if house_rules is not None:
            homestay.house_rules = house_rules
            homestay.save(update_fields=["house_rules", "updated_at"])
        audit.record(
            actor=actor,
            action="homestay.rules",
            obj=homestay,
            before={"cancellation": before},
            after={
                "cancellation": [[d, p] for d, p in ordered],
                "house_rules": homestay.house_rules,
            },
        )
    return homestay


def published_terms(homestay: Homestay) -> list[list[int]]:
    return [[r.days_before, r.refund_percent] for r in homestay.cancellation_rules.all()]


# --- prices and refunds ---------------------------------------------------------------------


def night_prices(room: Room, arrival: date, departure: date) -> list[tuple[date, Decimal]]:
    """The price of each night: the season's covering it, else the room's own."""
    seasons = list(room.seasonal_prices.filter(starts_on__lt=departure, ends_on__gte=arrival))
    nights = []
    night = arrival
    while night < departure:
        season = next((s for s in seasons if s.starts_on <= night <= s.ends_on), None)
        nights.append((night, season.price if season else room.price))
        night += timedelta(days=1)
    return nights


def refund_percent(terms: list[list[int]], arrival: date, on_day: date) -> int:
    """The percent the rules give back when cancelling on `on_day`: the rule with the most days
    that still applies; none applies: nothing."""
    days_left = (arrival - on_day).days
    applying = [percent for days, percent in terms if days_left >= days]
    return max(applying, default=0)


def refund_due(booking: Booking, on_day: date, *, by_host: bool = False) -> Decimal:
    """What a paid booking gives back if cancelled on `on_day`: all of it when the host cancels,
    else what the rules it was booked under say."""
    if booking.status != BookingStatus.CONFIRMED:
        return Decimal("0.00")
    if by_host:
        return booking.amount
    percent = refund_percent(booking.cancellation_terms, booking.arrival, on_day)
    return to_money(booking.amount * percent / 100)


# --- bookings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StayRequest:
    room: Room
    arrival: date
    departure: date
    guest_name: str
    guest_phone: str
    provider_code: str = "sandbox"
    is_demo: bool = False


def book_room(*, actor, request: StayRequest, now: datetime | None = None) -> Booking:
    """Hold a room's nights for a guest while they pay (then `start_booking_payment`). Nights
    held by a booking whose time to pay ran out are given back first. Two requests for
    overlapping nights at once: one gets the room, the other a clear refusal."""
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(_("Log in to book a room."))
    now = now or timezone.now()
    provider = get_provider(request.provider_code)
    _check_stay(request, timezone.localdate(now))
    with transaction.atomic():
        room = locks.lock_room(request.room.pk)
        homestay = room.homestay
        if homestay.status != HomestayStatus.CERTIFIED or not room.is_open:
            raise NotBookable()
        _release_expired(room, request.arrival, request.departure, now=now)
        if BookedNight.objects.filter(
            room=room, is_active=True, night__gte=request.arrival, night__lt=request.departure
        ).exists():
            raise RoomTaken()
        prices = night_prices(room, request.arrival, request.departure)
        booking = Booking.objects.create(
            reference=BOOKING_REFERENCE_PREFIX + secrets.token_hex(10),
            room=room,
            guest=actor,
            guest_name=request.guest_name.strip(),
            guest_phone=request.guest_phone.strip(),
            arrival=request.arrival,
            departure=request.departure,
            amount=sum((p for _n, p in prices), Decimal("0.00")),
            hold_until=now + timedelta(minutes=provider.reservation_minutes),
            provider=provider.code,
            cancellation_terms=published_terms(homestay),
            is_demo=request.is_demo,
        )
        try:
            with transaction.atomic():  # the unique index is the last word, whatever the timing
                BookedNight.objects.bulk_create(
                    BookedNight(booking=booking, room=room, night=n) for n, _p in prices
                )
        except IntegrityError as error:
            raise RoomTaken() from error
        audit.record(
            actor=actor,
            action="booking.hold",
            obj=booking,
            after={
                "room": room.pk,
                "arrival": str(booking.arrival),
                "departure": str(booking.departure),
                "amount": str(booking.amount),
                "provider": provider.code,
            },
        )
    return booking


def _check_stay(r: StayRequest, today: date) -> None:
    problems = []
    if r.departure <= r.arrival:
        problems.append(_("the departure must be after the arrival"))
    elif (r.departure - r.arrival).days > LONGEST_STAY_NIGHTS:
        problems.append(_("at most %(n)d nights at once") % {"n": LONGEST_STAY_NIGHTS})
    if r.arrival < today:
        problems.append(_("the arrival is in the past"))
    elif (r.arrival - today).days > BOOKABLE_DAYS_AHEAD:
        problems.append(_("bookings open a year ahead"))
    if not r.guest_name.strip():
        problems.append(_("the guest's name is missing"))
    if not is_valid_phone(r.guest_phone):
        problems.append(_("the phone number is not a mobile number"))
    if problems:
        raise InvalidInput(_("The booking cannot be made: %s.") % "; ".join(problems))


def _release_expired(room: Room, arrival: date, departure: date, *, now: datetime) -> None:
    """Give back the nights of held bookings of this room, in this stay, unpaid past their hold
    (the room is locked by the caller)."""
    expired = (
        Booking.objects.filter(room=room, status=BookingStatus.HELD, hold_until__lt=now)
        .overlapping(arrival, departure)
        .values_list("pk", flat=True)
    )
    for booking in locks.lock_bookings(expired):
        _end_hold(booking, BookingStatus.EXPIRED, actor=None, reason="unpaid past the hold")


def _end_hold(booking: Booking, status: str, *, actor, reason: str = "") -> None:
    before = booking.status
    booking.status = status
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    booking.booked_nights.update(is_active=False)
    audit.record(
        actor=actor,
        action=f"booking.{status}",
        obj=booking,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )


def release_expired_holds(*, now: datetime | None = None) -> int:
    """Sweep every booking unpaid past its hold (a scheduled command); answers how many."""
    now = now or timezone.now()
    ids = Booking.objects.filter(status=BookingStatus.HELD, hold_until__lt=now).values_list(
        "room_id", "pk"
    )
    released = 0
    for room_id, booking_id in sorted(ids):
        with transaction.atomic():
            locks.lock_room(room_id)
            booking = locks.lock_booking(booking_id)
            if booking.status == BookingStatus.HELD and booking.hold_until < now:
                _end_hold(booking, BookingStatus.EXPIRED, actor=None, reason="unpaid past the hold")
                released += 1
    return released


def start_booking_payment(*, actor, booking: Booking, return_url: str = "") -> Booking:
    """Open the held booking's charge with its provider, outside any transaction of ours (the
    provider may be slow or fail: the nights stay held, and asking again opens the same charge).
    Answers the booking with the address to send the guest to, if the provider has one."""
    if booking.guest_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Only the guest pays for a booking."))
    provider = get_provider(booking.provider)
    if booking.redirect_url or provider.in_person or booking.status != BookingStatus.HELD:
        return booking
    try:
        url = provider.start(booking, return_url=return_url)
    except Exception:  # the provider is outside the system
        logger.exception("booking %s: %s did not open the payment", booking.pk, provider.code)
        return booking
    if url:
        Booking.objects.filter(pk=booking.pk).update(redirect_url=url)
        booking.redirect_url = url
    return booking


def apply_booking_notification(*, provider, notification: Notification, source: str) -> str:
    """What a payment provider says about a booking's payment (orders' callback hands it here).
    Money for a booking still held confirms it; money for one that expired or was cancelled in
    the meantime is given back in full."""
    n = notification
    with transaction.atomic():
        found = Booking.objects.filter(reference=n.reference, provider=provider.code).first()
        if found is None:
            raise Conflict("unknown booking reference", code="notification_refused")
        booking = locks.lock_bookings([found.pk])[0]
        if n.amount != booking.amount:
            raise Conflict(
                f"amount {n.amount} differs from {booking.amount}", code="notification_refused"
            )
        if n.sequence <= booking.gateway_sequence:
            return "stale"
        booking.gateway_sequence = n.sequence
        booking.gateway_reference = n.gateway_reference
        booking.save(update_fields=["gateway_sequence", "gateway_reference", "updated_at"])
        if n.status == "succeeded" and booking.paid_at is None:
            _receive_money(booking, actor=None, source=source)
        elif n.status in {"failed", "cancelled"} and booking.status == BookingStatus.HELD:
            _end_hold(booking, BookingStatus.EXPIRED, actor=None, reason=f"payment {n.status}")
    return "applied"


def _receive_money(booking: Booking, *, actor, source: str) -> None:
    before = booking.status
    booking.paid_at = timezone.now()
    if booking.status == BookingStatus.HELD:
        booking.status = BookingStatus.CONFIRMED
        booking.save(update_fields=["status", "paid_at", "updated_at"])
        reason = source
    else:  # it expired or was cancelled before the money came: all of it goes back
        booking.save(update_fields=["paid_at", "updated_at"])
        _record_refund(booking, booking.amount)
        reason = "paid after the booking ended: refunded in full"
    audit.record(
        actor=actor,
        action="booking.paid",
        obj=booking,
        before={"status": before},
        after={"status": booking.status, "amount": str(booking.amount)},
        reason=reason,
    )


def refresh_booking_payment(*, actor, booking: Booking) -> Booking:
    """Ask the provider how the booking's payment stands (the guest came back from the gateway)."""
    provider = get_provider(booking.provider)
    notification = provider.query(booking)
    if notification is not None:
        apply_booking_notification(provider=provider, notification=notification, source="query")
    return Booking.objects.get(pk=booking.pk)


def confirm_cash_for_booking(*, actor, booking: Booking) -> Booking:
    """The host took the guest's cash (payment method: cash): the booking is confirmed."""
    if not get_provider(booking.provider).in_person:
        raise InvalidInput(_("Only a cash payment is confirmed by hand."))
    with transaction.atomic():
        booking = locks.lock_booking(booking.pk)
        if not is_host(actor, booking.room.homestay):
            raise NotAllowed(_("Only the homestay's host confirms the cash."))
        if booking.paid_at is not None:
            return booking
        if booking.status != BookingStatus.HELD:
            raise Conflict(
                _("This booking was %(status)s: do not take the cash.")
                % {"status": booking.get_status_display()}
            )
        _receive_money(booking, actor=actor, source="cash")
    return booking


def cancel_booking(
    *, actor, booking: Booking, reason: str = "", now: datetime | None = None
) -> Booking:
    """The guest or the host cancels. A held booking simply ends; a paid one gives back what the
    rules it was booked under promise for this day (all of it when the host cancels), through
    the provider it was paid with."""
    now = now or timezone.now()
    homestay = booking.room.homestay
    by_host = is_host(actor, homestay)
    if not by_host and booking.guest_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Only the guest or the host may cancel a booking."))
    if by_host and not reason.strip():
        raise InvalidInput(_("Say why you cancel: the guest will read it."))
    with transaction.atomic():
        locks.lock_room(booking.room_id)
        booking = locks.lock_booking(booking.pk)
        if booking.status not in BookingStatus.HOLDS_NIGHTS:
            raise Conflict(
                _("This booking is %(status)s already.") % {"status": booking.get_status_display()}
            )
        if booking.departure <= timezone.localdate(now):
            raise Conflict(_("The stay is over; it can no longer be cancelled."))
        refund = refund_due(booking, timezone.localdate(now), by_host=by_host)
        _end_hold(booking, BookingStatus.CANCELLED, actor=actor, reason=reason or "by the guest")
        if refund > 0:
            _record_refund(booking, refund)
            audit.record(
                actor=actor,
                action="booking.refund",
                obj=booking,
                after={"refund": str(refund), "by_host": by_host},
                reason=reason,
            )
    return booking


def _record_refund(booking: Booking, amount: Decimal) -> None:
    booking.refund_amount = amount
    booking.refund_status = RefundStatus.PENDING
    booking.save(update_fields=["refund_amount", "refund_status", "updated_at"])
    booking_id = booking.pk
    transaction.on_commit(lambda: _enqueue_refund(booking_id))


def _enqueue_refund(booking_id: int) -> None:
    from cuncun.tourism.tasks import send_booking_refund as task

    task.enqueue(booking_id)


def send_booking_refund(*, booking_id: int) -> str:
    """Have the provider pay a booking's refund back (a task: safe to run again, the provider
    pays each refund reference once)."""
    booking = Booking.objects.get(pk=booking_id)
    if booking.refund_status != RefundStatus.PENDING:
        return booking.refund_status
    provider = get_provider(booking.provider)
    try:
        reference = provider.refund(
            booking, booking.refund_amount, reference=f"{booking.reference}-refund"
        )
        status = RefundStatus.SENT
    except Exception:  # the provider is outside the system: a person sees the failure
        logger.exception("booking %s: refund not paid back", booking.pk)
        reference, status = "", RefundStatus.FAILED
    with transaction.atomic():
        booking = locks.lock_booking(booking_id)
        booking.refund_status = status
        booking.refund_reference = reference or ""
        booking.save(update_fields=["refund_status", "refund_reference", "updated_at"])
        audit.record(
            actor=None,
            action=f"booking.refund_{status}",
            obj=booking,
            after={"refund": str(booking.refund_amount), "reference": reference},
        )
    return status


# --- rural tourism routes -------------------------------------------------------------------


@dataclass(frozen=True)
class StopDetails:
    day: int
    name: str
    region: object  # regions.RegionUnit, a village
    homestay: Homestay | None = None
    site: object | None = None  # network.Site
    note: str = ""


def _require_office(actor) -> None:
    if actor is not None and not (
        actor.is_superuser or getattr(actor, "role", None) == Role.COUNTY_OFFICE
    ):
        raise NotAllowed(_("The county office publishes tourism routes."))


def create_route(
    *,
    actor,
    code: str,
    name: str,
    summary: str,
    stops: list[StopDetails],
    is_demo: bool = False,
) -> Route:
    """A route and its stops in order; a stop's place on the map is its homestay's or service
    point's, whichever it has."""
    _require_office(actor)
    problems = []
    if not code.strip() or not name.strip() or not stops:
        problems.append(_("a route needs a code, a name and stops"))
    for n, stop in enumerate(stops, 1):
        if stop.day < 1 or stop.region.level != "village":
            problems.append(_("stop %(n)d: a day from 1 and a village") % {"n": n})
        if stop.homestay is not None and stop.homestay.region_id != stop.region.pk:
            problems.append(_("stop %(n)d: the homestay is in another village") % {"n": n})
    if problems:
        raise InvalidInput(_("The route cannot be made: %s.") % "; ".join(problems))
    with transaction.atomic():
        if Route.objects.filter(code=code).exists():
            raise InvalidInput(_("A route with this code exists already."))
        route = Route.objects.create(
            code=code, name=name.strip(), summary=summary, is_published=True, is_demo=is_demo
        )
        positions: dict[int, int] = {}
        for stop in stops:
            positions[stop.day] = positions.get(stop.day, 0) + 1
            place = stop.homestay or stop.site
            RouteStop.objects.create(
                route=route,
                day=stop.day,
                position=positions[stop.day],
                name=stop.name,
                region=stop.region,
                homestay=stop.homestay,
                site=stop.site,
                latitude=getattr(place, "latitude", None),
                longitude=getattr(place, "longitude", None),
                note=stop.note,
            )
        audit.record(
            actor=actor,
            action="route.create",
            obj=route,
            after={"code": code, "stops": len(stops)},
        )
    return route
