"""Where sites are, for routing: a site's own coordinates when it has them, else an approximate
place derived from its township's centroid (kept as data in this app), said as approximate.

Straight-line distances are great-circle distances; routes multiply them by a detour factor
unless a road-distance matrix is loaded.
"""

import csv
import hashlib
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CENTROIDS_FILE = Path(__file__).resolve().parent / "data" / "jinghong_township_centroids.csv"
EARTH_RADIUS_KM = 6371.0088
# A village point without coordinates is put this far (km) from its township's seat, in a
# direction and at a distance fixed by its name, so that every run places it the same way.
VILLAGE_RING_KM = (2.0, 12.0)


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    approximate: bool  # True: derived from the township centroid, not surveyed


@cache
def centroids() -> dict[str, tuple[float, float]]:
    """Division code → (latitude, longitude) of the township's (or county's) seat."""
    with CENTROIDS_FILE.open(encoding="utf-8") as handle:
        return {
            row["code"]: (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def offset(origin: tuple[float, float], key: str) -> tuple[float, float]:
    """A point VILLAGE_RING_KM from `origin`, its bearing and distance derived from `key`."""
    digest = hashlib.sha256(key.encode()).digest()
    bearing = digest[0] / 256 * 2 * math.pi
    low, high = VILLAGE_RING_KM
    km = low + (high - low) * digest[1] / 255
    lat, lon = origin
    d_lat = km * math.cos(bearing) / 111.32
    d_lon = km * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def approximate_place(*, township_code: str | None, county_code: str | None, key: str, level: str):
    """Where a site of a division at `level` probably is, or None when its township is unknown.

    A township-level site is at the township's seat; a village-level one on a ring around it;
    a county-level one (the warehouse) at the county seat."""
    table = centroids()
    if level == "county":
        where = table.get(county_code or "")
        return Place(*where, approximate=True) if where else None
    seat = table.get(township_code or "")
    if seat is None:
        return None
    if level == "township":
        return Place(*seat, approximate=True)
    return Place(*offset(seat, key), approximate=True)


def places_of(sites) -> dict[int, Place | None]:
    """Each network Site's place (by pk): its coordinates, else an approximation from its
    division. Sites come with `region` selected; division codes are read in one query."""
    from cuncun.regions.models import RegionUnit

    sites = list(sites)
    paths = {s.pk: s.region.path_ids for s in sites}
    ids = {i for path in paths.values() for i in path[:2]}
    codes = dict(RegionUnit.objects.filter(pk__in=ids).values_list("pk", "code"))
    places = {}
    for site in sites:
        if site.latitude is not None and site.longitude is not None:
            places[site.pk] = Place(float(site.latitude), float(site.longitude), approximate=False)
            continue
        path = paths[site.pk]
        places[site.pk] = approximate_place(
            township_code=codes.get(path[1]) if len(path) > 1 else None,
            county_code=codes.get(path[0]),
            key=f"{site.region.name}/{site.code}",
            level=site.region.level,
        )
    return places
