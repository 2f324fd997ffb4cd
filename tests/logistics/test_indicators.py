"""Logistics indicators, computed from the tracking events."""

from datetime import timedelta

from django.utils import timezone

from cuncun.core.indicators import registry
from cuncun.logistics.indicators import (
    median_hours_county_hub_to_pickup,
    parcels_in_exception,
    parcels_per_village_month,
    village_points_receiving_parcels,
)
from cuncun.logistics.models import ConsentBasis, EventKind, EventSource
from cuncun.logistics.services import EventInput, record_event
from cuncun.network.indicators import administrative_villages


def scan(carrier, waybill, kind, when, details=None, **extra):
    return record_event(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        event=EventInput(kind=kind, occurred_at=when, **extra),
        source=EventSource.API,
        details=details,
    )


def test_the_logistics_indicators_are_registered_under_their_own_names():
    for code in [
        "parcels_per_village_month",
        "median_hours_county_hub_to_pickup",
        "village_points_receiving_parcels",
        "parcels_in_exception",
    ]:
        assert registry.get(code) is not None
    assert registry.get("carrier_village_point_coverage") is not None  # network's, not ours


def test_parcels_per_village_and_median_hours_from_the_county_hub(
    carriers, county, warehouse, manda_point, to_manda
):
    # Last month, entirely in the past: two parcels that month, one the month before.
    first_of_this_month = timezone.localtime().replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    start = (first_of_this_month - timedelta(days=20)).replace(day=10, hour=8)
    day = (first_of_this_month - timedelta(days=1)).date()
    for number, hours in enumerate([4, 10, 30], start=1):
        hub = start if hours < 30 else start - timedelta(days=40)
        waybill = f"ZT{number}"
        scan(carriers["ZTO"], waybill, EventKind.ARRIVED_HUB, hub, to_manda, site=warehouse)
        scan(
            carriers["ZTO"],
            waybill,
            EventKind.AT_PICKUP_POINT,
            hub + timedelta(hours=hours),
            site=manda_point,
            consent_basis=ConsentBasis.STANDING_CONSENT,
        )

    per_village = parcels_per_village_month(county, day)
    assert per_village.numerator == 2
    assert per_village.denominator == administrative_villages(county, day).count()
    assert median_hours_county_hub_to_pickup(county, day).value == 7
    assert village_points_receiving_parcels(manda_point.region, day).value == 100


def test_without_parcels_there_is_no_median(county):
    assert median_hours_county_hub_to_pickup(county, timezone.localdate()).value is None


def test_a_parcel_is_stuck_in_exception_until_a_later_scan(carriers, county, to_manda):
    now = timezone.now()
    scan(
        carriers["YTO"],
        "YT1",
        EventKind.EXCEPTION,
        now - timedelta(days=2),
        to_manda,
        raw_text="外包装破损",
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    assert parcels_in_exception(county, yesterday).value == 1

    scan(carriers["YTO"], "YT1", EventKind.OUT_FOR_DELIVERY, now - timedelta(hours=1))
    assert parcels_in_exception(county, timezone.localdate()).value == 0
    assert parcels_in_exception(county, yesterday).value == 1
