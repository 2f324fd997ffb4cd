"""A room is never booked twice for a night, whatever the timing: many guests at once ask for
overlapping nights of one room, with real transactions. On PostgreSQL they meet on the room's row
lock (and the partial unique index behind it); on SQLite they queue on the file's write lock."""

import pytest
from django.contrib.auth import get_user_model

from cuncun.tourism.models import BookedNight, Booking
from cuncun.tourism.services import RoomTaken, book_room
from tests.races import at_once
from tests.tourism.conftest import days_ahead

GUESTS = 16


def race_for_overlapping_nights(stay) -> list[str]:
    """Guest i asks for 2 nights from day 10 + i % 3: every pair of requests overlaps on day 12
    or shares a night with its neighbours, so at most one stay can hold night 12."""
    user_model = get_user_model()
    guests = [
        user_model.objects.create_user(f"g{i}", password="x", phone=f"1380000{i:04d}")
        for i in range(GUESTS)
    ]

    def attempt(i):
        try:
            book_room(actor=guests[i], request=stay.request(days_ahead(10 + i % 3), nights=3))
            return "ok"
        except RoomTaken:
            return "taken"

    return at_once(attempt, GUESTS)


def assert_no_night_booked_twice():
    nights = list(BookedNight.objects.filter(is_active=True).values_list("room_id", "night"))
    assert len(nights) == len(set(nights))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_overlapping_nights_book_the_room_once_on_postgresql(stay):
    results = race_for_overlapping_nights(stay)

    assert results.count("ok") == 1  # every request covers night 12
    assert results.count("taken") == GUESTS - 1
    assert Booking.objects.count() == 1
    assert_no_night_booked_twice()


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_overlapping_nights_book_the_room_once(stay):
    results = race_for_overlapping_nights(stay)

    assert results.count("ok") == 1
    assert Booking.objects.count() == 1
    assert BookedNight.objects.filter(is_active=True).count() == 3
    assert_no_night_booked_twice()
