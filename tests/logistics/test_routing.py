"""Consolidated routes: VROOM finds the known optimum of small instances, respects capacity and
opening hours, runs the township runs from the stations after the trunk, falls back to a simple
plan when given no time, out of time or failing; the day's plan carries the parcels due that day
(once), replaces that day's earlier plan, and is stored with its route sheets."""

import itertools
import math
import random
from datetime import time, timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.models import AuditEntry
from cuncun.logistics import routing
from cuncun.logistics.models import EventKind, EventSource, Route, RouteLeg, RoutePlan, RouteStop
from cuncun.logistics.services import (
    EventInput,
    ParcelDetails,
    load_road_distances,
    plan_routes,
    record_event,
)
from cuncun.logistics.views import LEFT_OUT_REASONS
from cuncun.network.models import SiteKind
from cuncun.network.services import update_site_profile
from cuncun.regions.models import RegionUnit
from tests.conftest import township
from tests.factories import site_in
from tests.logistics.conftest import at, logged_in


def euclid(points):
    return [[math.dist(a, b) for b in points] for a in points]


def problem(points, parcels, *, vehicles=1, capacity=100, windows=None):
    stops = [
        routing.Stop(key=i, node=i, parcels=p, windows=(windows or {}).get(i))
        for i, p in enumerate(parcels, start=1)
    ]
    fleet = routing.Fleet(
        vehicles=vehicles, capacity_parcels=capacity, speed_kmh=60, fixed_cost_km=0
    )
    return routing.Problem(stops=stops, km=euclid(points), fleet=fleet)


def brute_force_tour_km(km, nodes):
    best = math.inf
    for order in itertools.permutations(nodes):
        path = [0, *order, 0]
        best = min(best, sum(km[a][b] for a, b in itertools.pairwise(path)))
    return best


def test_one_van_finds_the_shortest_tour_of_a_small_instance():
    points = [(0, 0), (3, 9), (8, 2), (-4, 6), (5, -5), (-7, -3), (1, 12), (9, 8)]
    instance = problem(points, [1] * 7)

    plan = routing.solve(instance, time_limit_s=5)

    assert plan.solver == "vroom" and not plan.unassigned
    assert math.isclose(plan.km, brute_force_tour_km(instance.km, range(1, 8)), abs_tol=0.01)


def test_capacity_splits_the_stops_into_the_cheapest_routes():
    # On a line: two stops each side of the depot; a van carries two parcels. The optimum sends
    # one van each way (2 × 20 km); any other split drives farther.
    points = [(0, 0), (-10, 0), (-5, 0), (5, 0), (10, 0)]
    plan = routing.solve(problem(points, [1, 1, 1, 1], vehicles=2, capacity=2), time_limit_s=5)

    assert math.isclose(plan.km, 40, abs_tol=0.01)
    sides = sorted(sorted(v.stop.key for v in route.visits) for route in plan.routes)
    assert sides == [[1, 2], [3, 4]]


def test_a_stop_too_big_for_one_van_is_split_between_vans():
    points = [(0, 0), (10, 0)]
    plan = routing.solve(problem(points, [150], vehicles=2, capacity=100), time_limit_s=5)
    assert sorted(r.parcels for r in plan.routes) == [50, 100]


def test_opening_hours_are_respected():
    points = [(0, 0), (10, 0), (20, 0)]
    afternoon = {1: [(14 * 3600, 18 * 3600)]}  # the nearer point opens only in the afternoon
    plan = routing.solve(problem(points, [1, 1], windows=afternoon), time_limit_s=5)

    visit = next(v for v in plan.routes[0].visits if v.stop.key == 1)
    assert visit.arrive_s >= 14 * 3600


def test_opening_hours_are_read_from_what_points_write():
    assert routing.parse_opening_hours("8:00-12:00，14:30～18:00") == [
        (28800, 43200),
        (52200, 64800),
    ]
    assert routing.parse_opening_hours("全天") is None


def test_with_no_time_the_solver_falls_back_to_a_simple_plan_and_says_so():
    points = [(0, 0), (3, 9), (8, 2), (-4, 6)]
    plan = routing.solve(problem(points, [1, 1, 1]), time_limit_s=0)

    assert plan.solver == "simple" and plan.notes == [routing.SOLVER_NO_TIME]
    assert not plan.unassigned and sum(r.parcels for r in plan.routes) == 3


def test_when_the_solver_does_not_answer_in_time_a_simple_plan_is_made_and_said():
    # Given more stops than VROOM can even read in a hundredth of a second
    rng = random.Random(7)
    points = [(0, 0), *((rng.uniform(-40, 40), rng.uniform(-40, 40)) for _ in range(400))]
    instance = problem(points, [1] * 400, vehicles=4)

    plan = routing.solve(instance, time_limit_s=0.01)

    assert plan.solver == "simple" and plan.notes == [routing.SOLVER_TIMED_OUT]
    assert plan.fallbacks == 1 and plan.legs[0].note == routing.SOLVER_TIMED_OUT
    left_out = sum(u.parcels for u in plan.unassigned)
    assert sum(r.parcels for r in plan.routes) + left_out == 400


def test_when_the_solver_fails_a_simple_plan_is_made_and_said():
    # Given a stop whose hours VROOM refuses (it closes before it opens)
    points = [(0, 0), (3, 9), (8, 2), (-4, 6)]
    instance = problem(points, [1, 1, 1], windows={2: [(15 * 3600, 9 * 3600)]})

    plan = routing.solve(instance, time_limit_s=5)

    assert plan.solver == "simple" and plan.notes == [routing.SOLVER_FAILED]
    assert sum(r.parcels for r in plan.routes) + len(plan.unassigned) == 3


def test_a_township_run_leaves_its_station_once_the_trunk_has_dropped_its_parcels():
    instance = station_with_points()
    station = instance.stops[0].hub
    points = [(0, 0), (20, 0), (25, 3), (25, -3), (-10, 0)]

    plan = routing.solve(instance, time_limit_s=5)

    assert plan.solver == "vroom" and not plan.unassigned
    trunk = [r for r in plan.routes if r.leg == routing.TRUNK]
    runs = [r for r in plan.routes if r.leg == routing.TOWNSHIP]
    drops = {v.stop.key: v for r in trunk for v in r.visits}
    assert set(drops) == {"station", "alone"}
    assert drops["station"].parcels == 9  # its own 2 and its points' 7
    assert len(runs) == 1 and runs[0].hub is station
    assert {v.stop.key for v in runs[0].visits} == {"north", "south"}
    unloaded = drops["station"].start_s + routing.service_seconds(9)
    assert runs[0].start_s >= unloaded
    assert all(v.arrive_s >= unloaded for v in runs[0].visits)
    # Through the station: 2 × 20 km of trunk and the run around its two points beyond it.
    run_km = euclid(points)[1][2] + euclid(points)[2][3] + euclid(points)[3][1]
    assert math.isclose(plan.km, 40 + 20 + run_km, abs_tol=0.01)


def test_a_problem_with_no_stations_gives_the_solver_nearly_the_whole_time_limit():
    # Given a single-tier problem: every stop is the trunk's, the township runs have nothing
    points = [(0, 0), (3, 9), (8, 2), (-4, 6), (5, -5)]

    plan = routing.solve(problem(points, [1, 1, 1, 1]), time_limit_s=2)

    (trunk,) = plan.legs  # no station: no township run to give time to
    assert trunk.leg == routing.TRUNK and trunk.solver_timeout_s >= 0.9 * 2
    assert plan.solver == "vroom" and not plan.unassigned


def station_with_points(*, station_windows=None, kg=0.0):
    """A station 20 km out with two village points beyond it, and a point of a township
    without a station."""
    points = [(0, 0), (20, 0), (25, 3), (25, -3), (-10, 0)]
    station = routing.Hub(key="station", node=1, windows=station_windows)
    stops = [
        routing.Stop(key="station", node=1, parcels=2, hub=station, windows=station_windows),
        routing.Stop(key="north", node=2, parcels=3, hub=station),
        routing.Stop(key="south", node=3, parcels=4, hub=station),
        routing.Stop(key="alone", node=4, parcels=1, kg=kg),
    ]
    fleet = routing.Fleet(vehicles=2, speed_kmh=60, fixed_cost_km=0)
    return routing.Problem(stops=stops, km=euclid(points), fleet=fleet)


def test_the_trunk_gets_its_share_of_the_time_and_what_it_leaves_passes_on():
    # Given a trunk of two jobs (the station's drop and the lone point) and two onward jobs
    plan = routing.solve(station_with_points(), time_limit_s=2)

    trunk, township = plan.legs
    assert trunk.budget_s <= 2 * 2 / 4  # its share: two of the four jobs
    assert township.budget_s >= 2 - trunk.seconds - 0.2  # the rest, not only its own share
    assert township.solver_timeout_s > 2 * 2 / 4
    assert plan.fallbacks == 0 and not plan.unassigned


def reasons(plan) -> dict:
    return {u.stop.key: (u.reason, u.parcels) for u in plan.unassigned}


def test_a_stop_with_no_parcels_is_listed_as_such():
    points = [(0, 0), (3, 9), (8, 2)]

    plan = routing.solve(problem(points, [0, 2]), time_limit_s=5)

    assert reasons(plan) == {1: (routing.NO_PARCELS, 0)}
    assert [v.stop.key for r in plan.routes for v in r.visits] == [2]


def test_a_parcel_heavier_than_a_van_carries_is_listed_as_too_heavy():
    plan = routing.solve(station_with_points(kg=2000), time_limit_s=5)

    assert reasons(plan) == {"alone": (routing.TOO_HEAVY, 1)}


def test_a_stop_no_van_can_reach_in_its_hours_is_listed_as_out_of_reach():
    # Given a point 100 km out (100 minutes at 60 km/h) open only from 08:00 to 08:30
    points = [(0, 0), (100, 0), (5, 0)]
    early = {1: [(8 * 3600, 8 * 3600 + 1800)]}

    plan = routing.solve(problem(points, [1, 1], windows=early), time_limit_s=5)

    assert reasons(plan) == {1: (routing.OUT_OF_REACH, 1)}


def test_a_stop_left_out_because_the_vans_are_full_says_so():
    # Given one van of two parcels and three stops of one parcel
    points = [(0, 0), (1, 0), (2, 0), (3, 0)]

    plan = routing.solve(problem(points, [1, 1, 1], capacity=2), time_limit_s=5)

    assert [reason for reason, _parcels in reasons(plan).values()] == [routing.NO_VAN_FREE]
    assert sum(r.parcels for r in plan.routes) == 2


def test_the_points_of_a_station_the_trunk_cannot_reach_are_listed_with_it():
    # Given a station open only before the vans' day starts
    before_the_day = [(5 * 3600, 6 * 3600)]

    plan = routing.solve(station_with_points(station_windows=before_the_day), time_limit_s=5)

    assert reasons(plan) == {
        "station": (routing.OUT_OF_REACH, 2),
        "north": (routing.STATION_NOT_REACHED, 3),
        "south": (routing.STATION_NOT_REACHED, 4),
    }
    assert [v.stop.key for r in plan.routes for v in r.visits] == ["alone"]


def test_a_stops_own_handling_time_reaches_the_solver():
    # Given a point that needs an hour for its one parcel
    points = [(0, 0), (30, 0)]
    instance = problem(points, [1])
    instance.stops[0].service_s = 3600

    plan = routing.solve(instance, time_limit_s=5)

    (route,) = plan.routes
    assert route.visits[0].service_s == 3600
    assert route.end_s == route.visits[0].start_s + 3600 + 30 * 60  # back at 60 km/h


def test_a_callers_own_travel_times_drive_the_plan():
    # Given a matrix where the short road is slow: 10 km but two hours each way
    km = [[0, 10], [10, 0]]
    fleet = routing.Fleet(vehicles=1, fixed_cost_km=0)
    stop = routing.Stop(key="far", node=1, parcels=1, service_s=0)
    instance = routing.Problem(stops=[stop], km=km, fleet=fleet, seconds=[[0, 7200], [7200, 0]])

    plan = routing.solve(instance, time_limit_s=5)

    (route,) = plan.routes
    assert route.visits[0].arrive_s == fleet.day_start_s + 7200
    assert route.end_s == fleet.day_start_s + 2 * 7200 and route.km == 20


def arrive_at_warehouse(carrier, waybill, point, warehouse):
    return record_event(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        event=EventInput(kind=EventKind.ARRIVED_HUB, occurred_at=at(0, 0), site=warehouse),
        source=EventSource.MANIFEST,
        details=ParcelDetails(point=point, person_phone="13812345678"),
    ).parcel


@pytest.fixture
def menglong_station(county):
    return site_in(township("勐龙镇"), SiteKind.TOWNSHIP_STATION, name="勐龙镇服务站")


@pytest.fixture
def waiting(carriers, warehouse, gasa_station, manda_point, menglong_station):
    """Four parcels of four carriers at the county warehouse: two for 曼达村's point (reached
    through 嘎洒镇's station), one for that station, one for 勐龙镇's."""
    return [
        arrive_at_warehouse(carriers[code], f"W{number}", point, warehouse)
        for number, (code, point) in enumerate(
            [
                ("SF", manda_point),
                ("ZTO", manda_point),
                ("YTO", gasa_station),
                ("YD", menglong_station),
            ]
        )
    ]


def current_parcels() -> list[int]:
    """Each parcel as often as a trunk stop of a plan in force carries it."""
    return sorted(
        RouteStop.objects.filter(
            route__plan__replaced_at__isnull=True, route__leg=RouteLeg.TRUNK
        ).values_list("parcels", flat=True)
    )


def test_the_days_plan_runs_from_the_warehouse_through_the_township_stations(
    office_user, waiting, warehouse, gasa_station, manda_point, menglong_station
):
    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert plan.notes == ["approximate_places:4"] and plan.solver == RoutePlan.Solver.VROOM
    assert plan.parcels == 4 and not plan.unassigned
    assert plan.distance_source == "直线距离 × 绕行系数 1.4（未导入道路距离矩阵）"
    # The trunk drops at both stations, 嘎洒镇's with 曼达村's parcels too …
    trunk = RouteStop.objects.filter(route__plan=plan, route__leg=RouteLeg.TRUNK)
    assert {s.site for s in trunk} == {gasa_station, menglong_station}
    assert all(s.route.start_site == warehouse for s in trunk)
    at_gasa = trunk.get(site=gasa_station)
    assert sorted(p.pk for p in at_gasa.parcels.all()) == [p.pk for p in waiting[:3]]
    # … and 嘎洒镇's van takes those on to 曼达村 once the drop is done.
    run = Route.objects.get(plan=plan, leg=RouteLeg.TOWNSHIP)
    assert run.start_site == gasa_station and run.vehicle == "嘎洒镇电商服务站 1号车"
    assert [(s.site, s.parcel_count) for s in run.stops.all()] == [(manda_point, 2)]
    assert run.start_at >= at_gasa.serve_at
    assert current_parcels() == sorted(p.pk for p in waiting)
    assert plan.naive_km >= plan.total_km


def test_planning_a_day_again_replaces_its_plan(office_user, waiting):
    first = plan_routes(actor=office_user, day=timezone.localdate())

    second = plan_routes(actor=office_user, day=timezone.localdate())

    first.refresh_from_db()
    assert first.replaced_at is not None and second.replaced_at is None
    assert list(RoutePlan.objects.current()) == [second]
    assert current_parcels() == sorted(p.pk for p in waiting)
    entry = AuditEntry.objects.for_object(second).get(action="logistics.plan_routes")
    assert entry.after["replaces"] == first.pk and entry.actor == office_user


def test_a_parcel_in_todays_plan_is_not_planned_again_for_tomorrow(
    office_user, waiting, carriers, warehouse, manda_point
):
    plan_routes(actor=office_user, day=timezone.localdate())
    late = arrive_at_warehouse(carriers["JD"], "JD1", manda_point, warehouse)

    tomorrow = plan_routes(actor=office_user, day=timezone.localdate() + timedelta(days=1))

    assert tomorrow.parcels == 1
    trunk = RouteStop.objects.get(route__plan=tomorrow, route__leg=RouteLeg.TRUNK)
    assert list(trunk.parcels.all()) == [late]
    assert current_parcels() == sorted([*(p.pk for p in waiting), late.pk])


def test_a_day_with_nothing_due_is_not_planned(office_user, waiting):
    plan_routes(actor=office_user, day=timezone.localdate())

    with pytest.raises(Conflict):
        plan_routes(actor=office_user, day=timezone.localdate() + timedelta(days=1))
    assert RoutePlan.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"day": timezone.localdate() - timedelta(days=1)},
        {"vehicles": 0},
        {"vehicles": 51},
        {"capacity_parcels": 0},
        {"capacity_kg": 10**9},
    ],
)
def test_a_plan_for_a_past_day_or_an_impossible_fleet_is_refused(office_user, waiting, change):
    with pytest.raises(InvalidInput):
        plan_routes(actor=office_user, **{"day": timezone.localdate(), **change})
    assert not RoutePlan.objects.exists()


def test_a_stop_reached_before_it_opens_is_served_from_its_opening(
    office_user, carriers, warehouse, gasa_station
):
    # Given a station open only in the morning and, in a township without a station, a point
    # open only late in the afternoon: one van serves both, and waits at the second.
    menglong = RegionUnit.objects.filter(parent=township("勐龙镇")).order_by("code").first()
    late_point = site_in(menglong, name="勐龙镇某村服务点")
    update_site_profile(actor=None, site=gasa_station, changes={"opening_hours": "08:00-10:00"})
    update_site_profile(actor=None, site=late_point, changes={"opening_hours": "16:00-18:00"})
    arrive_at_warehouse(carriers["SF"], "W1", gasa_station, warehouse)
    arrive_at_warehouse(carriers["SF"], "W2", late_point, warehouse)

    plan = plan_routes(actor=office_user, day=timezone.localdate())

    stop = RouteStop.objects.get(route__plan=plan, site=late_point)
    assert stop.arrive_at < time(16) and stop.serve_at == time(16)
    sheet = logged_in(office_user).get(f"/logistics/routes/{plan.pk}/").content.decode()
    assert "开放 16:00-18:00" in sheet and "<b>16:00</b><br>" in sheet and "等待开门" in sheet


def test_a_loaded_road_matrix_is_used_and_said(carriers, office_user, warehouse, manda_point):
    arrive_at_warehouse(carriers["SF"], "W1", manda_point, warehouse)
    load_road_distances(
        actor=office_user,
        rows=[(warehouse, manda_point, "23.5"), (manda_point, warehouse, "23.5")],
    )

    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert plan.total_km == 47
    assert plan.distance_source == "道路距离（已导入的距离矩阵）"


def test_a_point_no_van_can_reach_in_its_hours_is_on_the_plan_and_the_sheet_with_why(
    office_user, carriers, warehouse, gasa_station
):
    # Given a point (of a township with no station) open only before the vans' day starts
    menglong = RegionUnit.objects.filter(parent=township("勐龙镇")).order_by("code").first()
    dawn_point = site_in(menglong, name="勐龙镇某村服务点")
    update_site_profile(actor=None, site=dawn_point, changes={"opening_hours": "05:00-06:00"})
    arrive_at_warehouse(carriers["SF"], "W1", gasa_station, warehouse)
    arrive_at_warehouse(carriers["ZTO"], "W2", dawn_point, warehouse)

    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert plan.unassigned == [
        {
            "site": dawn_point.code,
            "name": "勐龙镇某村服务点",
            "parcels": 1,
            "reason": routing.OUT_OF_REACH,
        }
    ]
    assert not RouteStop.objects.filter(route__plan=plan, site=dawn_point).exists()
    sheet = logged_in(office_user).get(f"/logistics/routes/{plan.pk}/").content.decode()
    assert "未安排进任何路线" in sheet
    assert "勐龙镇某村服务点</b> · 1 件 · 没有车辆能在其营业时间和车辆工作时间内到达" in sheet


def test_every_reason_a_stop_may_be_left_out_for_is_said_on_the_sheet():
    assert set(LEFT_OUT_REASONS) == routing.REASONS
