"""Logistics indicators, computed from tracking events for a region unit and a day.

Monthly ones cover the calendar month of the day, up to the end of that day. The share of village
points a carrier reaches is network's `carrier_village_point_coverage` (coverage agreed on paper);
`village_points_receiving_parcels` here counts the points that actually received parcels.
"""

import statistics
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.logistics.models import Direction, EventKind, EventState, Parcel, TrackingEvent
from cuncun.network.indicators import administrative_villages
from cuncun.network.models import Site, SiteKind
from cuncun.regions.models import RegionUnit

REACHED_VILLAGE = [EventKind.AT_PICKUP_POINT, EventKind.DELIVERED]


def _window(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day.replace(day=1), time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _events(region: RegionUnit, day: date):
    start, end = _window(day)
    return TrackingEvent.objects.filter(
        state__in=EventState.IN_TIMELINE,
        occurred_at__gte=start,
        occurred_at__lt=end,
        parcel__region__path__startswith=region.path,
        parcel__direction=Direction.INBOUND,
    )


def parcels_per_village_month(region: RegionUnit, day: date) -> Measurement:
    """Inbound parcels that reached a village point (or were delivered from it) this month, per
    administrative village of the area."""
    parcels = (
        _events(region, day)
        .filter(kind__in=REACHED_VILLAGE, parcel__point__kind=SiteKind.VILLAGE_POINT)
        .values("parcel_id")
        .distinct()
        .count()
    )
    villages = administrative_villages(region, day).count()
    return Measurement(numerator=Decimal(parcels), denominator=Decimal(villages), factor=1)


def median_hours_county_hub_to_pickup(region: RegionUnit, day: date) -> Measurement:
    """Median hours from a parcel's arrival at the county warehouse to its arrival at the pickup
    point, over the parcels that reached a pickup point this month. No such parcel: no value."""
    arrivals = list(
        _events(region, day)
        .filter(kind=EventKind.AT_PICKUP_POINT)
        .order_by("parcel_id", "occurred_at")
        .values_list("parcel_id", "occurred_at")
    )
    first_pickup: dict[int, datetime] = {}
    for parcel_id, occurred_at in arrivals:
        first_pickup.setdefault(parcel_id, occurred_at)
    hub_scans = TrackingEvent.objects.filter(
        parcel_id__in=list(first_pickup),
        kind=EventKind.ARRIVED_HUB,
        site__kind=SiteKind.COUNTY_WAREHOUSE,
        state__in=EventState.IN_TIMELINE,
    ).values_list("parcel_id", "occurred_at")
    at_hub: dict[int, datetime] = {}
    for parcel_id, occurred_at in hub_scans:
        if occurred_at <= first_pickup[parcel_id]:
            at_hub[parcel_id] = max(occurred_at, at_hub.get(parcel_id, occurred_at))
    hours = [(first_pickup[pk] - arrived).total_seconds() / 3600 for pk, arrived in at_hub.items()]
    if not hours:
        return Measurement(numerator=Decimal(0), denominator=Decimal(0))
    median = Decimal(str(statistics.median(hours))).quantize(Decimal("0.1"))
    return Measurement(numerator=median)


def village_points_receiving_parcels(region: RegionUnit, day: date) -> Measurement:
    """Of the village points serving on the day, the share that checked in at least one parcel
    this month."""
    start, end = _window(day)
    points = Site.objects.serving_on(day).filter(
        kind=SiteKind.VILLAGE_POINT, region__path__startswith=region.path
    )
    received = TrackingEvent.objects.filter(
        site=OuterRef("pk"),
        kind=EventKind.AT_PICKUP_POINT,
        state__in=EventState.IN_TIMELINE,
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    return Measurement(
        numerator=Decimal(points.filter(Exists(received)).count()),
        denominator=Decimal(points.count()),
    )


def parcels_in_exception(region: RegionUnit, day: date) -> Measurement:
    """Parcels whose latest event by the end of the day was an exception (疑难件)."""
    _start, end = _window(day)
    latest = (
        TrackingEvent.objects.filter(
            parcel=OuterRef("pk"), state__in=EventState.IN_TIMELINE, occurred_at__lt=end
        )
        .order_by("-occurred_at", "-id")
        .values("kind")[:1]
    )
    stuck = (
        Parcel.objects.filter(region__path__startswith=region.path)
        .annotate(kind_then=Subquery(latest))
        .filter(kind_then=EventKind.EXCEPTION)
        .count()
    )
    return Measurement(numerator=Decimal(stuck))


def register() -> None:
    for code, name, unit, description, compute in [
        (
            "parcels_per_village_month",
            _("Parcels per village per month"),
            "parcels",
            _("Inbound parcels that reached a village service point this month, per village."),
            parcels_per_village_month,
        ),
        (
            "median_hours_county_hub_to_pickup",
            _("Median hours from county hub to pickup point"),
            "hours",
            _(
                "Median time from arrival at the county warehouse to arrival at the pickup point, "
                "for parcels that reached a point this month."
            ),
            median_hours_county_hub_to_pickup,
        ),
        (
            "village_points_receiving_parcels",
            _("Village points receiving parcels"),
            "percent",
            _("Operating village points that checked in at least one parcel this month."),
            village_points_receiving_parcels,
        ),
        (
            "parcels_in_exception",
            _("Parcels stuck in exception"),
            "count",
            _("Parcels whose latest scan is an exception (疑难件)."),
            parcels_in_exception,
        ),
    ]:
        registry.register(
            Indicator(code=code, name=name, unit=unit, description=description, compute=compute)
        )
