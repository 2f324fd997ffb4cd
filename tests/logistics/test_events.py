"""Tracking events: one vocabulary, idempotent, ordered by event time, impossible ones flagged."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import InvalidInput, NotAllowed, NotFound, OutOfScope
from cuncun.logistics.models import (
    ConsentBasis,
    DeliveredTo,
    EventKind,
    EventSource,
    EventState,
    Parcel,
    TrackingEvent,
)
from cuncun.logistics.services import EventInput, ParcelDetails, record_event, review_event
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
    assert flagged.event.problem == "只有经收件人同意，快件才能放在服务点代收；没有记录同意依据。"

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


def test_after_a_reviewer_applies_a_return_after_delivery_the_journey_goes_on(
    carriers, to_manda, office_user
):
    # Given a parcel signed for, then sent back: the carrier's "returning" was flagged and a
    # reviewer applied it (the signature was a mistake).
    scan(
        carriers["SF"], K.DELIVERED, at(2, 10), details=to_manda, delivered_to=DeliveredTo.RECIPIENT
    )
    flagged = scan(carriers["SF"], K.RETURNING, at(2, 12))
    review_event(actor=office_user, event=flagged.event, apply=True, note="签收错误，退回寄件人")

    # When the rest of the way back arrives
    back = scan(carriers["SF"], K.RETURNED, at(1, 9))

    # Then it is applied like any possible event, and nothing waits for review
    parcel = back.parcel
    parcel.refresh_from_db()
    assert back.outcome == "recorded" and back.event.state == EventState.APPLIED
    assert parcel.status == K.RETURNED and not parcel.needs_review


def test_an_event_still_impossible_after_an_applied_one_is_flagged(carriers, to_manda, office_user):
    scan(
        carriers["SF"], K.DELIVERED, at(2, 10), details=to_manda, delivered_to=DeliveredTo.RECIPIENT
    )
    flagged = scan(carriers["SF"], K.RETURNING, at(2, 12))
    review_event(actor=office_user, event=flagged.event, apply=True, note="签收错误，退回寄件人")

    forward_again = scan(carriers["SF"], K.OUT_FOR_DELIVERY, at(1, 9))

    assert forward_again.outcome == "flagged"
    assert forward_again.event.problem == "拒签或退回之后不能再有“派件中”。"


def test_an_early_event_that_makes_a_later_one_impossible_is_flagged(carriers, to_manda):
    scan(carriers["SF"], K.OUT_FOR_DELIVERY, at(1, 10), details=to_manda)

    signed_before = scan(carriers["SF"], K.DELIVERED, at(1, 9), delivered_to=DeliveredTo.RECIPIENT)

    assert signed_before.outcome == "flagged"
    assert signed_before.parcel.status == K.OUT_FOR_DELIVERY


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
    from datetime import datetime

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
    assert not Parcel.objects.exists()


def hub_scan(carrier, kind, when, site, **extra):
    return record_event(
        actor=None,
        carrier=carrier,
        waybill="SF1000001",
        event=EventInput(kind=kind, occurred_at=when, site=site),
        source=EventSource.SCAN,
        **extra,
    )


def test_scanning_a_parcel_in_twice_at_a_hub_is_one_event(carriers, to_manda, gasa_station):
    first = hub_scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), gasa_station, details=to_manda)

    again = hub_scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9) + timedelta(minutes=1), gasa_station)

    assert again.outcome == "duplicate" and again.event.pk == first.event.pk
    assert TrackingEvent.objects.count() == 1
    parcel = again.parcel
    parcel.refresh_from_db()
    assert parcel.status_at == at(1, 9)


def test_the_same_scan_after_another_event_is_a_new_event(
    carriers, to_manda, gasa_station, warehouse
):
    hub_scan(carriers["SF"], K.ARRIVED_HUB, at(2, 9), gasa_station, details=to_manda)
    hub_scan(carriers["SF"], K.DEPARTED_HUB, at(2, 10), gasa_station)

    back = hub_scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), gasa_station)
    elsewhere = hub_scan(carriers["SF"], K.ARRIVED_HUB, at(1, 10), warehouse)

    assert (back.outcome, elsewhere.outcome) == ("recorded", "recorded")
    assert TrackingEvent.objects.count() == 4


def test_a_carriers_second_event_with_another_event_id_is_recorded(carriers, to_manda, warehouse):
    # Given the carrier's arrival at the warehouse, then a second one of its own (the parcel
    # went out and came back; the carrier's departure scan never reached us)
    first = scan(
        carriers["SF"], K.ARRIVED_HUB, at(2, 9), details=to_manda, site=warehouse, event_id="e-1"
    )

    second = scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), site=warehouse, event_id="e-2")

    assert second.outcome == "recorded" and second.event.pk != first.event.pk
    assert list(second.parcel.events.values_list("carrier_event_id", flat=True)) == ["e-1", "e-2"]
    assert second.parcel.status_at == at(1, 9)


@pytest.mark.parametrize("kind", [K.FAILED_ATTEMPT, K.EXCEPTION])
def test_a_second_failed_attempt_or_exception_at_the_same_site_is_recorded(
    carriers, to_manda, gasa_station, kind
):
    first = hub_scan(carriers["SF"], kind, at(2, 9), gasa_station, details=to_manda)

    second = record_event(
        actor=None,
        carrier=carriers["SF"],
        waybill="SF1000001",
        event=EventInput(kind=kind, occurred_at=at(1, 15), site=gasa_station, raw_text="家中无人"),
        source=EventSource.SCAN,
    )

    assert (first.outcome, second.outcome) == ("recorded", "recorded")
    assert list(TrackingEvent.objects.values_list("kind", "raw_text")) == [
        (kind, ""),
        (kind, "家中无人"),
    ]


def test_a_village_point_cannot_scan_a_parcel_in_or_out_of_a_hub(carriers, to_manda, manda_point):
    for kind in [K.ARRIVED_HUB, K.DEPARTED_HUB]:
        with pytest.raises(InvalidInput) as refused:
            hub_scan(carriers["SF"], kind, at(1, 9), manda_point, details=to_manda)
        assert refused.value.details["codes"] == ["wrong_site_kind"]
    assert str(refused.value.message) == "曼达村服务点是村级电商服务点，不能扫描“离开分拨点”。"
    assert not Parcel.objects.exists()


def test_a_parcel_waits_for_pickup_only_where_parcels_are_collected(
    carriers, to_manda, warehouse, gasa_station
):
    with pytest.raises(InvalidInput):
        scan(
            carriers["SF"],
            K.AT_PICKUP_POINT,
            at(1, 9),
            details=to_manda,
            site=warehouse,
            consent_basis=ConsentBasis.AGREED_BY_PHONE,
        )
    with pytest.raises(InvalidInput):
        scan(
            carriers["SF"],
            K.DELIVERED,
            at(1, 9),
            details=to_manda,
            site=warehouse,
            delivered_to=DeliveredTo.PICKUP_POINT,
        )
    at_station = scan(
        carriers["SF"],
        K.AT_PICKUP_POINT,
        at(1, 9),
        details=to_manda,
        site=gasa_station,
        consent_basis=ConsentBasis.AGREED_BY_PHONE,
    )
    assert at_station.outcome == "recorded"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"person_name": "玉" * 51}, "name_too_long"),
        ({"order_ref": "M" * 41}, "order_ref_too_long"),
        ({"weight_kg": Decimal("-0.5")}, "bad_weight"),
        ({"weight_kg": Decimal("100000")}, "bad_weight"),
        ({"weight_kg": Decimal("1e30")}, "bad_weight"),
        ({"person_phone": "1381234"}, "bad_phone"),
    ],
)
def test_what_a_parcel_cannot_hold_is_refused_and_changes_nothing(
    carriers, manda_point, warehouse, change, code
):
    details = ParcelDetails(point=manda_point, **change)

    with pytest.raises(InvalidInput) as refused:
        scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), details=details, site=warehouse)

    assert refused.value.details["codes"] == [code]
    assert not Parcel.objects.exists()


def test_the_largest_weight_and_name_a_parcel_holds_are_kept(carriers, manda_point, warehouse):
    details = ParcelDetails(
        point=manda_point, person_name="玉" * 50, weight_kg=Decimal("99999.994")
    )

    recorded = scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), details=details, site=warehouse)

    parcel = Parcel.objects.get(pk=recorded.parcel.pk)
    assert parcel.weight_kg == Decimal("99999.99") and len(parcel.person_name) == 50


def test_a_place_longer_than_an_event_holds_is_refused(carriers, to_manda):
    with pytest.raises(InvalidInput) as refused:
        scan(carriers["SF"], K.ARRIVED_HUB, at(1, 9), details=to_manda, location="景" * 101)
    assert refused.value.details["codes"] == ["location_too_long"]


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
