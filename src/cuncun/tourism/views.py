"""Pages of homestays: the public list and a homestay's page (book a room), a booking's page
(pay, cancel with the refund shown first), the host's calendar and bookings, and the staff's
certification list. Thin: the rules are in services.py."""

from contextlib import suppress
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.core.errors import DomainError
from cuncun.core.pages import carry_out
from cuncun.orders.payments import get_provider
from cuncun.tourism import queries, services
from cuncun.tourism.forms import BookingForm
from cuncun.tourism.models import BookingStatus, HomestayStatus

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
def booking_page(request, reference: str):
    booking = queries.booking_for(request.user, reference)
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
    if not homestays:
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
