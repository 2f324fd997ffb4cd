"""Races, on PostgreSQL with real transactions: the same event delivered twice at once is one
event, and parcels checked in at once at one point get different shelf slots."""

import pytest

from cuncun.logistics.models import ConsentBasis, EventKind, EventSource, Parcel, TrackingEvent
from cuncun.logistics.services import (
    EventInput,
    ParcelDetails,
    check_in_parcel,
    record_event,
    register_parcel,
)
from tests.logistics.conftest import at
from tests.races import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_event_sent_at_once_is_recorded_once(carriers, warehouse, to_manda):
    event = EventInput(
        kind=EventKind.ARRIVED_HUB, occurred_at=at(1, 9), site=warehouse, event_id="e-1"
    )

    outcomes = at_once(
        lambda _i: (
            record_event(
                actor=None,
                carrier=carriers["SF"],
                waybill="SF1",
                event=event,
                source=EventSource.API,
                details=to_manda,
            ).outcome
        ),
        6,
    )

    assert sorted(outcomes) == ["duplicate"] * 5 + ["recorded"]
    assert Parcel.objects.count() == 1 and TrackingEvent.objects.count() == 1


def test_parcels_checked_in_at_once_get_different_slots(carriers, manda_point):
    for i in range(6):
        register_parcel(
            actor=None,
            carrier=carriers["ZTO"],
            waybill=f"ZT{i}",
            details=ParcelDetails(point=manda_point, person_phone="13812345678"),
        )

    slots = at_once(
        lambda i: (
            check_in_parcel(
                actor=None,
                site=manda_point,
                carrier=carriers["ZTO"],
                waybill=f"ZT{i}",
                consent_basis=ConsentBasis.STANDING_CONSENT,
            ).shelf_slot
        ),
        6,
    )

    assert len(set(slots)) == 6
