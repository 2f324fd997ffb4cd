"""Rural tourism routes: days of stops in villages, a plot of their coordinates and the products
of the route's villages beside it, on public pages."""

from decimal import Decimal

import pytest

from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.tourism.services import StopDetails, create_route
from tests.conftest import village
from tests.merchants.factories import merchant, product


def route_through(stay, actor=None):
    manda = village("嘎洒镇", "曼达村委会")
    stay.homestay.latitude, stay.homestay.longitude = Decimal("21.93"), Decimal("100.76")
    stay.homestay.save()
    return create_route(
        actor=actor,
        code="daixiang-2days",
        name="傣乡两日游",
        summary="",
        stops=[
            StopDetails(day=1, name="曼达傣家小院", region=manda, homestay=stay.homestay),
            StopDetails(day=1, name="曼勉果园", region=village("嘎洒镇", "曼勉村委会")),
            StopDetails(day=2, name="曼栋茶山", region=village("勐龙镇", "曼栋村委会")),
        ],
    )


def test_the_route_page_shows_its_days_a_map_of_placed_stops_and_its_villages_products(
    client, stay
):
    route_through(stay)
    tea = merchant("曼栋茶农", region=village("勐龙镇", "曼栋村委会"))
    product(tea, "曼栋古树茶")

    page = client.get("/tourism/routes/daixiang-2days/").content.decode()

    assert "第1天" in page and "第2天" in page
    assert page.count("<circle") == 1  # only the homestay has coordinates
    assert "曼栋古树茶" in page  # a product of a village on the route
    assert "傣乡两日游" in client.get("/tourism/routes/").content.decode()


def test_only_the_county_office_publishes_a_route_and_a_stop_needs_a_village(stay, gasa_staff):
    with pytest.raises(NotAllowed):
        route_through(stay, actor=gasa_staff)
    with pytest.raises(InvalidInput):
        create_route(
            actor=stay.office,
            code="bad",
            name="坏线路",
            summary="",
            stops=[StopDetails(day=1, name="乡里", region=stay.homestay.region.parent)],
        )
    route_through(stay, actor=stay.office)
