"""bench/routing: one day of consolidated village delivery (共同配送) in 景洪.

The stops are the township stations (one per town, township and subdistrict) and a village point
in every administrative village of the real divisions file, placed by the logistics app's own
township centroids (approximate, deterministic); about 1,500 parcels of 6 carriers are spread over
them with a fixed seed. The county warehouse is at the county seat. Distances are straight-line
× the detour factor (no road matrix is loaded here).

Prints one JSON line: stops, parcels, solve_s (VROOM's wall time), km (consolidated), naive_km
(each carrier drives its own routes per township) and saving (1 − km / naive_km).
"""

import csv
import json
import random
import sys
import time
from pathlib import Path

from cuncun.logistics import routing
from cuncun.logistics.geo import approximate_place

CARRIERS = ["EMS", "SF", "ZTO", "YTO", "STO", "YD"]
CARRIER_SHARE = [0.22, 0.08, 0.22, 0.18, 0.12, 0.18]
PARCELS = 1500
SEED = 2016
DIVISIONS_FILE = (
    Path(routing.__file__).resolve().parent.parent / "regions" / "data" / "jinghong_divisions.csv"
)
WITH_VILLAGES = {"subdistrict", "town", "township"}


def stops_of_the_county():
    with DIVISIONS_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    county = next(r for r in rows if r["level"] == "county")
    townships = {
        r["code"]: r for r in rows if r["level"] == "township" and r["kind"] in WITH_VILLAGES
    }
    places = [
        approximate_place(township_code=None, county_code=county["code"], key="", level="county")
    ]
    stops = []
    for code, township in townships.items():
        places.append(
            approximate_place(
                township_code=code, county_code=county["code"], key="", level="township"
            )
        )
        stops.append(
            routing.Stop(
                key=township["name"],
                node=len(stops) + 1,
                parcels=0,
                group=code,
                windows=[(8 * 3600 + 1800, 18 * 3600)],
            )
        )
    for row in rows:
        if row["kind"] == "administrative_village" and row["parent_code"] in townships:
            places.append(
                approximate_place(
                    township_code=row["parent_code"],
                    county_code=county["code"],
                    key=f"{row['name']}/bench",
                    level="village",
                )
            )
            windows = [(8 * 3600, 12 * 3600), (14 * 3600, 20 * 3600)] if len(stops) % 3 else None
            stops.append(
                routing.Stop(
                    key=row["name"],
                    node=len(stops) + 1,
                    parcels=0,
                    group=row["parent_code"],
                    windows=windows,
                )
            )
    return stops, [(p.latitude, p.longitude) for p in places]


def spread_parcels(stops, rng):
    weights = [4.0 if i < 11 else 1.0 for i in range(len(stops))]  # township seats get more
    for _ in range(PARCELS):
        stop = rng.choices(stops, weights=weights)[0]
        carrier = rng.choices(CARRIERS, weights=CARRIER_SHARE)[0]
        stop.parcels += 1
        stop.kg += round(rng.uniform(0.2, 5.0), 1)
        stop.by_carrier[carrier] = stop.by_carrier.get(carrier, 0) + 1


def main() -> int:
    rng = random.Random(SEED)
    stops, places = stops_of_the_county()
    spread_parcels(stops, rng)
    stops = [s for s in stops if s.parcels]
    km, _road = routing.distance_matrix(places, detour_factor=routing.DEFAULT_DETOUR_FACTOR)
    fleet = routing.Fleet(vehicles=8)
    problem = routing.Problem(stops=stops, km=km, fleet=fleet)
    started = time.perf_counter()
    plan = routing.solve(problem, time_limit_s=routing.DEFAULT_TIME_LIMIT_S, threads=2)
    solve_s = time.perf_counter() - started
    naive = routing.naive_km(problem)
    planned = sum(r.parcels for r in plan.routes)
    print(
        f"solver={plan.solver} routes={len(plan.routes)} planned_parcels={planned} "
        f"unassigned_stops={len(plan.unassigned)} notes={plan.notes}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "routing",
                "stops": len(stops),
                "parcels": sum(s.parcels for s in stops),
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
