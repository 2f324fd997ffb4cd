"""Tracking events: one vocabulary, idempotent, ordered by event time, impossible ones flagged."""

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import InvalidInput, NotAllowed, NotFound, OutOfScope
from cuncun.logistics.models import ConsentBasis, DeliveredTo, EventKind, EventSource, EventState
from cuncun.logistics.services import EventInput, record_event, review_event
from tests.conftest import township
from tests.logistics.conftest import at

K = EventKind


def scan(carrier, kind, when, *, details=None, actor=None, **extra):
    return record_event(
        actor=actor,
        carrier=carrier,
        waybill="SF1000001",
        event=EventInput(kind=kind, occurred_at=when, **extra),
        source=EventSource.API,
        details=details,
    )


def test_the_first_event_registers_the_parcel_for_its_point(carriers, to_manda, warehouse):
    recorded = scan(carriers["SF"], K.ARRIVED_HUB, at(2, 9), details=to_manda, site=warehouse)

    parcel = recorded.parcel
    assert recorded.outcome == "recorded"
    assert parcel.status == K.ARRIVED_HUB
    assert parcel.point == to_manda.point and parcel.region == to_manda.point.region
    assert parcel.masked_name == "玉*南" and parcel.masked_phone == "138****5678"


def test_an_event_for_an_unknown_parcel_without_its_destination_is_refused(carriers):
    with pytest.raises(NotFound):
        scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9))


def test_the_same_event_twice_is_one_event(carriers, to_manda, warehouse):
    first = scan(
        carriers["SF"],
        K.ARRIVED_HUB,
        at(2, 9),
        details=to_manda,
        site=warehouse,
        raw_text="到达景洪",
    )
    again = scan(
        carriers["SF"],
        K.ARRIVED_HUB,
        at(2, 9),
        details=to_manda,
        site=warehouse,
        raw_text="到达景洪",
    )

    assert again.outcome == "duplicate" and again.event.pk == first.event.pk
    assert first.parcel.events.count() == 1


def test_a_carrier_event_id_identifies_the_event_even_if_its_text_changes(carriers, to_manda):
    scan(carriers["SF"], K.ACCEPTED, at(3, 9), details=to_manda, event_id="e-1", raw_text="已揽收")
    again = scan(carriers["SF"], K.ACCEPTED, at(3, 9), event_id="e-1", raw_text="已揽收 (重发)")

    assert again.outcome == "duplicate"
    assert again.parcel.events.count() == 1


def test_events_arriving_out_of_order_are_ordered_by_event_time(
    carriers, to_manda, warehouse, gasa_station
):
    scan(carriers["SF"], K.ARRIVED_HUB, at(1, 15), details=to_manda, site=gasa_station)
    late = scan(carriers["SF"], K.DEPARTED_HUB, at(1, 10), site=warehouse)
    early = scan(carriers["SF"], K.ACCEPTED, at(3, 9))

    parcel = early.parcel
    assert late.outcome == "recorded" and early.outcome == "recorded"
    assert parcel.status == K.ARRIVED_HUB and parcel.status_site == gasa_station
    assert list(parcel.events.values_list("kind", flat=True)) == [
        K.ACCEPTED,
        K.DEPARTED_HUB,
        K.ARRIVED_HUB,
    ]


def test_an_event_after_delivery_is_flagged_not_applied(carriers, to_manda):
    scan(
        carriers["SF"], K.DELIVERED, at(1, 10), details=to_manda, delivered_to=DeliveredTo.RECIPIENT
    )
    flagged = scan(carriers["SF"], K.OUT_FOR_DELIVERY, at(1, 12))

    assert flagged.outcome == "flagged"
    assert flagged.event.state == EventState.FLAGGED and flagged.event.problem
    assert flagged.parcel.status == K.DELIVERED and flagged.parcel.needs_review


def test_a_late_accept_scan_after_transit_is_impossible(carriers, to_manda, warehouse):
    scan(carriers["SF"], K.ARRIVED_HUB, at(2, 9), details=to_manda, site=warehouse)
    flagged = scan(carriers["SF"], K.ACCEPTED, at(2, 11))

    assert flagged.outcome == "flagged"
    assert flagged.parcel.status == K.ARRIVED_HUB


def test_collection_from_a_pickup_point_it_never_reached_is_flagged(carriers, to_manda):
    scan(carriers["SF"], K.OUT_FOR_DELIVERY, at(1, 9), details=to_manda)
    flagged = scan(carriers["SF"], K.DELIVERED, at(1, 11), delivered_to=DeliveredTo.PICKUP_POINT)

    assert flagged.outcome == "flagged"


def test_waiting_at_a_pickup_point_without_consent_is_flagged(carriers, to_manda, manda_point):
    flagged = scan(carriers["SF"], K.AT_PICKUP_POINT, at(1, 9), details=to_manda, site=manda_point)
    assert flagged.outcome == "flagged"
    assert "同意" in flagged.event.problem or "consent" in flagged.event.problem

    ok = record_event(
        actor=None,
        carrier=carriers["SF"],
        waybill="SF1000001",
        event=EventInput(
            kind=K.AT_PICKUP_POINT,
            occurred_at=at(1, 10),
            site=manda_point,
            consent_basis=ConsentBasis.AGREED_BY_PHONE,
        ),
        source=EventSource.API,
    )
    assert ok.outcome == "recorded" and ok.parcel.status == K.AT_PICKUP_POINT


def test_going_back_to_delivery_after_a_refusal_is_flagged(carriers, to_manda):
    scan(carriers["SF"], K.REFUSED, at(1, 9), details=to_manda)
    assert scan(carriers["SF"], K.OUT_FOR_DELIVERY, at(1, 10)).outcome == "flagged"
    assert scan(carriers["SF"], K.RETURNING, at(1, 11)).outcome == "recorded"


def test_an_exception_can_happen_anywhere_before_the_end(carriers, to_manda):
    scan(carriers["SF"], K.EXCEPTION, at(2, 9), details=to_manda, raw_text="地址不详")
    recorded = scan(carriers["SF"], K.ACCEPTED, at(2, 8))
    assert recorded.outcome == "recorded"
    assert recorded.parcel.status == K.EXCEPTION


def test_a_reviewer_can_apply_a_flagged_event(carriers, to_manda, office_user):
    scan(
        carriers["SF"], K.DELIVERED, at(1, 10), details=to_manda, delivered_to=DeliveredTo.RECIPIENT
    )
    flagged = scan(carriers["SF"], K.RETURNING, at(1, 12))

    review_event(
        actor=office_user, event=flagged.event, apply=True, note="签收错误，快递员确认退回"
    )

    parcel = flagged.parcel
    parcel.refresh_from_db()
    assert parcel.status == K.RETURNING and not parcel.needs_review


def test_a_review_needs_a_reason_and_a_reviewer(carriers, to_manda, make_user, manda_point):
    scan(
        carriers["SF"], K.DELIVERED, at(1, 10), details=to_manda, delivered_to=DeliveredTo.RECIPIENT
    )
    flagged = scan(carriers["SF"], K.RETURNING, at(1, 12))
    courier = make_user("courier", Role.COURIER, township("嘎洒镇"))

    with pytest.raises(InvalidInput):
        review_event(actor=None, event=flagged.event, apply=False, note=" ")
    with pytest.raises(NotAllowed):
        review_event(actor=courier, event=flagged.event, apply=False, note="不对")


def test_bad_event_input_changes_nothing(carriers, to_manda):
    from datetime import datetime, timedelta

    with pytest.raises(InvalidInput):
        scan(carriers["SF"], K.ARRIVED_HUB, datetime.now(), details=to_manda)  # no time zone
    with pytest.raises(InvalidInput):
        scan(carriers["SF"], K.ARRIVED_HUB, at(0, 0) + timedelta(days=3), details=to_manda)
    with pytest.raises(InvalidInput):
        scan(carriers["SF"], "teleported", at(1, 9), details=to_manda)
    with pytest.raises(InvalidInput):
        scan(
            carriers["SF"],
            K.ARRIVED_HUB,
            at(1, 9),
            details=to_manda,
            delivered_to=DeliveredTo.PROXY,
        )
    from cuncun.logistics.models import Parcel

    assert not Parcel.objects.exists()


def test_a_courier_scans_only_in_their_area(carriers, to_manda, make_user, warehouse, gasa_station):
    courier = make_user("courier", Role.COURIER, township("嘎洒镇"))
    recorded = scan(
        carriers["SF"], K.ARRIVED_HUB, at(1, 9), details=to_manda, site=gasa_station, actor=courier
    )
    assert recorded.outcome == "recorded"

    with pytest.raises(OutOfScope):
        scan(carriers["SF"], K.DEPARTED_HUB, at(1, 8), site=warehouse, actor=courier)


def test_a_merchant_may_not_scan(carriers, to_manda, make_user):
    merchant = make_user("shop", Role.MERCHANT, township("嘎洒镇"))
    with pytest.raises(NotAllowed):
        scan(carriers["SF"], K.ACCEPTED, at(1, 9), details=to_manda, actor=merchant)
