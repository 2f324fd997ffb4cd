"""Returning a parcel first says what will happen and asks why; only the confirmation sends it."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cuncun.logistics.models import EventKind, Parcel
from tests.logistics.conftest import logged_in
from tests.logistics.test_pickup import check_in


def test_returning_a_parcel_first_says_what_will_happen_and_changes_nothing(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(
        carriers,
        manda_point,
        manda_operator,
        details=to_manda,
        at=timezone.now() - timedelta(days=9),
    ).parcel
    client = logged_in(manda_operator)

    page = client.get(reverse("logistics:send_back", args=[parcel.pk])).content.decode()

    assert parcel.shelf_slot in page and "中通" in page and "取件码随即作废" in page
    assert "玉*南" in page and "玉香南" not in page
    assert 'name="reason"' in page and "7" in page
    assert Parcel.objects.get(pk=parcel.pk).on_shelf


def test_a_confirmed_return_keeps_the_reason_given(carriers, manda_point, manda_operator, to_manda):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    client = logged_in(manda_operator)

    client.post(reverse("logistics:send_back", args=[parcel.pk]), {"reason": "收件人拒收"})

    parcel.refresh_from_db()
    assert parcel.status == EventKind.RETURNING and not parcel.on_shelf
    assert parcel.events.get(kind=EventKind.RETURNING).details["reason"] == "收件人拒收"
