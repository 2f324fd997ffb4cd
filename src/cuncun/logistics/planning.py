"""From the database to a routing problem: the parcels waiting at the county warehouse for
village points and township stations, where those sites are, and how far apart."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

from django.utils.translation import gettext as _

from cuncun.logistics import routing
from cuncun.logistics.geo import places_of
from cuncun.logistics.models import Direction, EventKind, Parcel, RoadDistance
from cuncun.network.models import Site, SiteKind, SiteStatus

ROUTED_KINDS = {SiteKind.VILLAGE_POINT, SiteKind.TOWNSHIP_STATION, SiteKind.PICKUP_STORE}


@dataclass
class RoutingJob:
    problem: routing.Problem
    sites: dict[int, Site]  # stop key (site pk) → site
    parcels: dict[int, list[int]]  # stop key → parcel ids
    distance_source: str
    detour_factor: float
    notes: list[str] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)  # stops with no known place


def county_warehouse() -> Site | None:
    return (
        Site.objects.serving()
        .filter(kind=SiteKind.COUNTY_WAREHOUSE)
        .select_related("region")
        .order_by("code")
        .first()
    )


def parcels_to_route(depot: Site):
    """Inbound parcels last scanned in at the county warehouse, bound for a serving point."""
    return (
        Parcel.objects.filter(
            direction=Direction.INBOUND,
            status=EventKind.ARRIVED_HUB,
            status_site=depot,
            point__kind__in=ROUTED_KINDS,
            point__status__in=SiteStatus.SERVING,
        )
        .select_related("point", "point__region", "carrier")
        .order_by("point_id", "id")
    )


def clock(seconds: int) -> time:
    seconds = max(0, min(int(seconds), 24 * 3600 - 1))
    return time(seconds // 3600, seconds // 60 % 60)


def build_problem(
    *,
    depot: Site,
    vehicles: int | None,
    capacity_parcels: int,
    capacity_kg: int,
    detour_factor: float,
) -> RoutingJob:
    by_site: dict[int, list[Parcel]] = defaultdict(list)
    sites: dict[int, Site] = {}
    for parcel in parcels_to_route(depot):
        by_site[parcel.point_id].append(parcel)
        sites[parcel.point_id] = parcel.point
    places = places_of([depot, *sites.values()])
    notes, unplaced = [], []
    if places[depot.pk] is None:
        raise_no_depot_place(depot)
    located = [pk for pk in sites if places[pk] is not None]
    for pk in sites:
        if places[pk] is None:
            unplaced.append(
                {"site": sites[pk].code, "name": sites[pk].name, "parcels": len(by_site[pk])}
            )
    approximate = sum(1 for pk in [depot.pk, *located] if places[pk].approximate)
    if approximate:
        notes.append(f"approximate_places:{approximate}")
    nodes = [depot.pk, *located]
    index = {pk: i for i, pk in enumerate(nodes)}
    road = {
        (index[a], index[b]): float(km)
        for a, b, km in RoadDistance.objects.filter(
            from_site__in=nodes, to_site__in=nodes
        ).values_list("from_site_id", "to_site_id", "km")
    }
    coordinates = [(places[pk].latitude, places[pk].longitude) for pk in nodes]
    km, road_pairs = routing.distance_matrix(coordinates, road_km=road, detour_factor=detour_factor)
    pairs = len(nodes) * (len(nodes) - 1)
    if pairs and road_pairs == pairs:
        source = _("road distances (loaded matrix)")
    elif road_pairs:
        source = _(
            "road distances for %(road)d of %(pairs)d pairs; the others straight-line × %(factor)s"
        ) % {"road": road_pairs, "pairs": pairs, "factor": detour_factor}
    else:
        source = _("straight-line distance × detour factor %(factor)s (no road matrix loaded)") % {
            "factor": detour_factor
        }
    stops = []
    for pk in located:
        parcels = by_site[pk]
        site = sites[pk]
        by_carrier: dict[str, int] = defaultdict(int)
        for parcel in parcels:
            by_carrier[parcel.carrier.code] += 1
        windows = routing.parse_opening_hours(site.opening_hours)
        stops.append(
            routing.Stop(
                key=pk,
                node=index[pk],
                parcels=len(parcels),
                kg=sum(
                    float(p.weight_kg) if p.weight_kg is not None else routing.DEFAULT_PARCEL_KG
                    for p in parcels
                ),
                windows=windows,
                group=site.region.path.strip("/").split("/")[:2][-1],
                by_carrier=dict(by_carrier),
            )
        )
    total = sum(s.parcels for s in stops)
    fleet = routing.Fleet(
        vehicles=vehicles or max(1, -(-total // capacity_parcels) + 2),
        capacity_parcels=capacity_parcels,
        capacity_kg=capacity_kg,
    )
    return RoutingJob(
        problem=routing.Problem(stops=stops, km=km, fleet=fleet),
        sites=sites,
        parcels={pk: [p.pk for p in by_site[pk]] for pk in located},
        distance_source=str(source),
        detour_factor=detour_factor,
        notes=notes,
        unplaced=unplaced,
    )


def raise_no_depot_place(depot: Site):
    from cuncun.core.errors import Conflict

    raise Conflict(
        _("%s has no coordinates and its county's seat is not known: enter its coordinates.")
        % depot.name
    )
