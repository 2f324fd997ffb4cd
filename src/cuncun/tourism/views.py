"""Pages of homestays: the public list and a homestay's page (book a room), a booking's page
(pay, cancel with the refund shown first), the host's calendar and bookings, and the staff's
certification list. Thin: the rules are in services.py."""

from contextlib import suppress
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.core.errors import DomainError
from cuncun.core.files import stored_file_response
from cuncun.core.pages import carry_out
from cuncun.orders.payments import get_provider
from cuncun.tourism import queries, services
from cuncun.tourism.forms import (
    BookingForm,
    PhotoForm,
    RegistrationForm,
    RoomForm,
    RulesForm,
    SeasonForm,
)
from cuncun.tourism.models import BookingStatus, HomestayStatus
from cuncun.training.forms import village_choices

CALENDAR_DAYS = 14


def homestay_list(request):
    return render(request, "tourism/list.html", {"homestays": queries.bookable_homestays()[:300]})


def homestay_page(request, pk: int):
    homestay = queries.homestay_for(request.user, pk)
    rooms = [r for r in homestay.rooms.all() if r.is_open]
    form = BookingForm(request.POST or None, rooms=rooms)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        if form.is_valid():
            booking = _book(request, form, rooms)
            if booking is not None:
                return redirect(booking.redirect_url or _booking_url(booking))
    today = timezone.localdate()
    return render(
        request,
        "tourism/homestay.html",
        {
            "homestay": homestay,
            "form": form,
            "bookable": homestay.status == HomestayStatus.CERTIFIED and rooms,
            "calendar": queries.room_calendar(rooms, today, CALENDAR_DAYS),
        },
    )


def _book(request, form, rooms):
    data = form.cleaned_data
    room = next(r for r in rooms if r.pk == data["room"])
    stay = services.StayRequest(
        room=room,
        arrival=data["arrival"],
        departure=data["arrival"] + timedelta(days=data["nights"]),
        guest_name=data["guest_name"],
        guest_phone=data["guest_phone"],
        provider_code=data["provider"],
    )
    booked = []
    carry_out(request, lambda: booked.append(services.book_room(actor=request.user, request=stay)))
    if not booked:
        return None
    # The gateway sends the guest back to the booking's page.
    return services.start_booking_payment(
        actor=request.user, booking=booked[0], return_url=_booking_url(booked[0])
    )


def _booking_url(booking) -> str:
    return reverse("tourism:booking", args=[booking.reference])


@login_required
@require_http_methods(["GET", "POST"])
def booking_page(request, reference: str):
    """A booking; the guest sees their own number, the host the guest's masked until they open
    it (a POST, audited) to call them."""
    booking = queries.booking_for(request.user, reference)
    revealed = {}
    if request.method == "POST":
        carry_out(
            request,
            lambda: revealed.update(
                phone=services.reveal_guest_phone(actor=request.user, booking=booking)
            ),
        )
    if booking.status == BookingStatus.HELD and not get_provider(booking.provider).in_person:
        with suppress(DomainError):  # back from the gateway: ask it how the payment stands
            booking = services.refresh_booking_payment(actor=request.user, booking=booking)
    homestay = booking.room.homestay
    host = services.is_host(request.user, homestay)
    return render(
        request,
        "tourism/booking.html",
        {
            "booking": booking,
            "homestay": homestay,
            "is_host": host,
            "revealed_phone": revealed.get("phone", ""),
            "refund_now": services.refund_due(booking, timezone.localdate(), by_host=host),
            "cash": get_provider(booking.provider).in_person,
            "rules": booking.cancellation_terms,
        },
    )


@login_required
@require_POST
def cancel(request, reference: str):
    booking = queries.booking_for(request.user, reference)
    carry_out(
        request,
        lambda: services.cancel_booking(
            actor=request.user, booking=booking, reason=request.POST.get("reason", "")
        ),
        _("The booking is cancelled."),
    )
    return redirect(_booking_url(booking))


@login_required
@require_POST
def confirm_cash(request, reference: str):
    booking = queries.booking_for(request.user, reference)
    carry_out(
        request,
        lambda: services.confirm_cash_for_booking(actor=request.user, booking=booking),
        _("Cash received: the booking is confirmed."),
    )
    return redirect(_booking_url(booking))


@login_required
def my_bookings(request):
    return render(
        request, "tourism/mine.html", {"bookings": queries.guest_bookings(request.user)[:100]}
    )


@login_required
def host(request):
    """The host's phone page: each room's next two weeks, and the bookings to come."""
    homestays = list(queries.hosted_homestays(request.user))
    if not homestays and not queries.host_merchants(request.user).exists():
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request,
        "tourism/host.html",
        {
            "calendars": [
                (h, queries.room_calendar(list(h.rooms.all()), today, CALENDAR_DAYS))
                for h in homestays
            ],
            "bookings": queries.host_bookings(request.user, since=today),
        },
    )


@login_required
def manage(request):
    if not services.may_manage_homestays(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    homestays = queries.homestays_to_manage(request.user)
    if status:
        homestays = homestays.filter(status=status)
    return render(
        request,
        "tourism/manage.html",
        {
            "homestays": homestays[:300],
            "statuses": HomestayStatus.choices,
            "status": status,
            "steps": HomestayStatus.STEPS,
        },
    )


@login_required
@require_POST
def change_status(request, pk: int):
    if not services.may_manage_homestays(request.user):
        raise PermissionDenied
    homestay = queries.homestays_to_manage(request.user).filter(pk=pk).first()
    if homestay is None:
        raise PermissionDenied
    to_status = request.POST.get("to_status", "")
    carry_out(
        request,
        lambda: services.change_homestay_status(
            actor=request.user,
            homestay=homestay,
            to_status=to_status,
            reason=request.POST.get("reason", ""),
        ),
        _("%(name)s: done.") % {"name": homestay.name},
    )
    return redirect("tourism:manage")


@login_required
@require_POST
def pay(request, reference: str):
    """Go (again) to the gateway to pay a held booking."""
    booking = queries.booking_for(request.user, reference)
    done = []
    carry_out(
        request,
        lambda: done.append(
            services.start_booking_payment(
                actor=request.user, booking=booking, return_url=_booking_url(booking)
            )
        ),
    )
    if done and done[0].redirect_url:
        return redirect(done[0].redirect_url)
    if done:
        messages.error(request, _("The payment service did not answer; try again in a moment."))
    return redirect(_booking_url(booking))


def route_list(request):
    return render(request, "tourism/routes.html", {"routes": queries.published_routes()})


def route_page(request, code: str):
    return render(request, "tourism/route.html", queries.route_page(code))


# --- the host's own pages: registration, rooms, seasons, rules, photos ---------------------------


@login_required
def register(request):
    """A host applies for the homestay's certification (township staff check it, the office
    certifies it)."""
    merchants = list(queries.host_merchants(request.user))
    if not merchants:
        messages.error(request, _("Register your business first: a homestay is run by one."))
        return redirect("merchants:register")
    villages = village_choices(merchants[0].region.county())
    initial = {"region": merchants[0].region_id}
    form = RegistrationForm(
        request.POST or None, merchants=merchants, villages=villages, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        merchant = next(m for m in merchants if m.pk == data["merchant"])
        region = queries.village(data["region"])
        homestay = _done(
            request,
            lambda: services.apply_for_homestay(
                actor=request.user,
                details=services.HomestayDetails(
                    name=data["name"],
                    merchant=merchant,
                    region=region,
                    address=data["address"],
                    description=data["description"],
                    house_rules=data["house_rules"],
                ),
            ),
            _("Applied: township staff will check the homestay, then the office certifies it."),
        )
        if homestay is not None:
            return redirect("tourism:host_homestay", homestay.pk)
    return render(request, "tourism/register.html", {"form": form})


def _done(request, action, success: str):
    """Run a service for a page: its result, or None with the error shown."""
    try:
        result = action()
    except DomainError as error:
        messages.error(request, str(error.message))
        return None
    messages.success(request, success)
    return result


def _hosted(request, pk: int):
    homestay = queries.hosted_homestays(request.user).filter(pk=pk).first()
    if homestay is None:
        raise Http404
    return homestay


@login_required
def host_homestay(request, pk: int):
    """The host's page for one homestay, on the phone: its certification, photos, rooms with
    their seasons, house rules and cancellation rules."""
    homestay = _hosted(request, pk)
    terms = queries.rules_initial(homestay)
    return render(
        request,
        "tourism/host_homestay.html",
        {
            "homestay": homestay,
            "history": homestay.status_changes.order_by("-recorded_at", "-id")[:5],
            "rooms": [
                (
                    room,
                    RoomForm(initial=_room_initial(room), prefix=f"room{room.pk}"),
                    SeasonForm(prefix=f"season{room.pk}"),
                )
                for room in homestay.rooms.all()
            ],
            "new_room": RoomForm(prefix="new"),
            "rules_form": RulesForm(initial=terms),
            "photo_form": PhotoForm(),
            "photos": homestay.photos.all(),
        },
    )


def _room_initial(room) -> dict:
    return {
        "name": room.name,
        "price": room.price,
        "beds": room.beds,
        "guests": room.guests,
        "is_open": room.is_open,
    }


def _back(homestay):
    return redirect("tourism:host_homestay", homestay.pk)


def _form_problems(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@login_required
@require_POST
def room_add(request, pk: int):
    homestay = _hosted(request, pk)
    form = RoomForm(request.POST, prefix="new")
    if not form.is_valid():
        _form_problems(request, form)
        return _back(homestay)
    data = form.cleaned_data
    carry_out(
        request,
        lambda: services.add_room(
            actor=request.user,
            homestay=homestay,
            name=data["name"],
            price=data["price"],
            beds=data["beds"],
            guests=data["guests"],
        ),
        _("Room added."),
    )
    return _back(homestay)


@login_required
@require_POST
def room_change(request, room_id: int):
    room = queries.hosted_room(request.user, room_id)
    form = RoomForm(request.POST, prefix=f"room{room.pk}")
    if not form.is_valid():
        _form_problems(request, form)
        return _back(room.homestay)
    carry_out(
        request,
        lambda: services.change_room(actor=request.user, room=room, **form.cleaned_data),
        _("%(room)s saved.") % {"room": form.cleaned_data["name"]},
    )
    return _back(room.homestay)


@login_required
@require_POST
def season_add(request, room_id: int):
    room = queries.hosted_room(request.user, room_id)
    form = SeasonForm(request.POST, prefix=f"season{room.pk}")
    if not form.is_valid():
        _form_problems(request, form)
        return _back(room.homestay)
    carry_out(
        request,
        lambda: services.set_seasonal_price(actor=request.user, room=room, **form.cleaned_data),
        _("Season price set for %(room)s.") % {"room": room.name},
    )
    return _back(room.homestay)


@login_required
@require_POST
def season_remove(request, season_id: int):
    season = queries.hosted_season(request.user, season_id)
    homestay = season.room.homestay
    carry_out(
        request,
        lambda: services.remove_seasonal_price(actor=request.user, season=season),
        _("Season price removed: those nights cost the usual price again."),
    )
    return _back(homestay)


@login_required
@require_POST
def rules(request, pk: int):
    homestay = _hosted(request, pk)
    form = RulesForm(request.POST)
    if not form.is_valid():
        _form_problems(request, form)
        return _back(homestay)
    carry_out(
        request,
        lambda: services.publish_cancellation_rules(
            actor=request.user,
            homestay=homestay,
            rules=form.rules(),
            house_rules=form.cleaned_data["house_rules"],
        ),
        _("Rules published. Bookings already made keep the rules they were made under."),
    )
    return _back(homestay)


@login_required
@require_POST
def photo_add(request, pk: int):
    homestay = _hosted(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_problems(request, form)
        return _back(homestay)
    carry_out(
        request,
        lambda: services.add_homestay_photo(
            actor=request.user,
            homestay=homestay,
            upload=form.cleaned_data["photo"],
            caption=form.cleaned_data["caption"],
        ),
        _("Photo added: it shows on the homestay's public page."),
    )
    return _back(homestay)


@login_required
@require_POST
def photo_remove(request, photo_id: int):
    photo = queries.hosted_photo(request.user, photo_id)
    homestay = photo.homestay
    carry_out(
        request,
        lambda: services.remove_homestay_photo(actor=request.user, photo=photo),
        _("Photo removed."),
    )
    return _back(homestay)


def photo(request, photo_id: int):
    """A homestay's photo, to whoever may see the homestay's page (anyone's once certified)."""
    found = queries.photo_for(request.user, photo_id)
    return stored_file_response(
        found.image,
        public=found.homestay.status == HomestayStatus.CERTIFIED,
        content_type=found.content_type,
    )
