"""Row locks of the tourism app, always in one order so that two transactions cannot deadlock:
the room first, then its bookings by primary key."""

from cuncun.tourism.models import Booking, Room


def lock_room(room_id: int) -> Room:
    return Room.objects.select_for_update().select_related("homestay").get(pk=room_id)


def lock_booking(booking_id: int) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking_id)


def lock_bookings(ids) -> list[Booking]:
    return list(Booking.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))
