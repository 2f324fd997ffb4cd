"""From the database to a routing problem: the parcels due on a day at the county warehouse for
village points and township stations, where those sites are, how far apart, and through which
township station each is reached."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time

from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core.errors import Conflict
from cuncun.logistics import routing
from cuncun.logistics.geo import places_of
from cuncun.logistics.models import (
    Direction,
    EventKind,
    Parcel,
    RoadDistance,
    RouteLeg,
    RoutePlan,
)
from cuncun.network.models import Site, SiteKind, SiteStatus


@dataclass(frozen=True)
class Load:
    """What routing needs of one parcel."""

    parcel_id: int | None  # None for the benchmark's made-up parcels
    carrier: str
    kg: float = routing.DEFAULT_PARCEL_KG


@dataclass
class RoutingJob:
    problem: routing.Problem
    sites: dict[int, Site]  # stop and hub key (site pk) → site
    parcels: dict[int, list[int]]  # stop key → parcel ids
    distance_source: str
    detour_factor: float
    notes: list[str] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)  # stops with no known place

    def parcels_of(self, leg: str) -> dict[int, list[int]]:
        """The parcels each stop of a leg takes: a station's drop on the trunk takes its
        township's, a village point on the township run its own."""
        taken: dict[int, list[int]] = defaultdict(list)
        for stop in self.problem.stops:
            ids = self.parcels[stop.key]
            if leg == RouteLeg.TRUNK:
                taken[stop.hub.key if stop.hub else stop.key].extend(ids)
            elif stop.hub and stop.node != stop.hub.node:
                taken[stop.key].extend(ids)
        return taken


def county_warehouse() -> Site | None:
    return (
        Site.objects.serving()
        .filter(kind=SiteKind.COUNTY_WAREHOUSE)
        .select_related("region")
        .order_by("code")
        .first()
    )


def parcels_due(depot: Site, day: date):
    """Inbound parcels last scanned in at the county warehouse, bound for a serving point, that
    no current plan of another day (today or later) carries: a parcel still here after its own
    day is due again."""
    taken = RoutePlan.objects.current().filter(depot=depot, day__gte=timezone.localdate())
    return (
        Parcel.objects.filter(
            direction=Direction.INBOUND,
            status=EventKind.ARRIVED_HUB,
            status_site=depot,
            point__kind__in=SiteKind.PARCEL_POINTS,
            point__status__in=SiteStatus.SERVING,
        )
        .exclude(route_stops__route__plan__in=taken.exclude(day=day))
        .select_related("point", "point__region", "carrier")
        .order_by("point_id", "id")
    )


def clock(seconds: int) -> time:
    seconds = max(0, min(int(seconds), 24 * 3600 - 1))
    return time(seconds // 3600, seconds // 60 % 60)


def township_stations() -> dict[int, Site]:
    """Each township's serving station (the first by code where there are two), by township."""
    stations = {}
    for station in (
        Site.objects.serving()
        .filter(kind=SiteKind.TOWNSHIP_STATION)
        .select_related("region")
        .order_by("code")
    ):
        stations.setdefault(station.region_id, station)
    return stations


def build_problem(
    *,
    depot: Site,
    day: date,
    vehicles: int | None,
    capacity_parcels: int,
    capacity_kg: int,
    detour_factor: float,
) -> RoutingJob:
    """The day's problem from the parcels due at the county warehouse."""
    loads: dict[Site, list[Load]] = defaultdict(list)
    for parcel in parcels_due(depot, day):
        kg = routing.DEFAULT_PARCEL_KG if parcel.weight_kg is None else float(parcel.weight_kg)
        loads[parcel.point].append(Load(parcel.pk, parcel.carrier.code, kg))
    return problem_for(
        depot=depot,
        loads=loads,
        vehicles=vehicles,
        capacity_parcels=capacity_parcels,
        capacity_kg=capacity_kg,
        detour_factor=detour_factor,
    )


def problem_for(
    *,
    depot: Site,
    loads: dict[Site, list[Load]],
    vehicles: int | None,
    capacity_parcels: int,
    capacity_kg: int,
    detour_factor: float,
) -> RoutingJob:
    """A routing problem for parcels bound for sites: each site reached through its township's
    station when it has one, the distances from the road matrix or straight lines."""
    stations = township_stations()
    station_of = {site.pk: stations.get(site.region.township_id) for site in loads}
    hub_sites = {s.pk: s for s in station_of.values() if s is not None}
    places = places_of([depot, *loads, *hub_sites.values()])
    if places[depot.pk] is None:
        raise Conflict(
            _("%s has no coordinates and its county's seat is not known: enter its coordinates.")
            % depot.name
        )
    notes, unplaced = [], []
    located = [site for site in loads if places[site.pk] is not None]
    for site in loads:
        if places[site.pk] is None:
            unplaced.append(
                {
                    "site": site.code,
                    "name": site.name,
                    "parcels": len(loads[site]),
                    "reason": routing.NO_PLACE,
                }
            )
    hub_sites = {pk: s for pk, s in hub_sites.items() if places[pk] is not None}
    nodes = list(dict.fromkeys([depot.pk, *(s.pk for s in located), *hub_sites]))
    index = {pk: i for i, pk in enumerate(nodes)}
    approximate = sum(1 for pk in nodes if places[pk].approximate)
    if approximate:
        notes.append(f"approximate_places:{approximate}")
    road = {
        (index[a], index[b]): float(km)
        for a, b, km in RoadDistance.objects.filter(
            from_site__in=nodes, to_site__in=nodes
        ).values_list("from_site_id", "to_site_id", "km")
    }
    coordinates = [(places[pk].latitude, places[pk].longitude) for pk in nodes]
    km, road_pairs = routing.distance_matrix(coordinates, road_km=road, detour_factor=detour_factor)
    hubs = {
        pk: routing.Hub(
            key=pk, node=index[pk], windows=routing.parse_opening_hours(site.opening_hours)
        )
        for pk, site in hub_sites.items()
    }
    stops = []
    for site in located:
        by_carrier: dict[str, int] = defaultdict(int)
        for load in loads[site]:
            by_carrier[load.carrier] += 1
        station = station_of[site.pk]
        stops.append(
            routing.Stop(
                key=site.pk,
                node=index[site.pk],
                parcels=len(loads[site]),
                kg=sum(load.kg for load in loads[site]),
                windows=routing.parse_opening_hours(site.opening_hours),
                group=site.region.township_id or "county",
                by_carrier=dict(by_carrier),
                hub=hubs.get(station.pk) if station else None,
                service_s=site.handling_minutes * 60 if site.handling_minutes else None,
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
        sites={**{s.pk: s for s in located}, **hub_sites},
        parcels={s.pk: [load.parcel_id for load in loads[s]] for s in located},
        distance_source=_distance_source(road_pairs, len(nodes), detour_factor),
        detour_factor=detour_factor,
        notes=notes,
        unplaced=unplaced,
    )


def _distance_source(road_pairs: int, nodes: int, detour_factor: float) -> str:
    pairs = nodes * (nodes - 1)
    if pairs and road_pairs == pairs:
        return str(_("road distances (loaded matrix)"))
    if road_pairs:
        return str(
            _(
                "road distances for %(road)d of %(pairs)d pairs; the others straight-line × "
                "%(factor)s"
            )
            % {"road": road_pairs, "pairs": pairs, "factor": detour_factor}
        )
    return str(
        _("straight-line distance × detour factor %(factor)s (no road matrix loaded)")
        % {"factor": detour_factor}
    )
