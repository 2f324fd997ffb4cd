"""bench/routing: one day of consolidated village delivery (共同配送) in 景洪, and a generated
county of 300 points, each planned by routing.solve and, for the quality, by VROOM alone.

The county: the stops are the demo's serving village points and township stations: the bench
loads the real divisions and the network demo into a throwaway SQLite database and takes the
sites with their coordinates from there. About 1,500 parcels of 6 carriers are spread over them
with a fixed seed (stations, at the township seats, get more). The problem is the product's own
(planning.problem_for): the county warehouse is the depot, the trunk drops each township's
parcels at its station and the station's van takes them on; distances are straight-line × the
detour factor (no road matrix is loaded).

The generated county (fixed seed): 12 township stations 10–50 km from the warehouse, each with
24 village points within 15 km of it (300 stops), a third of the points open only 08:00–12:00
and 14:30–18:00, and 5,000 parcels; the same two legs, built directly as a routing.Problem.

VROOM alone: each tier's very jobs and vans (the same matrix, and for the township runs the same
ready times at the stations) handed to VROOM directly as one instance per tier (the stations'
runs kept apart by skills), each with the whole time limit, so VROOM alone gets at least the
time routing.solve had. quality_ratio = km / raw_km: 1.0 means
the planner's wrapper costs nothing; above it, the wrapper loses distance.

Prints one JSON line: stops, parcels, solve_s (wall time of routing.solve: VROOM on 2 threads),
km (consolidated: trunk and township runs), naive_km (each carrier drives its own routes per
township, from the county warehouse), saving (1 − km / naive_km), raw_km, quality_ratio and
fallbacks (legs that fell back to the simple plan) for the county; the same (but naive_km and
saving) as generated_stops, generated_parcels, generated_solve_s, generated_km,
generated_raw_km, generated_quality_ratio and generated_fallbacks for the generated county.
Details go to stderr. A plan that leaves a stop out would compare part of the parcels with all
of them: the bench then fails (exit 1, no line) instead.
"""

import atexit
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta

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
# The generated county.
GENERATED_TOWNSHIPS = 12
GENERATED_POINTS_PER_TOWNSHIP = 24
GENERATED_PARCELS = 5000
GENERATED_TRUNK_VANS = 18
GENERATED_CENTRE = (22.0, 100.8)  # near Jinghong
POINT_HOURS = [(8 * 3600, 12 * 3600), (14 * 3600 + 1800, 18 * 3600)]


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


def county_problem(rng: random.Random):
    """The demo county's day, as plan_routes would see it."""
    depot, sites = demo_network()
    from cuncun.logistics import planning, routing
    from cuncun.network.models import SiteKind

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
    missing = [{"site": u["site"], "reason": u["reason"]} for u in job.unplaced]
    return depot.name, job.problem, lambda key: job.sites[key].code, missing


def generated_problem(rng: random.Random):
    """A county of 12 townships of 25 stops each, 5,000 parcels."""
    from cuncun.logistics import routing

    def near(place, low_km, high_km):
        bearing, km = rng.uniform(0, 2 * math.pi), rng.uniform(low_km, high_km)
        lat = place[0] + km * math.cos(bearing) / 111.0
        lon = place[1] + km * math.sin(bearing) / (111.0 * math.cos(math.radians(place[0])))
        return (lat, lon)

    places, stops = [GENERATED_CENTRE], []
    for township in range(GENERATED_TOWNSHIPS):
        seat = near(GENERATED_CENTRE, 10, 50)
        places.append(seat)
        hub = routing.Hub(key=f"T{township}", node=len(places) - 1)
        stops.append(routing.Stop(key=hub.key, node=hub.node, parcels=0, group=township, hub=hub))
        for point in range(GENERATED_POINTS_PER_TOWNSHIP):
            places.append(near(seat, 1, 15))
            windows = POINT_HOURS if point % 3 == 0 else None
            stops.append(
                routing.Stop(
                    key=f"T{township}P{point}",
                    node=len(places) - 1,
                    parcels=0,
                    windows=windows,
                    group=township,
                    hub=hub,
                )
            )
    weights = [STATION_WEIGHT if s.node == s.hub.node else 1.0 for s in stops]
    for _ in range(GENERATED_PARCELS):
        stop = rng.choices(stops, weights=weights)[0]
        carrier = rng.choices(CARRIERS, weights=CARRIER_SHARE)[0]
        stop.parcels += 1
        stop.kg += round(rng.uniform(0.2, 5.0), 1)
        stop.by_carrier[carrier] = stop.by_carrier.get(carrier, 0) + 1
    km, _road = routing.distance_matrix(places, detour_factor=routing.DEFAULT_DETOUR_FACTOR)
    fleet = routing.Fleet(
        vehicles=GENERATED_TRUNK_VANS, capacity_parcels=VAN_PARCELS, capacity_kg=VAN_KG
    )
    # Like the county's, only stops with parcels are given to the planner.
    return routing.Problem(stops=[s for s in stops if s.parcels], km=km, fleet=fleet)


def vroom_alone_km(problem, plan, time_limit_s: float) -> float:
    """Each tier's jobs and vans as one instance solved by VROOM directly, with the whole time
    limit."""
    from cuncun.logistics import routing

    total = 0.0
    for tier in (routing.TRUNK, routing.TOWNSHIP):
        legs = [leg for leg in plan.legs if leg.leg == tier]
        jobs = [job for leg in legs for job in leg.jobs]
        if not jobs:
            continue
        vans = [van for leg in legs for van in leg.vans]
        instance, _vans = routing.vroom_input(problem, jobs, vans)
        answer = instance.solve(
            exploration_level=routing.EXPLORATION_LEVEL,
            nb_threads=THREADS,
            timeout=timedelta(seconds=time_limit_s),
        ).to_dict()
        total += sum(route["distance"] for route in answer["routes"]) / 1000
    return total


def measure(problem, name: str) -> dict:
    from cuncun.logistics import routing

    limit = routing.DEFAULT_TIME_LIMIT_S
    started = time.perf_counter()
    plan = routing.solve(problem, time_limit_s=limit, threads=THREADS)
    solve_s = time.perf_counter() - started
    raw = vroom_alone_km(problem, plan, limit)
    runs = [r for r in plan.routes if r.leg == routing.TOWNSHIP]
    legs = " ".join(
        f"{leg.leg}:jobs={len(leg.jobs)},budget={leg.budget_s:.2f}s,"
        f"told={leg.solver_timeout_s or 0:.2f}s,took={leg.seconds:.2f}s,note={leg.note}"
        for leg in plan.legs
    )
    print(
        f"{name}: solver={plan.solver} notes={plan.notes} "
        f"trunk_routes={len(plan.routes) - len(runs)} township_runs={len(runs)} "
        f"unassigned={len(plan.unassigned)} {legs}",
        file=sys.stderr,
    )
    return {
        "plan": plan,
        "stops": len(problem.stops),
        "parcels": sum(s.parcels for s in problem.stops),
        "solve_s": round(solve_s, 3),
        "km": round(plan.km, 1),
        "raw_km": round(raw, 1),
        "quality_ratio": round(plan.km / raw, 4) if raw else None,
        "fallbacks": plan.fallbacks,
    }


def main() -> int:
    rng = random.Random(SEED)
    depot, problem, code_of, missing = county_problem(rng)
    from cuncun.logistics import routing

    county = measure(problem, f"county ({depot})")
    generated_instance = generated_problem(random.Random(SEED))
    generated = measure(generated_instance, "generated county")
    missing += [
        {"site": code_of(u.stop.key), "parcels": u.parcels, "reason": u.reason}
        for u in county.pop("plan").unassigned
    ]
    missing += [
        {"generated": u.stop.key, "parcels": u.parcels, "reason": u.reason}
        for u in generated.pop("plan").unassigned
    ]
    print(f"detour_factor={routing.DEFAULT_DETOUR_FACTOR} cores={os.cpu_count()}", file=sys.stderr)
    if missing:
        # km would cover part of the parcels and naive_km all of them: no honest saving.
        print(f"routing bench: the plan left stops out: {missing}", file=sys.stderr)
        return 1
    naive = routing.naive_km(problem)
    print(
        json.dumps(
            {
                "bench": "routing",
                "stops": county["stops"],
                "parcels": county["parcels"],
                "solve_s": county["solve_s"],
                "km": county["km"],
                "naive_km": round(naive, 1),
                "saving": round(1 - county["km"] / naive, 3) if naive else None,
                "raw_km": county["raw_km"],
                "quality_ratio": county["quality_ratio"],
                "fallbacks": county["fallbacks"],
                **{f"generated_{key}": value for key, value in generated.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
