"""The coverage indicators of 三级全覆盖, computed from the sites' status history on a day."""

from datetime import date

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.network.models import CarrierService, Site, SiteKind
from cuncun.regions.models import GroupCode, Kind, RegionUnit


def townships_counted_in(region: RegionUnit):
    """Township-level units that should host a station: towns, townships and subdistricts
    (state farms and the resort zone have no villages and are not counted)."""
    return RegionUnit.objects.within(region).townships().filter(kind__in=Kind.WITH_VILLAGES)


def villages_counted_in(region: RegionUnit):
    """Communities (社区) are urban and not in the village-coverage denominator."""
    return RegionUnit.objects.within(region).administrative_villages()


def townships_expected(region: RegionUnit, day: date):
    return townships_counted_in(region).open_on(day)


def administrative_villages(region: RegionUnit, day: date):
    return villages_counted_in(region).open_on(day)


def _with_serving_site(units, kind: str, day: date):
    return units.filter(Exists(Site.objects.serving_in_outer_unit(kind, day)))


def _ratio(units, covered) -> Measurement:
    return Measurement(numerator=covered.count(), denominator=units.count())


def township_station_coverage(region: RegionUnit, day: date) -> Measurement:
    units = townships_expected(region, day)
    return _ratio(units, _with_serving_site(units, SiteKind.TOWNSHIP_STATION, day))


def village_point_coverage(region: RegionUnit, day: date) -> Measurement:
    units = administrative_villages(region, day)
    return _ratio(units, _with_serving_site(units, SiteKind.VILLAGE_POINT, day))


def poor_village_coverage(region: RegionUnit, day: date) -> Measurement:
    units = administrative_villages(region, day).filter(
        memberships__group__code=GroupCode.POOR_VILLAGE
    )
    return _ratio(units, _with_serving_site(units, SiteKind.VILLAGE_POINT, day))


def carrier_township_coverage(region: RegionUnit, day: date) -> Measurement:
    units = townships_expected(region, day)
    served = CarrierService.objects.on(day).filter(township=OuterRef("pk"))
    return _ratio(units, units.filter(Exists(served)))


def carrier_village_point_coverage(region: RegionUnit, day: date) -> Measurement:
    """Of the village points serving on the day, the share that at least one carrier reaches."""
    points = Site.objects.serving_on(day).filter(
        kind=SiteKind.VILLAGE_POINT, region__path__startswith=region.path
    )
    served = CarrierService.objects.on(day).filter(site=OuterRef("pk"))
    return _ratio(points, points.filter(Exists(served)))


def register() -> None:
    for code, name, description, compute in [
        (
            "township_station_coverage",
            _("Township station coverage"),
            _("Towns, townships and subdistricts with an operating e-commerce station."),
            township_station_coverage,
        ),
        (
            "village_point_coverage",
            _("Village service point coverage"),
            _("Administrative villages with an operating service point (communities not counted)."),
            village_point_coverage,
        ),
        (
            "poor_village_coverage",
            _("Poor village coverage"),
            _("Poor administrative villages with an operating service point."),
            poor_village_coverage,
        ),
        (
            "carrier_township_coverage",
            _("Carrier township coverage"),
            _("Towns, townships and subdistricts that at least one express carrier serves."),
            carrier_township_coverage,
        ),
        (
            "carrier_village_point_coverage",
            _("Carrier coverage of village points"),
            _("Operating village service points that at least one express carrier reaches."),
            carrier_village_point_coverage,
        ),
    ]:
        registry.register(
            Indicator(
                code=code, name=name, unit="percent", description=description, compute=compute
            )
        )
