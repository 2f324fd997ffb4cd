"""bench/routing: one day of consolidated village delivery (共同配送) in 景洪.

The stops are the demo's serving village points and township stations: the bench loads the real
divisions and the network demo into a throwaway SQLite database and takes the sites with their
coordinates from there. About 1,500 parcels of 6 carriers are spread over them with a fixed seed
(stations, at the township seats, get more). The county warehouse is the depot. Distances are
straight-line × the detour factor (no road matrix is loaded).

Prints one JSON line: stops, parcels, solve_s (wall time of routing.solve: VROOM on 2 threads),
km (consolidated), naive_km (each carrier drives its own routes per township, from the county
warehouse) and saving (1 − km / naive_km). Details go to stderr.
"""

import atexit
import json
import os
import random
import shutil
import sys
import tempfile
import time

CARRIERS = ["YZPY", "ZTO", "YTO", "STO", "YD", "SF"]
CARRIER_SHARE = [0.18, 0.24, 0.2, 0.12, 0.18, 0.08]
PARCELS = 1500
SEED = 2016
THREADS = 2


def demo_network():
    """The network demo's depot and serving points and stations, with their places."""
    scratch = tempfile.mkdtemp(prefix="cuncun-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["CUNCUN_VAR_DIR"] = scratch
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("CUNCUN_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuncun.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from cuncun.logistics.geo import places_of
    from cuncun.logistics.planning import county_warehouse
    from cuncun.network import demo
    from cuncun.network.models import Site, SiteKind
    from cuncun.portal.demo import DIVISIONS_FILE
    from cuncun.regions.services import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    demo.load_demo()
    depot = county_warehouse()
    sites = list(
        Site.objects.serving()
        .filter(kind__in=[SiteKind.TOWNSHIP_STATION, SiteKind.VILLAGE_POINT])
        .select_related("region")
        .order_by("kind", "code")
    )
    places = places_of([depot, *sites])
    return depot, [s for s in sites if places[s.pk]], places


def main() -> int:
    depot, sites, places = demo_network()
    from cuncun.logistics import routing
    from cuncun.network.models import SiteKind

    rng = random.Random(SEED)
    stops = [
        routing.Stop(
            key=site.pk,
            node=index,
            parcels=0,
            windows=routing.parse_opening_hours(site.opening_hours),
            group=site.region.path.strip("/").split("/")[1],
        )
        for index, site in enumerate(sites, start=1)
    ]
    weights = [4.0 if s.kind == SiteKind.TOWNSHIP_STATION else 1.0 for s in sites]
    for _ in range(PARCELS):
        stop = rng.choices(stops, weights=weights)[0]
        carrier = rng.choices(CARRIERS, weights=CARRIER_SHARE)[0]
        stop.parcels += 1
        stop.kg += round(rng.uniform(0.2, 5.0), 1)
        stop.by_carrier[carrier] = stop.by_carrier.get(carrier, 0) + 1
    coordinates = [(places[s.pk].latitude, places[s.pk].longitude) for s in [depot, *sites]]
    km, _road = routing.distance_matrix(coordinates, detour_factor=routing.DEFAULT_DETOUR_FACTOR)
    problem = routing.Problem(
        stops=[s for s in stops if s.parcels], km=km, fleet=routing.Fleet(vehicles=8)
    )
    started = time.perf_counter()
    plan = routing.solve(problem, time_limit_s=routing.DEFAULT_TIME_LIMIT_S, threads=THREADS)
    solve_s = time.perf_counter() - started
    naive = routing.naive_km(problem)
    print(
        f"depot={depot.name} solver={plan.solver} routes={len(plan.routes)} "
        f"planned_parcels={sum(r.parcels for r in plan.routes)} "
        f"unassigned_stops={len(plan.unassigned)} notes={plan.notes} "
        f"detour_factor={routing.DEFAULT_DETOUR_FACTOR} cores={os.cpu_count()}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "routing",
                "stops": len(problem.stops),
                "parcels": sum(s.parcels for s in problem.stops),
                "solve_s": round(solve_s, 3),
                "km": round(plan.km, 1),
                "naive_km": round(naive, 1),
                "saving": round(1 - plan.km / naive, 3) if naive else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
