"""Consolidated delivery routes (共同配送), solved with VROOM (pyvroom).

Pure computation, no database: `planning` builds a `Problem` from the day's parcels (or the
routing benchmark from the demo network) and `services.plan_routes` stores the `Plan`. Any caller
may drive it with its own matrix: a `Problem` is the stops, a km matrix (and, if it has one, a
travel-time matrix; otherwise km at the fleet's speed) and the fleet, and says everything the
solver is told: each stop's parcels, weight, opening hours and handling time, the vans' capacity,
working day and cost per van used.

The county-township-village tiers are two legs, solved one after the other:

- the trunk (县→乡): vans leave the county warehouse (node 0) and drop at each township station
  every parcel bound for its township, the station's own and its village points' (乡镇中转);
  a village point whose township has no station is a stop of the trunk itself;
- the township runs (乡→村): the station's van leaves the station once the trunk's drop there is
  done, takes the parcels on to the township's village points and comes back.

VROOM cannot chain two vehicles (no precedence between routes), and a single instance with
shipments (picked up at the station, delivered at the point) could not say that the station has
the parcels only after the trunk came, nor count the trunk's load. Solving the trunk first gives
each station its ready time; each station's runs are then a VROOM instance of their own, whose
vans start there at that time (one instance for all stations, kept apart by VROOM's skills,
gives the same optimum but makes VROOM search a space many times larger).

In each leg every stop is a delivery job with its parcels and their weight as its amount, the
stop's opening hours as time windows and its handling time as service; a stop larger than a van
is split into several jobs. Vans have a capacity (parcels and kg), a working day and a fixed
cost, so the solver uses no more vans than it must. OR-Tools is not needed.

The time limit is shared by the work: each leg (the trunk, then each station's runs) gets the
part of what is left in proportion to its jobs among those still to solve (a leg with none gets
nothing), so time a leg did not use passes on; a problem with no stations is one leg with the
whole limit. VROOM is told to stop a little
before its leg's end, to have time to answer; only if it still has not answered well after that
(or fails) does the leg fall back to a simple nearest-neighbour plan, and the plan says so in its
notes (`NOTES`) and in its legs' reports.

Nothing given to the planner vanishes: a stop is on a route or in `Plan.unassigned` with the
reason (`REASONS`). `naive_km` is what the same parcels cost when each carrier drives its own
routes per township.
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
# VROOM is told to stop before its leg's time is up by as long as it has overrun what it was
# told in the legs before (reading the input, finishing its search, answering), at least this;
# but never told less than half the leg's time.
MIN_ANSWER_S = 0.01
# How much longer than its leg's time the solver may take before we give up on it and fall
# back: only a solver that is stuck. VROOM does not stop its first heuristics at the timeout
# and, on a busy machine, was measured overrunning it by up to half (Solomon R201: told 5 s,
# answered after 7.9 s with 17 processes waiting for the 2 cores).
GRACE_SHARE = 0.6
MIN_GRACE_S = 1.0
EXPLORATION_LEVEL = 5
SERVICE_BASE_S = 300  # 5 minutes at each stop (unless the stop says its own handling time)
SERVICE_PER_PARCEL_S = 10
DEFAULT_PARCEL_KG = 1.0
TRUNK, TOWNSHIP = "trunk", "township"
# What a plan's notes may say (the route sheet words each).
SOLVER_NO_TIME = "solver_no_time"
SOLVER_TIMED_OUT = "solver_timed_out"
SOLVER_FAILED = "solver_failed"
NOTES = {SOLVER_NO_TIME, SOLVER_TIMED_OUT, SOLVER_FAILED}
# Why a stop is not on any route (the route sheet words each).
NO_PARCELS = "no_parcels"  # nothing to bring it
NO_PLACE = "no_place"  # its place is not known (the caller could not put it in the matrix)
TOO_HEAVY = "too_heavy"  # one of its parcels weighs more than a van carries
OUT_OF_REACH = "out_of_reach"  # no van can get there and back within its hours and the day
STATION_NOT_REACHED = "station_not_reached"  # the trunk could not bring its township's parcels
NO_VAN_FREE = "no_van_free"  # reachable, but the vans' capacity and day are taken by others
REASONS = {NO_PARCELS, NO_PLACE, TOO_HEAVY, OUT_OF_REACH, STATION_NOT_REACHED, NO_VAN_FREE}


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
    service_s: int | None = None  # its handling time (the site's own); None: from its parcels

    @property
    def handling_s(self) -> int:
        return service_seconds(self.parcels) if self.service_s is None else self.service_s


@dataclass
class Fleet:
    vehicles: int  # trunk vans at the county warehouse
    capacity_parcels: int = 400
    capacity_kg: int = 1500
    # The vans' working day, seconds since midnight: none leaves before the start (a township
    # run: before its drop is unloaded) and each is back by the end.
    day_start_s: int = 8 * 3600
    day_end_s: int = 19 * 3600
    speed_kmh: float = DEFAULT_SPEED_KMH  # for the travel times when the Problem has none
    fixed_cost_km: float = 30.0  # the cost of a van used at all, as driving this far
    # None: as many as its parcels, or the hours its stops take to serve, need, and one more.
    vans_per_hub: int | None = None


@dataclass
class Problem:
    """Node 0 is the county warehouse; each stop and hub names its node in the matrices."""

    stops: list[Stop]
    km: list[list[float]]  # road km from row to column (need not be symmetric)
    fleet: Fleet
    # Travel seconds from row to column; None: km at the fleet's speed.
    seconds: list[list[int]] | None = None

    def __post_init__(self):
        if self.seconds is None:
            hour_s = 3600 / self.fleet.speed_kmh
            self.seconds = [[round(d * hour_s) for d in row] for row in self.km]


@dataclass
class Visit:
    stop: Stop
    parcels: int
    arrive_s: int
    km_from_previous: float
    start_s: int = -1  # when service starts: the arrival, or the opening after waiting
    service_s: int = 0  # how long it stays

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
class Unassigned:
    """A stop (or the part of a split stop) on no route, and why."""

    stop: Stop
    parcels: int
    reason: str  # one of REASONS


@dataclass
class LegReport:
    """How a leg was solved: the time it was given and VROOM was told, what it took, and the
    fallback's note if there was one. Its jobs and vans are the instance it solved."""

    leg: str
    jobs: list["_Job"]
    vans: list["_Van"]
    budget_s: float = 0.0
    solver_timeout_s: float | None = None  # what VROOM was told (None: not asked)
    seconds: float = 0.0
    note: str | None = None  # one of NOTES when the leg fell back

    @property
    def fell_back(self) -> bool:
        return self.note is not None


@dataclass
class Plan:
    routes: list[VehicleRoute]
    unassigned: list[Unassigned]
    solver: str  # "vroom" | "simple"
    seconds: float
    notes: list[str] = field(default_factory=list)
    legs: list[LegReport] = field(default_factory=list)

    @property
    def km(self) -> float:
        return sum(r.km for r in self.routes)

    @property
    def fallbacks(self) -> int:
        return sum(1 for leg in self.legs if leg.fell_back)


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
    """The default handling time of a stop, from its parcels."""
    return SERVICE_BASE_S + SERVICE_PER_PARCEL_S * parcels


@dataclass
class _Job:
    stop: Stop
    parcels: int
    kg: float
    service_s: int  # its share of the stop's handling time
    hub: Hub | None  # on a township run: only that station's vans serve it


@dataclass
class _Van:
    number: int
    node: int  # where it starts and ends
    ready_s: int
    hub: Hub | None


def _jobs(stops: list[Stop], fleet: Fleet, *, leg: str) -> list[_Job]:
    """Stops as jobs; a stop with more parcels than a van carries is split into several, each
    with its share of the weight and the handling time."""
    jobs = []
    for stop in stops:
        if stop.parcels <= 0:
            continue
        kg_each = stop.kg / stop.parcels
        left = stop.parcels
        per_van = max(1, min(fleet.capacity_parcels, int(fleet.capacity_kg // max(kg_each, 1e-9))))
        while left > 0:
            take = min(left, per_van)
            service = round(stop.handling_s * take / stop.parcels)
            hub = stop.hub if leg == TOWNSHIP else None
            jobs.append(_Job(stop, take, take * kg_each, service, hub))
            left -= take
    return jobs


def _drops(stops: list[Stop]) -> list[Stop]:
    """One trunk stop per station: everything bound for its township."""
    drops: dict[int, Stop] = {}
    for stop in stops:
        if stop.hub is None or stop.parcels <= 0:
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
    """Plan the trunk, then each station's township runs, each with VROOM within its share of
    `time_limit_s`: in proportion to its jobs of those still to solve, with whatever the ones
    before left. A leg it cannot plan in time (or at all) gets a simple plan, said in the
    notes. The stations' runs are independent once the trunk is planned (a station's vans serve
    only its township), so each is its own small instance rather than one large one."""
    started = time.perf_counter()
    clock = _Clock(
        deadline=started + max(time_limit_s, 0.0),
        no_time=SOLVER_NO_TIME if time_limit_s <= 0 else SOLVER_TIMED_OUT,
    )
    fleet = problem.fleet
    drops = _drops(problem.stops)
    trunk_jobs = _jobs([s for s in problem.stops if s.hub is None] + drops, fleet, leg=TRUNK)
    # What the township runs will have to solve if the trunk brings every drop.
    onward_jobs = len(_jobs(_onward(drops), fleet, leg=TOWNSHIP))
    trunk_vans = [_Van(n, 0, fleet.day_start_s, None) for n in range(1, fleet.vehicles + 1)]
    trunk = _solve_leg(
        problem,
        TRUNK,
        trunk_jobs,
        trunk_vans,
        clock.share(len(trunk_jobs), of=len(trunk_jobs) + onward_jobs),
        clock,
        threads,
    )
    ready = _ready_at_hubs(trunk, drops)
    runs = _township_runs(_onward([drop for drop in drops if drop.hub in ready]), ready, problem)
    to_solve = sum(len(jobs) for jobs, _vans in runs)
    legs = [trunk]
    for jobs, vans in runs:
        budget = clock.share(len(jobs), of=to_solve)
        legs.append(_solve_leg(problem, TOWNSHIP, jobs, vans, budget, clock, threads))
        to_solve -= len(jobs)
    reports = [leg.report for leg in legs]
    notes = list(dict.fromkeys(report.note for report in reports if report.fell_back))
    return Plan(
        routes=[route for leg in legs for route in leg.routes],
        unassigned=_left_out(problem, legs),
        solver="vroom" if not notes else "simple",
        seconds=time.perf_counter() - started,
        notes=notes,
        legs=reports,
    )


@dataclass
class _Clock:
    """The time limit as the legs spend it."""

    deadline: float
    no_time: str  # the note of a leg left with no time: the caller gave none, or it ran out
    answer_s: float = MIN_ANSWER_S  # the most VROOM has overrun what it was told

    def share(self, jobs: int, *, of: int) -> float:
        """A leg's part of the time left: in proportion to its jobs of those still to solve."""
        left = max(0.0, self.deadline - time.perf_counter())
        return left * jobs / of if of else 0.0

    def learn(self, report: "LegReport") -> None:
        if report.solver_timeout_s is not None:
            self.answer_s = max(self.answer_s, report.seconds - report.solver_timeout_s)


def _onward(drops: list[Stop]) -> list[Stop]:
    """What the township runs take on from the drops (the station's own parcels were delivered
    with the drop)."""
    return [stop for drop in drops for stop in drop.carries if stop.node != drop.hub.node]


@dataclass
class _Leg:
    routes: list[VehicleRoute]
    missed: list[_Job]  # the jobs on no route
    report: LegReport


def _ready_at_hubs(trunk: _Leg, drops: list[Stop]) -> dict[Hub, int]:
    """When each station has its whole drop, unloaded: only then may its township run leave. A
    station whose drop (or part of it) the trunk could not bring starts no run."""
    ready: dict[Hub, int] = {}
    for route in trunk.routes:
        for visit in route.visits:
            if visit.stop in drops:
                hub = visit.stop.hub
                ready[hub] = max(ready.get(hub, 0), visit.start_s + visit.service_s)
    missed = {job.stop.hub for job in trunk.missed if job.stop in drops}
    return {hub: at for hub, at in ready.items() if hub not in missed}


def _township_runs(
    onward: list[Stop], ready: dict[Hub, int], problem: Problem
) -> list[tuple[list[_Job], list[_Van]]]:
    """Each station's jobs and vans (numbered through all stations)."""
    fleet = problem.fleet
    stops: dict[Hub, list[Stop]] = {}
    for stop in onward:
        stops.setdefault(stop.hub, []).append(stop)
    runs, number = [], 1
    for hub, its_stops in stops.items():
        count = fleet.vans_per_hub or _vans_needed(its_stops, hub, ready[hub], problem) + 1
        vans = [_Van(number + n, hub.node, ready[hub], hub) for n in range(count)]
        number += count
        runs.append((_jobs(its_stops, fleet, leg=TOWNSHIP), vans))
    return runs


def _vans_needed(stops: list[Stop], hub: Hub, ready_s: int, problem: Problem) -> int:
    """Vans enough for a station's parcels and for the hours its stops take from when its drop
    is ready: serving each and the drive out to each (a tour drives less than out to each and
    back, more than the longest way out)."""
    fleet = problem.fleet
    parcels = sum(stop.parcels for stop in stops)
    hours = sum(stop.handling_s + problem.seconds[hub.node][stop.node] for stop in stops)
    day = max(1, fleet.day_end_s - ready_s)
    return max(-(-parcels // fleet.capacity_parcels), -(-hours // day))


class _NoTimeLeft(Exception):
    """Reading the leg into VROOM took all its time."""


def _solve_leg(
    problem: Problem,
    leg: str,
    jobs: list[_Job],
    vans: list[_Van],
    budget_s: float,
    clock: _Clock,
    threads: int,
) -> _Leg:
    """One leg with VROOM in a worker thread, told to stop just before `budget_s` is up; the
    simple plan when the leg has no time, or VROOM has not answered well after that, or fails."""
    report = LegReport(leg, jobs, vans, budget_s=budget_s if jobs else 0.0)
    if not jobs:
        return _Leg([], [], report)
    started = time.perf_counter()
    if budget_s <= 0:
        return _fallback(problem, report, clock.no_time, started)
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(
        _solve_with_vroom, problem, report, started + budget_s, clock.answer_s, threads
    )
    try:
        routes, missed = future.result(timeout=budget_s + max(MIN_GRACE_S, GRACE_SHARE * budget_s))
    except (FutureTimeout, _NoTimeLeft):
        return _fallback(problem, report, SOLVER_TIMED_OUT, started)
    except Exception:  # whatever VROOM refuses or breaks on, the day still gets routes
        return _fallback(problem, report, SOLVER_FAILED, started)
    finally:
        pool.shutdown(wait=False)
    report.seconds = time.perf_counter() - started
    clock.learn(report)
    return _Leg(routes, missed, report)


def _fallback(problem: Problem, report: LegReport, note: str, started: float) -> _Leg:
    routes, missed = _nearest_neighbour_plan(problem, report.jobs, report.vans)
    report.note = note
    report.seconds = time.perf_counter() - started
    return _Leg(routes, missed, report)


def vroom_input(
    problem: Problem, jobs: list[_Job], vans: list[_Van]
) -> tuple[vroom.Input, dict[int, _Van]]:
    """A leg as VROOM's input (costs are metres; a van used costs its fixed km), and the vans
    in it by number: a van whose drop came too late in the day is left out. The matrices hold
    only the leg's own places: a station's run need not read the whole county's."""
    fleet = problem.fleet
    nodes = sorted({job.stop.node for job in jobs} | {van.node for van in vans})
    local = {node: index for index, node in enumerate(nodes)}
    instance = vroom.Input()
    instance.set_durations_matrix("car", [[problem.seconds[a][b] for b in nodes] for a in nodes])
    meters = [[round(problem.km[a][b] * 1000) for b in nodes] for a in nodes]
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
                location=local[job.stop.node],
                default_service=job.service_s,
                delivery=[job.parcels, math.ceil(job.kg)],
                skills={skill.get(job.hub, 0)} if job.hub is not None else None,
                time_windows=[vroom.TimeWindow(a, b) for a, b in windows],
            )
        )
    by_number = {}
    for van in vans:
        if van.ready_s >= fleet.day_end_s:
            continue
        by_number[van.number] = van
        instance.add_vehicle(
            vroom.Vehicle(
                van.number,
                start=local[van.node],
                end=local[van.node],
                capacity=[fleet.capacity_parcels, fleet.capacity_kg],
                time_window=vroom.TimeWindow(van.ready_s, fleet.day_end_s),
                skills={skill[van.hub]} if van.hub is not None else None,
                costs=vroom.VehicleCosts(fixed=round(fleet.fixed_cost_km * 1000)),
            )
        )
    return instance, by_number


def _solve_with_vroom(
    problem: Problem, report: LegReport, leg_end: float, answer_s: float, threads: int
) -> tuple[list[VehicleRoute], list[_Job]]:
    jobs = report.jobs
    instance, by_number = vroom_input(problem, jobs, report.vans)
    if not by_number:
        return [], list(jobs)
    left = leg_end - time.perf_counter()
    if left <= 0:
        raise _NoTimeLeft
    timeout = max(left - answer_s, left / 2)
    report.solver_timeout_s = timeout
    answer = instance.solve(
        exploration_level=EXPLORATION_LEVEL,
        nb_threads=threads,
        timeout=timedelta(seconds=timeout),
    ).to_dict()
    routes = [
        _route_of(route, by_number[route["vehicle"]], jobs, problem.km)
        for route in answer["routes"]
    ]
    missed = [jobs[item["id"] - 1] for item in answer["unassigned"]]
    return sorted(routes, key=lambda r: r.vehicle), missed


def _route_of(route: dict, van: _Van, jobs: list[_Job], km) -> VehicleRoute:
    visits, previous = [], van.node
    for step in route["steps"]:
        if step["type"] != "job":
            continue
        job = jobs[step["id"] - 1]
        node = job.stop.node
        visits.append(
            Visit(
                job.stop,
                job.parcels,
                step["arrival"],
                km[previous][node],
                start_s=step["arrival"] + step["waiting_time"],
                service_s=step["service"],
            )
        )
        previous = node
    steps = route["steps"]
    return VehicleRoute(
        vehicle=van.number,
        visits=_merge_same_stop(visits),
        km=route["distance"] / 1000,
        start_s=steps[0]["arrival"],
        end_s=steps[-1]["arrival"],
        hub=van.hub,
    )


def _merge_same_stop(visits: list[Visit]) -> list[Visit]:
    """Two jobs of one split stop visited one after the other are one visit."""
    merged: list[Visit] = []
    for visit in visits:
        if merged and merged[-1].stop is visit.stop:
            merged[-1].parcels += visit.parcels
            merged[-1].service_s += visit.service_s
        else:
            merged.append(visit)
    return merged


def _nearest_neighbour_plan(
    problem: Problem, jobs: list[_Job], vans: list[_Van]
) -> tuple[list[VehicleRoute], list[_Job]]:
    """Nearest neighbour: each van goes to the closest stop it may serve (its township's, on a
    township run) in time and with room, until none is left; then the next van. Quick and
    honest, not good."""
    fleet = problem.fleet
    km, seconds = problem.km, problem.seconds
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
                arrive = clock + seconds[node][job.stop.node]
                start = _earliest_start(arrive, job.stop.windows)
                if start is None:
                    continue
                finish = start + job.service_s
                if finish + seconds[job.stop.node][van.node] > fleet.day_end_s:
                    continue
                if best is None or km[node][job.stop.node] < km[node][best[1].stop.node]:
                    best = (index, job, arrive, start, finish)
            if best is None:
                break
            index, job, arrive, start, finish = best
            visits.append(
                Visit(
                    job.stop,
                    job.parcels,
                    arrive,
                    km[node][job.stop.node],
                    start_s=start,
                    service_s=job.service_s,
                )
            )
            distance += km[node][job.stop.node]
            node, clock = job.stop.node, finish
            load_p, load_kg = load_p + job.parcels, load_kg + job.kg
            pending.pop(index)
        if not visits:
            continue
        distance += km[node][van.node]
        end = clock + seconds[node][van.node]
        routes.append(
            VehicleRoute(
                van.number, _merge_same_stop(visits), distance, van.ready_s, end, hub=van.hub
            )
        )
    return routes, pending


def _earliest_start(arrive: int, windows: list[tuple[int, int]] | None) -> int | None:
    if not windows:
        return arrive
    for start, end in windows:
        if arrive <= end:
            return max(arrive, start)
    return None


# --- what is left out, and why ----------------------------------------------------------------


def _left_out(problem: Problem, legs: list[_Leg]) -> list[Unassigned]:
    """Every stop on no route (or the part of a split stop), with the reason: a drop the trunk
    could not bring leaves its station's own parcels out for the drop's reason and its village
    points' because the station was not reached."""
    left: dict[tuple[int, str], Unassigned] = {}

    def add(stop: Stop, parcels: int, reason: str) -> None:
        entry = left.setdefault((id(stop), reason), Unassigned(stop, 0, reason))
        entry.parcels += parcels

    for stop in problem.stops:
        if stop.parcels <= 0:
            add(stop, 0, NO_PARCELS)
    dropped_whole = set()
    for leg in legs:
        for job in leg.missed:
            reason = _why_left_out(problem, job, leg.report.vans)
            if not job.stop.carries:
                add(job.stop, job.parcels, reason)
                continue
            if id(job.stop) in dropped_whole:
                continue  # another part of the same drop: its stops are listed already
            dropped_whole.add(id(job.stop))
            for stop in job.stop.carries:
                at_station = stop.node == job.stop.node
                add(stop, stop.parcels, reason if at_station else STATION_NOT_REACHED)
    return list(left.values())


def _why_left_out(problem: Problem, job: _Job, vans: list[_Van]) -> str:
    fleet = problem.fleet
    if job.kg > fleet.capacity_kg or job.parcels > fleet.capacity_parcels:
        return TOO_HEAVY
    if any(_reaches_alone(problem, job, van) for van in vans if van.hub is job.hub):
        return NO_VAN_FREE
    return OUT_OF_REACH


def _reaches_alone(problem: Problem, job: _Job, van: _Van) -> bool:
    """Whether the van, with nothing else to do, could serve the job within its hours and be
    back by the end of the day."""
    seconds = problem.seconds
    start = _earliest_start(van.ready_s + seconds[van.node][job.stop.node], job.stop.windows)
    if start is None:
        return False
    back = start + job.service_s + seconds[job.stop.node][van.node]
    return back <= problem.fleet.day_end_s


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
