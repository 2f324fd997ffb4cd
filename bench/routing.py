"""bench/routing: one day of consolidated village delivery (共同配送) in 景洪.

The stops are the demo's serving village points and township stations: the bench loads the real
divisions and the network demo into a throwaway SQLite database and takes the sites with their
coordinates from there. About 1,500 parcels of 6 carriers are spread over them with a fixed seed
(stations, at the township seats, get more). The problem is the product's own
(planning.problem_for): the county warehouse is the depot, the trunk drops each township's
parcels at its station and the station's van takes them on; distances are straight-line × the
detour factor (no road matrix is loaded).

Prints one JSON line: stops, parcels, solve_s (wall time of routing.solve: VROOM on 2 threads),
km (consolidated: trunk and township runs), naive_km (each carrier drives its own routes per
township, from the county warehouse) and saving (1 − km / naive_km). Details go to stderr. A plan
that leaves a stop out would compare part of the parcels with all of them: the bench then fails
(exit 1, no line) instead.
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
STATION_WEIGHT = 4.0  # a township station gets as many parcels as four village points
SEED = 2016
THREADS = 2
# The fleet: enough trunk vans at the county warehouse for the day, each station's vans as its
# parcels need (routing.Fleet.vans_per_hub), vans of the size plan_routes assumes.
TRUNK_VANS = 8
VAN_PARCELS = 400
VAN_KG = 1500


def demo_network():
    """The network demo's depot and serving points and stations."""
    scratch = tempfile.mkdtemp(prefix="cuncun-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["CUNCUN_VAR_DIR"] = scratch
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("CUNCUN_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuncun.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from cuncun.logistics.planning import county_warehouse
    from cuncun.network import demo
    from cuncun.network.models import Site, SiteKind
    from cuncun.plans.services import bundled_plan_file, load_plan
    from cuncun.portal.demo import DIVISIONS_FILE, PLAN_CODE
    from cuncun.regions.services import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    load_plan(actor=None, path=bundled_plan_file(PLAN_CODE))  # the network demo follows it
    demo.load_demo()
    sites = list(
        Site.objects.serving()
        .filter(kind__in=[SiteKind.TOWNSHIP_STATION, SiteKind.VILLAGE_POINT])
        .select_related("region")
        .order_by("kind", "code")
    )
    return county_warehouse(), sites


def main() -> int:
    depot, sites = demo_network()
    from cuncun.logistics import planning, routing
    from cuncun.network.models import SiteKind

    rng = random.Random(SEED)
    weights = [STATION_WEIGHT if s.kind == SiteKind.TOWNSHIP_STATION else 1.0 for s in sites]
    loads = {site: [] for site in sites}
    for _ in range(PARCELS):
        site = rng.choices(sites, weights=weights)[0]
        carrier = rng.choices(CARRIERS, weights=CARRIER_SHARE)[0]
        loads[site].append(planning.Load(None, carrier, round(rng.uniform(0.2, 5.0), 1)))
    # The product's own problem: each point through its township's station, the points' hours.
    job = planning.problem_for(
        depot=depot,
        loads={site: parcels for site, parcels in loads.items() if parcels},
        vehicles=TRUNK_VANS,
        capacity_parcels=VAN_PARCELS,
        capacity_kg=VAN_KG,
        detour_factor=routing.DEFAULT_DETOUR_FACTOR,
    )
    problem = job.problem
    started = time.perf_counter()
    plan = routing.solve(problem, time_limit_s=routing.DEFAULT_TIME_LIMIT_S, threads=THREADS)
    solve_s = time.perf_counter() - started
    naive = routing.naive_km(problem)
    runs = [r for r in plan.routes if r.leg == routing.TOWNSHIP]
    print(
        f"depot={depot.name} solver={plan.solver} notes={plan.notes} "
        f"trunk_routes={len(plan.routes) - len(runs)} township_runs={len(runs)} "
        f"unplaced={len(job.unplaced)} unassigned_stops={len(plan.unassigned)} "
        f"detour_factor={routing.DEFAULT_DETOUR_FACTOR} cores={os.cpu_count()}",
        file=sys.stderr,
    )
    missing = job.unplaced + [
        {"site": job.sites[s.key].code, "parcels": s.parcels} for s in plan.unassigned
    ]
    if missing:
        # km would cover part of the parcels and naive_km all of them: no honest saving.
        print(f"routing bench: the plan left stops out: {missing}", file=sys.stderr)
        return 1
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
