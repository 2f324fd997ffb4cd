"""Consolidated delivery routes (共同配送), solved with VROOM (pyvroom).

Pure computation, no database: `planning` builds a `Problem` from the day's parcels (or the
routing benchmark from the demo network) and `services.plan_routes` stores the `Plan`.

The county-township-village tiers are two legs, solved one after the other:

- the trunk (县→乡): vans leave the county warehouse (node 0) and drop at each township station
  every parcel bound for its township, the station's own and its village points' (乡镇中转);
  a village point whose township has no station is a stop of the trunk itself;
- the township runs (乡→村): the station's van leaves the station once the trunk's drop there is
  done, takes the parcels on to the township's village points and comes back.

VROOM cannot chain two vehicles (no precedence between routes), and a single instance with
shipments (picked up at the station, delivered at the point) could not say that the station has
the parcels only after the trunk came, nor count the trunk's load. Solving the trunk first gives
each station its ready time; the township runs are then one VROOM instance in which each
station's vans start there at that time and, by VROOM's skills, serve only their township.

In each leg every stop is a delivery job with its parcels and their weight as its amount, the
stop's opening hours as time windows and a service time growing with the parcels; a stop larger
than a van is split into several jobs. Vans have a capacity (parcels and kg), a working day and a
fixed cost, so the solver uses no more vans than it must. OR-Tools is not needed.

If the solver does not answer within its time, or fails, a leg falls back to a simple
nearest-neighbour plan, and the plan says so in its notes (`NOTES`).
`naive_km` is what the same parcels cost when each carrier drives its own routes per township.
"""

import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise

import vroom

from cuncun.logistics.geo import haversine_km

DEFAULT_DETOUR_FACTOR = 1.4  # mountain roads: road km ≈ 1.4 × straight-line km
DEFAULT_SPEED_KMH = 35
DEFAULT_TIME_LIMIT_S = 5.0
# How much longer than its own timeout the solver may take before we give up on it: VROOM stops
# its search at the timeout but needs a moment to build its answer.
GRACE_SHARE = 0.1
MIN_GRACE_S = 0.05
# The trunk is a handful of stations: it gets this share of the time, the township runs the rest.
TRUNK_TIME_SHARE = 0.3
EXPLORATION_LEVEL = 5
SERVICE_BASE_S = 300  # 5 minutes at each stop
SERVICE_PER_PARCEL_S = 10
DEFAULT_PARCEL_KG = 1.0
TRUNK, TOWNSHIP = "trunk", "township"
# What a plan's notes may say (the route sheet words each).
SOLVER_NO_TIME = "solver_no_time"
SOLVER_TIMED_OUT = "solver_timed_out"
SOLVER_FAILED = "solver_failed"
NOTES = {SOLVER_NO_TIME, SOLVER_TIMED_OUT, SOLVER_FAILED}


@dataclass(eq=False)
class Hub:
    """A township station: the trunk drops its township's parcels there for the township run."""

    key: object  # what the caller knows it by (a site pk)
    node: int
    windows: list[tuple[int, int]] | None = None


@dataclass(eq=False)
class Stop:
    key: object  # what the caller knows the stop by (a site pk)
    node: int  # its row/column in the distance matrix
    parcels: int
    kg: float = 0.0
    windows: list[tuple[int, int]] | None = None  # seconds since midnight; None: any time
    group: object = None  # the township it belongs to (for the naive comparison)
    by_carrier: dict = field(default_factory=dict)  # carrier → parcels (for the naive comparison)
    hub: Hub | None = None  # the station whose run serves it (its own node: the station itself)
    carries: list["Stop"] = field(default_factory=list)  # a drop at a hub: the stops it brings


@dataclass
class Fleet:
    vehicles: int  # trunk vans at the county warehouse
    capacity_parcels: int = 400
    capacity_kg: int = 1500
    day_start_s: int = 8 * 3600
    day_end_s: int = 19 * 3600
    speed_kmh: float = DEFAULT_SPEED_KMH
    fixed_cost_km: float = 30.0  # a van used at all costs as much as driving this far
    vans_per_hub: int | None = None  # None: as many as its parcels need, and one more


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
    start_s: int = -1  # when service starts: the arrival, or the opening after waiting

    def __post_init__(self):
        if self.start_s < 0:
            self.start_s = self.arrive_s


@dataclass
class VehicleRoute:
    vehicle: int
    visits: list[Visit]
    km: float
    start_s: int
    end_s: int
    hub: Hub | None = None  # where a township run starts; None: a trunk van from the warehouse

    @property
    def parcels(self) -> int:
        return sum(v.parcels for v in self.visits)

    @property
    def leg(self) -> str:
        return TRUNK if self.hub is None else TOWNSHIP


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


@dataclass
class _Job:
    stop: Stop
    parcels: int
    kg: float
    hub: Hub | None  # on a township run: only that station's vans serve it


@dataclass
class _Van:
    number: int
    node: int  # where it starts and ends
    ready_s: int
    hub: Hub | None


def _jobs(stops: list[Stop], fleet: Fleet, *, leg: str) -> list[_Job]:
    """Stops as jobs; a stop with more parcels than a van carries is split into several."""
    jobs = []
    for stop in stops:
        kg_each = (stop.kg / stop.parcels) if stop.parcels else 0.0
        left = stop.parcels
        per_van = max(1, min(fleet.capacity_parcels, int(fleet.capacity_kg // max(kg_each, 1e-9))))
        while left > 0:
            take = min(left, per_van)
            jobs.append(_Job(stop, take, take * kg_each, stop.hub if leg == TOWNSHIP else None))
            left -= take
    return jobs


def _drops(stops: list[Stop]) -> list[Stop]:
    """One trunk stop per station: everything bound for its township."""
    drops: dict[int, Stop] = {}
    for stop in stops:
        if stop.hub is None:
            continue
        hub = stop.hub
        drop = drops.setdefault(
            id(hub), Stop(key=hub.key, node=hub.node, parcels=0, windows=hub.windows, hub=hub)
        )
        drop.parcels += stop.parcels
        drop.kg += stop.kg
        drop.carries.append(stop)
    return list(drops.values())


# --- solving --------------------------------------------------------------------------------


def solve(
    problem: Problem, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, threads: int = 2
) -> Plan:
    """Plan the trunk, then the township runs, each with VROOM within its share of
    `time_limit_s`; a leg it cannot plan in time (or at all) gets a simple plan, said in the
    notes."""
    started = time.perf_counter()
    fleet = problem.fleet
    drops = _drops(problem.stops)
    trunk_stops = [s for s in problem.stops if s.hub is None] + drops
    trunk_vans = [_Van(n, 0, fleet.day_start_s, None) for n in range(1, fleet.vehicles + 1)]
    trunk = _solve_leg(
        problem,
        _jobs(trunk_stops, fleet, leg=TRUNK),
        trunk_vans,
        time_limit_s * TRUNK_TIME_SHARE,
        threads,
    )
    ready = _ready_at_hubs(trunk, drops)
    onward = [
        s
        for drop in drops
        if drop.hub in ready
        for s in drop.carries
        if s.node != drop.hub.node  # the station's own parcels were delivered with the drop
    ]
    township_vans = _township_vans(onward, ready, fleet)
    left = time_limit_s - (time.perf_counter() - started)
    township = _solve_leg(
        problem,
        _jobs(onward, fleet, leg=TOWNSHIP),
        township_vans,
        left if time_limit_s > 0 else 0,
        threads,
    )
    unassigned = []
    for stop in trunk.unassigned + township.unassigned:
        for missed in stop.carries or [stop]:
            if missed not in unassigned:
                unassigned.append(missed)
    notes = list(dict.fromkeys(trunk.notes + township.notes))
    return Plan(
        routes=trunk.routes + township.routes,
        unassigned=unassigned,
        solver="vroom" if not notes else "simple",
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def _ready_at_hubs(trunk: Plan, drops: list[Stop]) -> dict[Hub, int]:
    """When each station has its whole drop, unloaded: only then may its township run leave. A
    station whose drop (or part of it) the trunk could not bring starts no run."""
    ready: dict[Hub, int] = {}
    for route in trunk.routes:
        for visit in route.visits:
            hub = visit.stop.hub
            if visit.stop in drops:
                done = visit.start_s + service_seconds(visit.parcels)
                ready[hub] = max(ready.get(hub, 0), done)
    missed = {stop.hub for stop in trunk.unassigned if stop in drops}
    return {hub: at for hub, at in ready.items() if hub not in missed}


def _township_vans(onward: list[Stop], ready: dict[Hub, int], fleet: Fleet) -> list[_Van]:
    needs: dict[Hub, int] = {}
    for stop in onward:
        needs[stop.hub] = needs.get(stop.hub, 0) + stop.parcels
    vans, number = [], 1
    for hub, parcels in needs.items():
        count = fleet.vans_per_hub or -(-parcels // fleet.capacity_parcels) + 1
        for _n in range(count):
            vans.append(_Van(number, hub.node, ready[hub], hub))
            number += 1
    return vans


def _solve_leg(
    problem: Problem, jobs: list[_Job], vans: list[_Van], time_limit_s: float, threads: int
) -> Plan:
    """One leg with VROOM in a worker thread; the simple plan when it has no time, does not
    answer in time, or fails."""
    if not jobs:
        return Plan(routes=[], unassigned=[], solver="vroom", seconds=0.0)
    if time_limit_s <= 0:
        return _simple_with_note(problem, jobs, vans, SOLVER_NO_TIME)
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_solve_with_vroom, problem, jobs, vans, time_limit_s, threads)
    try:
        return future.result(timeout=time_limit_s + max(MIN_GRACE_S, GRACE_SHARE * time_limit_s))
    except FutureTimeout:
        return _simple_with_note(problem, jobs, vans, SOLVER_TIMED_OUT)
    except Exception:  # whatever VROOM refuses or breaks on, the day still gets routes
        return _simple_with_note(problem, jobs, vans, SOLVER_FAILED)
    finally:
        pool.shutdown(wait=False)


def _simple_with_note(problem, jobs, vans, note: str) -> Plan:
    plan = _nearest_neighbour_plan(problem, jobs, vans)
    plan.notes.append(note)
    return plan


def _solve_with_vroom(
    problem: Problem, jobs: list[_Job], vans: list[_Van], time_limit_s: float, threads: int
) -> Plan:
    fleet = problem.fleet
    km = problem.km
    n = len(km)
    meters = [[round(km[i][j] * 1000) for j in range(n)] for i in range(n)]
    seconds = [[_travel_s(km[i][j], fleet) for j in range(n)] for i in range(n)]
    instance = vroom.Input()
    instance.set_durations_matrix("car", seconds)
    instance.set_distances_matrix("car", meters)
    instance.set_costs_matrix("car", meters)
    skill = {}  # a township run's station → the skill its jobs need and its vans have
    for van in vans:
        if van.hub is not None:
            skill.setdefault(van.hub, len(skill) + 1)
    for job_id, job in enumerate(jobs, start=1):
        windows = job.stop.windows or [(0, 24 * 3600)]
        instance.add_job(
            vroom.Job(
                job_id,
                location=job.stop.node,
                default_service=service_seconds(job.parcels),
                delivery=[job.parcels, math.ceil(job.kg)],
                skills={skill.get(job.hub, 0)} if job.hub is not None else None,
                time_windows=[vroom.TimeWindow(a, b) for a, b in windows],
            )
        )
    by_number = {}
    for van in vans:
        if van.ready_s >= fleet.day_end_s:
            continue  # its drop came too late in the day: its stops stay unassigned
        by_number[van.number] = van
        instance.add_vehicle(
            vroom.Vehicle(
                van.number,
                start=van.node,
                end=van.node,
                capacity=[fleet.capacity_parcels, fleet.capacity_kg],
                time_window=vroom.TimeWindow(van.ready_s, fleet.day_end_s),
                skills={skill[van.hub]} if van.hub is not None else None,
                costs=vroom.VehicleCosts(fixed=round(fleet.fixed_cost_km * 1000)),
            )
        )
    if not by_number:
        return Plan(routes=[], unassigned=_stops_of(jobs), solver="vroom", seconds=0.0)
    answer = instance.solve(
        exploration_level=EXPLORATION_LEVEL,
        nb_threads=threads,
        timeout=timedelta(seconds=time_limit_s),
    ).to_dict()
    routes = []
    for route in answer["routes"]:
        van = by_number[route["vehicle"]]
        visits, previous = [], van.node
        for step in route["steps"]:
            if step["type"] != "job":
                continue
            job = jobs[step["id"] - 1]
            node = step["location_index"]
            visits.append(
                Visit(
                    job.stop,
                    job.parcels,
                    step["arrival"],
                    km[previous][node],
                    start_s=step["arrival"] + step["waiting_time"],
                )
            )
            previous = node
        steps = route["steps"]
        routes.append(
            VehicleRoute(
                vehicle=van.number,
                visits=_merge_same_stop(visits),
                km=route["distance"] / 1000,
                start_s=steps[0]["arrival"],
                end_s=steps[-1]["arrival"],
                hub=van.hub,
            )
        )
    unassigned = _stops_of([jobs[item["id"] - 1] for item in answer["unassigned"]])
    return Plan(
        routes=sorted(routes, key=lambda r: r.vehicle),
        unassigned=unassigned,
        solver="vroom",
        seconds=0.0,
    )


def _stops_of(jobs: list[_Job]) -> list[Stop]:
    return list({id(job.stop): job.stop for job in jobs}.values())


def _merge_same_stop(visits: list[Visit]) -> list[Visit]:
    """Two jobs of one split stop visited one after the other are one visit."""
    merged: list[Visit] = []
    for visit in visits:
        if merged and merged[-1].stop is visit.stop:
            merged[-1].parcels += visit.parcels
        else:
            merged.append(visit)
    return merged


def _nearest_neighbour_plan(problem: Problem, jobs: list[_Job], vans: list[_Van]) -> Plan:
    """Nearest neighbour: each van goes to the closest stop it may serve (its township's, on a
    township run) in time and with room, until none is left; then the next van. Quick and
    honest, not good."""
    fleet = problem.fleet
    km = problem.km
    pending = list(jobs)
    routes: list[VehicleRoute] = []
    for van in vans:
        node, clock, load_p, load_kg, distance = van.node, van.ready_s, 0, 0.0, 0.0
        visits: list[Visit] = []
        while True:
            best = None
            for index, job in enumerate(pending):
                if job.hub is not van.hub:
                    continue
                if load_p + job.parcels > fleet.capacity_parcels:
                    continue
                if load_kg + job.kg > fleet.capacity_kg:
                    continue
                arrive = clock + _travel_s(km[node][job.stop.node], fleet)
                start = _earliest_start(arrive, job.stop.windows)
                if start is None:
                    continue
                finish = start + service_seconds(job.parcels)
                if finish + _travel_s(km[job.stop.node][van.node], fleet) > fleet.day_end_s:
                    continue
                if best is None or km[node][job.stop.node] < km[node][best[1].stop.node]:
                    best = (index, job, arrive, start, finish)
            if best is None:
                break
            index, job, arrive, start, finish = best
            visits.append(
                Visit(job.stop, job.parcels, arrive, km[node][job.stop.node], start_s=start)
            )
            distance += km[node][job.stop.node]
            node, clock = job.stop.node, finish
            load_p, load_kg = load_p + job.parcels, load_kg + job.kg
            pending.pop(index)
        if not visits:
            continue
        distance += km[node][van.node]
        end = clock + _travel_s(km[node][van.node], fleet)
        routes.append(
            VehicleRoute(
                van.number, _merge_same_stop(visits), distance, van.ready_s, end, hub=van.hub
            )
        )
    return Plan(routes=routes, unassigned=_stops_of(pending), solver="simple", seconds=0.0)


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
