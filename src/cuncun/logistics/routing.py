"""Consolidated delivery routes (共同配送), solved with VROOM (pyvroom).

Pure computation, no database: `services.plan_routes` builds a `Problem` from the day's parcels
and stores the `Plan`; the routing benchmark builds one from the divisions file.

- Node 0 of the distance matrix is the depot (the county warehouse); stop i is node i.
- Every stop is a delivery job with the number of parcels and their weight as its amount,
  the point's opening hours as time windows and a service time growing with the parcels.
- Vehicles have a capacity (parcels and kg) and a working day; each has a fixed cost, so the
  solver uses no more vans than it must.
- VROOM expresses all of this; OR-Tools is not needed.
- If the solver does not answer within the time limit, a simple nearest-neighbour plan is
  used instead, and the plan says so.
- `naive_km` is what the same parcels cost when each carrier drives its own routes per township.
"""

import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise

from cuncun.logistics.geo import haversine_km

DEFAULT_DETOUR_FACTOR = 1.4  # mountain roads: road km ≈ 1.4 × straight-line km
DEFAULT_SPEED_KMH = 35
DEFAULT_TIME_LIMIT_S = 5.0
GRACE_S = 1.0  # how much longer than its own timeout the solver may take before we give up
SERVICE_BASE_S = 300  # 5 minutes at each stop
SERVICE_PER_PARCEL_S = 10
DEFAULT_PARCEL_KG = 1.0


@dataclass
class Stop:
    key: object  # what the caller knows the stop by (a site pk)
    node: int  # its row/column in the distance matrix
    parcels: int
    kg: float = 0.0
    windows: list[tuple[int, int]] | None = None  # seconds since midnight; None: any time
    group: object = None  # the township it belongs to (for the naive comparison)
    by_carrier: dict = field(default_factory=dict)  # carrier → parcels (for the naive comparison)


@dataclass
class Fleet:
    vehicles: int
    capacity_parcels: int = 400
    capacity_kg: int = 1500
    day_start_s: int = 8 * 3600
    day_end_s: int = 19 * 3600
    speed_kmh: float = DEFAULT_SPEED_KMH
    fixed_cost_km: float = 30.0  # a van used at all costs as much as driving this far


@dataclass
class Problem:
    stops: list[Stop]
    km: list[list[float]]  # (n+1)×(n+1), node 0 the depot
    fleet: Fleet


@dataclass
class Visit:
    stop: Stop
    parcels: int
    arrive_s: int
    km_from_previous: float


@dataclass
class VehicleRoute:
    vehicle: int
    visits: list[Visit]
    km: float
    start_s: int
    end_s: int

    @property
    def parcels(self) -> int:
        return sum(v.parcels for v in self.visits)


@dataclass
class Plan:
    routes: list[VehicleRoute]
    unassigned: list[Stop]
    solver: str  # "vroom" | "simple"
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def km(self) -> float:
        return sum(r.km for r in self.routes)


# --- inputs ---------------------------------------------------------------------------------

_TIME = r"(\d{1,2})[:：](\d{2})"
_RANGE = re.compile(_TIME + r"\s*[-–—~～至到]\s*" + _TIME)


def parse_opening_hours(text: str) -> list[tuple[int, int]] | None:
    """ "08:00-12:00, 14:30-18:00" → [(28800, 43200), (52200, 64800)]; None when it says no hours
    we can read (the stop then has no time window)."""
    windows = []
    for h1, m1, h2, m2 in _RANGE.findall(text or ""):
        start, end = int(h1) * 3600 + int(m1) * 60, int(h2) * 3600 + int(m2) * 60
        if 0 <= start < end <= 24 * 3600:
            windows.append((start, end))
    return sorted(windows) or None


def distance_matrix(
    places: list[tuple[float, float]],
    *,
    road_km: dict[tuple[int, int], float] | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> tuple[list[list[float]], int]:
    """km between every pair of places: the road distance when loaded (either direction),
    otherwise straight-line × detour factor. Returns the matrix and how many pairs were road."""
    road_km = road_km or {}
    n = len(places)
    km = [[0.0] * n for _ in range(n)]
    road_pairs = 0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            road = road_km.get((i, j), road_km.get((j, i)))
            if road is not None:
                km[i][j] = float(road)
                road_pairs += 1
            else:
                km[i][j] = haversine_km(places[i], places[j]) * detour_factor
    return km, road_pairs


def service_seconds(parcels: int) -> int:
    return SERVICE_BASE_S + SERVICE_PER_PARCEL_S * parcels


def _travel_s(km: float, fleet: Fleet) -> int:
    return round(km / fleet.speed_kmh * 3600)


def _jobs(problem: Problem) -> list[tuple[Stop, int, float]]:
    """Stops as jobs; a stop with more parcels than a van carries is split into several."""
    fleet = problem.fleet
    jobs = []
    for stop in problem.stops:
        kg_each = (stop.kg / stop.parcels) if stop.parcels else 0.0
        left = stop.parcels
        per_van = max(1, min(fleet.capacity_parcels, int(fleet.capacity_kg // max(kg_each, 1e-9))))
        while left > 0:
            take = min(left, per_van)
            jobs.append((stop, take, take * kg_each))
            left -= take
    return jobs


# --- solving --------------------------------------------------------------------------------


def solve(
    problem: Problem, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, threads: int = 2
) -> Plan:
    """Plan routes with VROOM within `time_limit_s`; otherwise a simple plan, said in its notes."""
    if not problem.stops:
        return Plan(routes=[], unassigned=[], solver="vroom", seconds=0.0)
    started = time.perf_counter()
    if time_limit_s <= 0:
        plan = simple_plan(problem)
        plan.notes.append("solver_no_time")
        plan.seconds = time.perf_counter() - started
        return plan
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_solve_with_vroom, problem, time_limit_s, threads)
    try:
        plan = future.result(timeout=time_limit_s + GRACE_S)
    except FutureTimeout:
        plan = None
    finally:
        pool.shutdown(wait=False)
    elapsed = time.perf_counter() - started
    if plan is None or elapsed > time_limit_s + GRACE_S:
        plan = simple_plan(problem)
        plan.notes.append("solver_timed_out")
    plan.seconds = time.perf_counter() - started
    return plan


def _solve_with_vroom(problem: Problem, time_limit_s: float, threads: int) -> Plan:
    import vroom

    fleet = problem.fleet
    km = problem.km
    n = len(km)
    meters = [[round(km[i][j] * 1000) for j in range(n)] for i in range(n)]
    seconds = [[_travel_s(km[i][j], fleet) for j in range(n)] for i in range(n)]
    instance = vroom.Input()
    instance.set_durations_matrix("car", seconds)
    instance.set_distances_matrix("car", meters)
    instance.set_costs_matrix("car", meters)
    jobs = _jobs(problem)
    for job_id, (stop, parcels, kg) in enumerate(jobs, start=1):
        windows = stop.windows or [(0, 24 * 3600)]
        instance.add_job(
            vroom.Job(
                job_id,
                location=stop.node,
                default_service=service_seconds(parcels),
                delivery=[parcels, math.ceil(kg)],
                time_windows=[vroom.TimeWindow(a, b) for a, b in windows],
            )
        )
    instance.add_vehicle(
        [
            vroom.Vehicle(
                number,
                start=0,
                end=0,
                capacity=[fleet.capacity_parcels, fleet.capacity_kg],
                time_window=vroom.TimeWindow(fleet.day_start_s, fleet.day_end_s),
                costs=vroom.VehicleCosts(fixed=round(fleet.fixed_cost_km * 1000)),
            )
            for number in range(1, fleet.vehicles + 1)
        ]
    )
    answer = instance.solve(
        exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=time_limit_s)
    ).to_dict()
    routes = []
    for route in answer["routes"]:
        visits, previous = [], 0
        for step in route["steps"]:
            if step["type"] != "job":
                continue
            stop, parcels, _kg = jobs[step["id"] - 1]
            node = step["location_index"]
            visits.append(Visit(stop, parcels, step["arrival"], km[previous][node]))
            previous = node
        steps = route["steps"]
        routes.append(
            VehicleRoute(
                vehicle=route["vehicle"],
                visits=_merge_same_stop(visits),
                km=route["distance"] / 1000,
                start_s=steps[0]["arrival"],
                end_s=steps[-1]["arrival"],
            )
        )
    unassigned_stops = []
    for item in answer["unassigned"]:
        stop = jobs[item["id"] - 1][0]
        if stop not in unassigned_stops:
            unassigned_stops.append(stop)
    return Plan(
        routes=sorted(routes, key=lambda r: r.vehicle),
        unassigned=unassigned_stops,
        solver="vroom",
        seconds=0.0,
    )


def _merge_same_stop(visits: list[Visit]) -> list[Visit]:
    """Two jobs of one split stop visited one after the other are one visit."""
    merged: list[Visit] = []
    for visit in visits:
        if merged and merged[-1].stop is visit.stop:
            merged[-1].parcels += visit.parcels
        else:
            merged.append(visit)
    return merged


def simple_plan(problem: Problem) -> Plan:
    """Nearest neighbour: each van goes to the closest stop it can still serve in time and with
    room, until none is left; then the next van. Quick and honest, not good."""
    fleet = problem.fleet
    km = problem.km
    pending = _jobs(problem)
    routes: list[VehicleRoute] = []
    for vehicle in range(1, fleet.vehicles + 1):
        if not pending:
            break
        node, clock, load_p, load_kg, distance = 0, fleet.day_start_s, 0, 0.0, 0.0
        visits: list[Visit] = []
        while True:
            best = None
            for index, (stop, parcels, kg) in enumerate(pending):
                if load_p + parcels > fleet.capacity_parcels or load_kg + kg > fleet.capacity_kg:
                    continue
                arrive = clock + _travel_s(km[node][stop.node], fleet)
                start = _earliest_start(arrive, stop.windows)
                if start is None:
                    continue
                finish = start + service_seconds(parcels)
                if finish + _travel_s(km[stop.node][0], fleet) > fleet.day_end_s:
                    continue
                if best is None or km[node][stop.node] < km[node][best[1].node]:
                    best = (index, stop, parcels, kg, start, finish)
            if best is None:
                break
            index, stop, parcels, kg, start, finish = best
            visits.append(Visit(stop, parcels, start, km[node][stop.node]))
            distance += km[node][stop.node]
            node, clock = stop.node, finish
            load_p, load_kg = load_p + parcels, load_kg + kg
            pending.pop(index)
        if not visits:
            break
        distance += km[node][0]
        end = clock + _travel_s(km[node][0], fleet)
        routes.append(
            VehicleRoute(vehicle, _merge_same_stop(visits), distance, fleet.day_start_s, end)
        )
    unassigned = []
    for stop, _parcels, _kg in pending:
        if stop not in unassigned:
            unassigned.append(stop)
    return Plan(routes=routes, unassigned=unassigned, solver="simple", seconds=0.0)


def _earliest_start(arrive: int, windows: list[tuple[int, int]] | None) -> int | None:
    if not windows:
        return arrive
    for start, end in windows:
        if arrive <= end:
            return max(arrive, start)
    return None


# --- the comparison: every carrier on its own ------------------------------------------------


def naive_km(problem: Problem) -> float:
    """Each carrier drives its own routes per township: from the depot through that carrier's
    stops in the township (split by van capacity) and back, each tour nearest-neighbour then
    improved by 2-opt. Time windows are ignored, which only flatters the naive plan."""
    km = problem.km
    capacity = problem.fleet.capacity_parcels
    tours: dict[tuple, list[tuple[int, int]]] = {}
    for stop in problem.stops:
        for carrier, parcels in stop.by_carrier.items():
            if parcels > 0:
                tours.setdefault((carrier, stop.group), []).append((stop.node, parcels))
    total = 0.0
    for visits in tours.values():
        for chunk in _by_capacity(visits, capacity):
            total += _tour_km(_two_opt(_nearest_neighbour(chunk, km), km), km)
    return total


def _by_capacity(visits: list[tuple[int, int]], capacity: int) -> list[list[int]]:
    chunks, current, load = [], [], 0
    for node, parcels in visits:
        while parcels > 0:
            room = capacity - load
            if room == 0:
                chunks.append(current)
                current, load = [], 0
                room = capacity
            take = min(room, parcels)
            if node not in current:
                current.append(node)
            load += take
            parcels -= take
    if current:
        chunks.append(current)
    return chunks


def _nearest_neighbour(nodes: list[int], km) -> list[int]:
    tour, left, here = [], list(dict.fromkeys(nodes)), 0
    while left:
        here = min(left, key=lambda n: km[here][n])
        tour.append(here)
        left.remove(here)
    return tour


def _two_opt(tour: list[int], km) -> list[int]:
    path = [0, *tour, 0]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                before = km[path[i - 1]][path[i]] + km[path[j]][path[j + 1]]
                after = km[path[i - 1]][path[j]] + km[path[i]][path[j + 1]]
                if after < before - 1e-9:
                    path[i : j + 1] = reversed(path[i : j + 1])
                    improved = True
    return path[1:-1]


def _tour_km(tour: list[int], km) -> float:
    path = [0, *tour, 0]
    return sum(km[a][b] for a, b in pairwise(path))
