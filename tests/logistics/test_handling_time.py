"""A point's own handling time (its profile) is what the route planner gives the solver."""

from decimal import Decimal

import pytest

from cuncun.core.errors import InvalidInput
from cuncun.logistics import planning
from cuncun.network.models import Site
from cuncun.network.services import update_site_profile


def placed(site, lat, lng) -> Site:
    Site.objects.filter(pk=site.pk).update(latitude=Decimal(lat), longitude=Decimal(lng))
    site.refresh_from_db()
    return site


def test_a_points_own_handling_time_reaches_the_route_planner(warehouse, manda_point, gasa_staff):
    depot = placed(warehouse, "22.0094", "100.7977")
    point = placed(manda_point, "21.9520", "100.7440")
    update_site_profile(actor=gasa_staff, site=point, changes={"handling_minutes": 12})
    point.refresh_from_db()
    job = planning.problem_for(
        depot=depot,
        loads={point: [planning.Load(None, "ZTO")]},
        vehicles=1,
        capacity_parcels=100,
        capacity_kg=500,
        detour_factor=1.3,
    )
    (stop,) = job.problem.stops
    assert stop.service_s == 12 * 60


def test_without_its_own_handling_time_a_point_is_estimated_from_its_parcels(
    warehouse, manda_point
):
    depot = placed(warehouse, "22.0094", "100.7977")
    point = placed(manda_point, "21.9520", "100.7440")
    job = planning.problem_for(
        depot=depot,
        loads={point: [planning.Load(None, "ZTO")] * 3},
        vehicles=1,
        capacity_parcels=100,
        capacity_kg=500,
        detour_factor=1.3,
    )
    (stop,) = job.problem.stops
    assert stop.service_s is None and stop.handling_s == planning.routing.service_seconds(3)


@pytest.mark.parametrize("minutes", [0, 241, -5, True])
def test_a_handling_time_out_of_range_is_refused_and_changes_nothing(
    manda_point, gasa_staff, minutes
):
    with pytest.raises(InvalidInput) as refused:
        update_site_profile(
            actor=gasa_staff, site=manda_point, changes={"handling_minutes": minutes}
        )
    assert "1" in str(refused.value.message) and "240" in str(refused.value.message)
    manda_point.refresh_from_db()
    assert manda_point.handling_minutes is None
