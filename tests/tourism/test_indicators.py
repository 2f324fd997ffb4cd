from datetime import date
from decimal import Decimal

from cuncun.accounts.models import Role
from cuncun.core.indicators import registry
from cuncun.tourism.models import HomestayStatus
from cuncun.tourism.services import change_homestay_status
from tests.conftest import township, village
from tests.tourism.conftest import certified_homestay


def test_homestay_points_count_the_homestays_certified_on_the_day(
    county, plan, make_user, office_user
):
    host = make_user("host", Role.MERCHANT, township("嘎洒镇"))
    first = certified_homestay(host, "曼达傣家小院", office=office_user)  # certified 2017-03-10
    certified_homestay(
        host, "曼栋茶山民宿", region=village("勐龙镇", "曼栋村委会"), office=office_user
    )
    change_homestay_status(
        actor=office_user,
        homestay=first,
        to_status=HomestayStatus.SUSPENDED,
        effective_on=date(2017, 6, 1),
        reason="整改",
    )
    indicator = registry.get("homestay_points")

    assert indicator.compute(county, date(2017, 3, 9)).value == Decimal(0)
    assert indicator.compute(county, date(2017, 3, 10)).value == Decimal(2)
    assert indicator.compute(township("嘎洒镇"), date(2017, 3, 10)).value == Decimal(1)
    assert indicator.compute(county, date(2017, 6, 1)).value == Decimal(1)


def test_the_indicator_api_answers_homestay_points_against_the_plans_100(client, county, plan):
    response = client.get("/api/indicators/homestay_points/", {"on": "2017-06-01"})

    assert response.status_code == 200
    body = response.json()
    assert body["value"] == 0
    assert body["target"] == 100
