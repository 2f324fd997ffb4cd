from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.accounts.models import User
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.orders.models import SandboxCharge
from cuncun.orders.payments import PROVIDERS
from cuncun.orders.services import receive_gateway_callback
from cuncun.tourism.models import BookedNight, Booking, BookingStatus, HomestayStatus, RefundStatus
from cuncun.tourism.services import (
    HomestayDetails,
    NotBookable,
    RoomTaken,
    apply_for_homestay,
    book_room,
    cancel_booking,
    change_homestay_status,
    confirm_cash_for_booking,
    publish_cancellation_rules,
    refund_percent,
    release_expired_holds,
    send_booking_refund,
    set_seasonal_price,
    start_booking_payment,
)
from tests.conftest import village
from tests.merchants.factories import merchant
from tests.tourism.conftest import days_ahead

gateway = PROVIDERS["sandbox"]


def paid(stay, arrival, nights=1):
    """A booking held, paid at the sandbox gateway and confirmed by its signed notification."""
    booking = book_room(actor=stay.guest, request=stay.request(arrival, nights))
    booking = start_booking_payment(actor=stay.guest, booking=booking, return_url="/back/")
    charge = SandboxCharge.objects.get(merchant_reference=booking.reference)
    charge = gateway.decide(charge.token, pay=True)
    body, signature = gateway.notification(charge)
    assert receive_gateway_callback(provider_code="sandbox", body=body, signature=signature) == (
        "applied"
    )
    return Booking.objects.get(pk=booking.pk)


def test_a_guest_books_a_night_and_the_gateway_confirms_it(stay):
    booking = paid(stay, days_ahead(10), nights=2)

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.amount == Decimal("400.00")
    assert list(booking.booked_nights.values_list("night", flat=True)) == [
        days_ahead(10),
        days_ahead(11),
    ]
    assert AuditEntry.objects.filter(action="booking.paid", object_id=str(booking.pk)).exists()


def test_overlapping_nights_of_a_room_are_refused(stay):
    book_room(actor=stay.guest, request=stay.request(days_ahead(10), nights=3))

    with pytest.raises(RoomTaken):
        book_room(actor=stay.guest, request=stay.request(days_ahead(12), nights=2))

    # The departure day is free for the next guest.
    after = book_room(actor=stay.guest, request=stay.request(days_ahead(13)))
    assert after.status == BookingStatus.HELD
    assert BookedNight.objects.filter(is_active=True).count() == 4


def test_nights_held_past_their_time_to_pay_go_to_the_next_guest(stay):
    first = book_room(actor=stay.guest, request=stay.request(days_ahead(10)))

    later = timezone.now() + timedelta(minutes=gateway.reservation_minutes + 1)
    second = book_room(actor=stay.guest, request=stay.request(days_ahead(10)), now=later)

    assert Booking.objects.get(pk=first.pk).status == BookingStatus.EXPIRED
    assert second.status == BookingStatus.HELD
    assert BookedNight.objects.get(is_active=True).booking_id == second.pk


def test_the_sweep_releases_every_unpaid_hold(stay):
    book_room(actor=stay.guest, request=stay.request(days_ahead(10)))
    book_room(actor=stay.guest, request=stay.request(days_ahead(20)))

    released = release_expired_holds(now=timezone.now() + timedelta(days=2))

    assert released == 2
    assert not BookedNight.objects.filter(is_active=True).exists()


def test_money_for_a_booking_that_expired_meanwhile_is_refunded_in_full(stay):
    booking = book_room(actor=stay.guest, request=stay.request(days_ahead(10)))
    booking = start_booking_payment(actor=stay.guest, booking=booking, return_url="/back/")
    release_expired_holds(now=timezone.now() + timedelta(hours=1))
    charge = gateway.decide(
        SandboxCharge.objects.get(merchant_reference=booking.reference).token, pay=True
    )
    body, signature = gateway.notification(charge)
    receive_gateway_callback(provider_code="sandbox", body=body, signature=signature)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert booking.refund_amount == booking.amount
    assert booking.refund_status == RefundStatus.PENDING


def test_a_season_sets_the_price_of_its_nights(stay):
    start = days_ahead(30)
    set_seasonal_price(
        actor=stay.host,
        room=stay.room,
        name="泼水节",
        starts_on=start,
        ends_on=start + timedelta(days=1),
        price="380.00",
    )

    booking = book_room(actor=stay.guest, request=stay.request(start - timedelta(days=1), 4))

    assert booking.amount == Decimal("200.00") + 380 + 380 + 200


def test_overlapping_seasons_are_refused(stay):
    kwargs = dict(actor=stay.host, room=stay.room, price="300")
    set_seasonal_price(name="春节", starts_on=days_ahead(40), ends_on=days_ahead(45), **kwargs)
    with pytest.raises(InvalidInput):
        set_seasonal_price(name="假期", starts_on=days_ahead(45), ends_on=days_ahead(50), **kwargs)


@pytest.mark.parametrize(
    ("days_before", "percent"),
    [(30, 100), (7, 100), (6, 50), (2, 50), (1, 0), (0, 0)],
)
def test_the_published_rules_give_the_percent_of_the_latest_rule_that_applies(days_before, percent):
    arrival = date(2018, 4, 13)
    assert refund_percent([[7, 100], [2, 50]], arrival, arrival - timedelta(days=days_before)) == (
        percent
    )


def test_a_guest_cancelling_three_days_ahead_gets_half_back_through_the_gateway(stay):
    booking = paid(stay, days_ahead(3), nights=2)

    cancel_booking(actor=stay.guest, booking=booking)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.refund_amount == Decimal("200.00")  # half of ¥400, by the 2-day rule
    assert not booking.booked_nights.filter(is_active=True).exists()
    assert send_booking_refund(booking_id=booking.pk) == RefundStatus.SENT
    assert send_booking_refund(booking_id=booking.pk) == RefundStatus.SENT  # once
    charge = SandboxCharge.objects.get(merchant_reference=booking.reference)
    assert charge.refunded_amount == Decimal("200.00")


def test_a_booking_keeps_the_rules_it_was_made_under(stay):
    booking = paid(stay, days_ahead(10))
    publish_cancellation_rules(actor=stay.host, homestay=stay.homestay, rules=[])

    cancel_booking(actor=stay.guest, booking=booking)

    assert Booking.objects.get(pk=booking.pk).refund_amount == Decimal("200.00")


def test_a_guest_cancelling_the_day_before_gets_nothing_back(stay):
    booking = paid(stay, days_ahead(1))

    cancel_booking(actor=stay.guest, booking=booking)

    booking.refresh_from_db()
    assert booking.refund_amount == 0
    assert booking.refund_status == RefundStatus.NONE


def test_the_host_cancelling_gives_everything_back_and_must_say_why(stay):
    booking = paid(stay, days_ahead(1))
    with pytest.raises(InvalidInput):
        cancel_booking(actor=stay.host, booking=booking)

    cancel_booking(actor=stay.host, booking=booking, reason="房屋漏水维修")

    assert Booking.objects.get(pk=booking.pk).refund_amount == booking.amount


def test_someone_else_cannot_cancel_a_booking(stay):
    booking = book_room(actor=stay.guest, request=stay.request(days_ahead(5)))
    stranger = User.objects.create_user("other", password="x", phone="13800000002")
    with pytest.raises(NotAllowed):
        cancel_booking(actor=stranger, booking=booking)


def test_cash_is_confirmed_by_the_host_only(stay):
    booking = book_room(actor=stay.guest, request=stay.request(days_ahead(5), provider="offline"))
    with pytest.raises(NotAllowed):
        confirm_cash_for_booking(actor=stay.guest, booking=booking)

    confirm_cash_for_booking(actor=stay.host, booking=booking)

    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_a_suspended_homestay_takes_no_bookings(stay):
    change_homestay_status(
        actor=stay.office,
        homestay=stay.homestay,
        to_status=HomestayStatus.SUSPENDED,
        reason="投诉核查",
    )
    with pytest.raises(NotBookable):
        book_room(actor=stay.guest, request=stay.request(days_ahead(5)))


def test_township_staff_check_but_only_the_office_certifies(stay, gasa_staff, menglong_staff):
    region = village("嘎洒镇", "曼达村委会")
    homestay = apply_for_homestay(
        actor=stay.host,
        details=HomestayDetails(
            name="新民宿",
            merchant=merchant("新户", region=region, owner=stay.host),
            region=region,
            address="曼达村3组",
        ),
    )
    with pytest.raises(OutOfScope):
        change_homestay_status(actor=menglong_staff, homestay=homestay, to_status="checked")
    change_homestay_status(actor=gasa_staff, homestay=homestay, to_status="checked")
    with pytest.raises(NotAllowed):
        change_homestay_status(actor=gasa_staff, homestay=homestay, to_status="certified")
    with pytest.raises(Conflict):
        change_homestay_status(
            actor=stay.office, homestay=homestay, to_status="suspended", reason="投诉"
        )

    change_homestay_status(actor=stay.office, homestay=homestay, to_status="certified")

    assert list(homestay.status_changes.values_list("to_status", flat=True)) == [
        "applied",
        "checked",
        "certified",
    ]


def test_a_stay_in_the_past_or_without_a_mobile_number_is_refused(stay):
    with pytest.raises(InvalidInput):
        book_room(actor=stay.guest, request=stay.request(days_ahead(-1)))
    with pytest.raises(InvalidInput):
        book_room(actor=stay.guest, request=replace(stay.request(days_ahead(3)), guest_phone="123"))
    assert not Booking.objects.exists()
