"""Consolidated routes: VROOM finds the known optimum of small instances, respects capacity and
opening hours, falls back to a simple plan when given no time, and the day's plan is stored with
its route sheets."""

import itertools
import math

from django.utils import timezone

from cuncun.logistics import routing
from cuncun.logistics.models import EventKind, EventSource, RoutePlan
from cuncun.logistics.services import (
    EventInput,
    ParcelDetails,
    load_road_distances,
    plan_routes,
    record_event,
)
from tests.conftest import township
from tests.factories import site_in
from tests.logistics.conftest import at


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

    assert plan.solver == "simple" and "solver_no_time" in plan.notes
    assert not plan.unassigned and sum(r.parcels for r in plan.routes) == 3


def test_carriers_driving_alone_cost_more_than_one_consolidated_route():
    points = [(0, 0), (10, 0), (10, 1), (11, 0)]
    instance = problem(points, [2, 2, 2])
    for stop in instance.stops:
        stop.group = "t"
        stop.by_carrier = {"SF": 1, "ZTO": 1}
    plan = routing.solve(instance, time_limit_s=5)
    assert routing.naive_km(instance) > 1.9 * plan.km


def arrive_at_warehouse(carrier, waybill, point, warehouse):
    record_event(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        event=EventInput(kind=EventKind.ARRIVED_HUB, occurred_at=at(0, 0), site=warehouse),
        source=EventSource.MANIFEST,
        details=ParcelDetails(point=point, person_phone="13812345678"),
    )


def test_the_days_plan_carries_every_carriers_parcels_waiting_at_the_warehouse(
    carriers, office_user, warehouse, gasa_station, manda_point
):
    menglong = site_in(township("勐龙镇"), "township_station", name="勐龙镇服务站")
    for number, (code, point) in enumerate(
        [("SF", manda_point), ("ZTO", manda_point), ("YTO", gasa_station), ("YD", menglong)]
    ):
        arrive_at_warehouse(carriers[code], f"W{number}", point, warehouse)

    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert plan.solver == RoutePlan.Solver.VROOM and plan.parcels == 4 and not plan.unassigned
    stops = [s for route in plan.routes.all() for s in route.stops.all()]
    assert {s.site for s in stops} == {manda_point, gasa_station, menglong}
    assert sum(s.parcels.count() for s in stops) == 4
    assert "直线" in plan.distance_source or "straight-line" in plan.distance_source
    assert plan.naive_km >= plan.total_km


def test_a_loaded_road_matrix_is_used_and_said(carriers, office_user, warehouse, manda_point):
    arrive_at_warehouse(carriers["SF"], "W1", manda_point, warehouse)
    load_road_distances(
        actor=office_user,
        rows=[(warehouse, manda_point, "23.5"), (manda_point, warehouse, "23.5")],
    )

    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert plan.total_km == 47
    assert "road" in plan.distance_source or "道路" in plan.distance_source
