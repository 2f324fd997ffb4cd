"""Browser: on a phone, the route sheet lists the stop no van could reach, and why."""

from django.utils import timezone
from playwright.sync_api import expect

from cuncun.logistics.models import EventKind, EventSource
from cuncun.logistics.services import EventInput, ParcelDetails, plan_routes, record_event
from cuncun.network.services import update_site_profile
from cuncun.regions.models import RegionUnit
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in
from tests.factories import site_in
from tests.logistics.conftest import (  # noqa: F401  (the fixtures)
    at,
    carriers,
    gasa_station,
    warehouse,
)


def test_the_office_sees_on_its_phone_which_stop_is_on_no_route_and_why(
    live_server,
    phone,
    office_user,
    carriers,  # noqa: F811
    warehouse,  # noqa: F811
    gasa_station,  # noqa: F811
):
    # Given a parcel for a station and one for a point open only before the vans' day starts
    village = RegionUnit.objects.filter(parent=township("勐龙镇")).order_by("code").first()
    dawn_point = site_in(village, name="勐龙镇某村服务点")
    update_site_profile(actor=None, site=dawn_point, changes={"opening_hours": "05:00-06:00"})
    for waybill, point in [("SF1", gasa_station), ("SF2", dawn_point)]:
        record_event(
            actor=None,
            carrier=carriers["SF"],
            waybill=waybill,
            event=EventInput(kind=EventKind.ARRIVED_HUB, occurred_at=at(0, 0), site=warehouse),
            source=EventSource.MANIFEST,
            details=ParcelDetails(point=point),
        )
    plan = plan_routes(actor=office_user, day=timezone.localdate())

    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/logistics/routes/{plan.pk}/")

    left_out = phone.locator("#left-out")
    expect(left_out).to_contain_text("未安排进任何路线")
    expect(left_out).to_contain_text(
        "勐龙镇某村服务点 · 1 件 · 没有车辆能在其营业时间和车辆工作时间内到达"
    )
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the list wraps on the phone, no sideways scrolling
