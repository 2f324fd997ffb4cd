"""Logistics pages: scanning, the counter and its receipt, review, manifest upload, route sheets;
each user sees and acts only where they may."""

import re

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.models import OutboxMessage
from cuncun.logistics import routing
from cuncun.logistics.forms import PlanForm
from cuncun.logistics.models import (
    ConsentBasis,
    EventKind,
    EventSource,
    Parcel,
    Route,
    RouteLeg,
    RoutePlan,
    TrackingEvent,
)
from cuncun.logistics.services import (
    MAX_VAN_PARCELS,
    MAX_VANS,
    EventInput,
    ParcelDetails,
    check_in_parcel,
    plan_routes,
    record_event,
)
from cuncun.logistics.views import NOTE_MESSAGES
from cuncun.network.models import SiteKind, SiteService, SiteStatus
from cuncun.network.services import change_site_status, set_site_fee
from cuncun.regions.models import RegionUnit
from tests.conftest import township
from tests.factories import site_in
from tests.logistics.conftest import at, logged_in


@pytest.fixture
def parcel_at_station(carriers, gasa_station, to_manda):
    return record_event(
        actor=None,
        carrier=carriers["YD"],
        waybill="YD3100000001",
        event=EventInput(kind=EventKind.ARRIVED_HUB, occurred_at=at(1, 9), site=gasa_station),
        source=EventSource.API,
        details=to_manda,
    ).parcel


def test_every_page_opens_for_the_county_office(
    office_user, parcel_at_station, warehouse, manda_point
):
    client = logged_in(office_user)
    for url in [
        "/logistics/",
        "/logistics/scan/",
        f"/logistics/points/{manda_point.pk}/",
        f"/logistics/parcels/{parcel_at_station.pk}/",
        "/logistics/review/",
        "/logistics/manifest/",
        "/logistics/routes/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "扫描" in client.get("/logistics/").content.decode()


def test_the_operator_checks_in_and_hands_over_at_the_counter(
    manda_operator, manda_point, parcel_at_station, django_capture_on_commit_callbacks
):
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="1.00",
        per="件",
    )
    client = logged_in(manda_operator)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/logistics/scan/",
            {
                "site": manda_point.pk,
                "action": "check_in",
                "waybill": "yd3100000001",
                "consent": "standing_consent",
            },
            follow=True,
        )
    assert "A-1-01" in page.content.decode()
    code = re.search(r"\d{6}", OutboxMessage.objects.get().text).group(0)

    counter = client.get(f"/logistics/points/{manda_point.pk}/").content.decode()
    assert "YD3100000001" in counter and "玉*南" in counter and "13812345678" not in counter

    wrong = client.post(
        f"/logistics/points/{manda_point.pk}/handover/",
        {"waybill": "YD3100000001", "code": "000000" if code != "000000" else "111111"},
        follow=True,
    )
    assert "取件码不正确" in wrong.content.decode()

    receipt = client.post(
        f"/logistics/points/{manda_point.pk}/handover/",
        {"waybill": "YD3100000001", "code": code},
        follow=True,
    )
    text = receipt.content.decode()
    assert receipt.status_code == 200 and "¥1.00" in text and "A-1-01" in text
    assert "服务点当时未在运营" not in text
    assert Parcel.objects.get().status == EventKind.DELIVERED


def test_a_suspended_points_counter_hands_over_what_is_left_free_of_charge(
    manda_operator, manda_point, parcel_at_station, carriers
):
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="1.00",
        per="件",
    )
    check_in_parcel(
        actor=manda_operator,
        site=manda_point,
        carrier=carriers["YD"],
        waybill="YD3100000001",
        consent_basis=ConsentBasis.STANDING_CONSENT,
    )
    code = re.search(r"\d{6}", OutboxMessage.objects.get().text).group(0)
    change_site_status(
        actor=None, site=manda_point, to_status=SiteStatus.SUSPENDED, reason="经营者外出务工"
    )
    client = logged_in(manda_operator)

    counter = client.get(f"/logistics/points/{manda_point.pk}/").content.decode()
    receipt = client.post(
        f"/logistics/points/{manda_point.pk}/handover/",
        {"waybill": "YD3100000001", "code": code},
        follow=True,
    ).content.decode()

    assert "本服务点目前已暂停：不再代收新快件，但货架上剩下的快件仍可免费交付或退回。" in counter
    assert "YD3100000001" in counter
    assert "服务点当时未在运营：不收费。" in receipt
    assert Parcel.objects.get().status == EventKind.DELIVERED
    # With nothing left on its shelf, the suspended point's counter is closed.
    assert client.get(f"/logistics/points/{manda_point.pk}/").status_code == 404


def test_an_operator_cannot_open_another_points_counter(manda_operator, gasa_station):
    response = logged_in(manda_operator).get(f"/logistics/points/{gasa_station.pk}/")
    assert response.status_code == 404


def test_the_township_hub_scans_a_parcel_out(gasa_staff, gasa_station, parcel_at_station):
    client = logged_in(gasa_staff)
    page = client.post(
        "/logistics/scan/",
        {"site": gasa_station.pk, "action": "departed_hub", "waybill": "YD3100000001"},
        follow=True,
    )
    assert "YD3100000001" in page.content.decode()
    assert Parcel.objects.get().status == EventKind.DEPARTED_HUB


def test_an_impossible_scan_is_flagged_and_reviewed_on_the_page(
    gasa_staff, gasa_station, parcel_at_station, carriers
):
    record_event(
        actor=None,
        carrier=carriers["YD"],
        waybill="YD3100000001",
        event=EventInput(kind=EventKind.DELIVERED, occurred_at=at(1, 10), delivered_to="recipient"),
        source=EventSource.API,
    )
    client = logged_in(gasa_staff)
    page = client.post(
        "/logistics/scan/",
        {"site": gasa_station.pk, "action": "arrived_hub", "waybill": "YD3100000001"},
        follow=True,
    )
    assert (
        "已记录，但待核查：“已签收”之后不能再有“到达分拨点”：快件的行程已经结束。"
        in page.content.decode()
    )

    event = TrackingEvent.objects.get(state="flagged")
    review = client.get("/logistics/review/").content.decode()
    assert "YD3100000001" in review
    client.post(
        "/logistics/review/", {"event": event.pk, "decision": "dismiss", "note": "重复扫描"}
    )
    event.refresh_from_db()
    assert event.state == "dismissed"


def scan_at(client, site, action, waybill, **extra):
    return client.post(
        "/logistics/scan/",
        {"site": site.pk, "action": action, "waybill": waybill, **extra},
        follow=True,
    )


def notices(page) -> list[str]:
    return [str(m) for m in page.context["messages"]]


def test_a_parcel_new_at_a_hub_is_bound_for_the_point_the_scan_names(
    office_user, warehouse, manda_point, carriers
):
    client = logged_in(office_user)

    page = scan_at(
        client,
        warehouse,
        "arrived_hub",
        "sf7700000001",
        carrier=carriers["SF"].pk,
        destination=manda_point.pk,
        name="玉香南",
        phone="13812345678",
    )

    assert notices(page) == ["SF7700000001：到达分拨点。"]
    parcel = Parcel.objects.get()
    assert (parcel.point, parcel.region) == (manda_point, manda_point.region)
    assert (parcel.status, parcel.status_site) == (EventKind.ARRIVED_HUB, warehouse)
    assert parcel.masked_phone == "138****5678"


def test_a_parcel_new_at_a_hub_without_its_destination_is_refused(office_user, warehouse, carriers):
    page = scan_at(
        logged_in(office_user), warehouse, "arrived_hub", "SF7700000001", carrier=carriers["SF"].pk
    )

    assert notices(page) == [
        "顺丰速运 SF7700000001 尚未登记：请选择它寄往的服务点，或先上传它的到件清单。"
    ]
    assert not Parcel.objects.exists()


def test_scanning_a_parcel_in_twice_at_the_hub_says_it_was_already_recorded(
    gasa_staff, gasa_station, manda_point, carriers
):
    client = logged_in(gasa_staff)
    first = scan_at(
        client,
        gasa_station,
        "arrived_hub",
        "ZT7300000001",
        carrier=carriers["ZTO"].pk,
        destination=manda_point.pk,
    )
    recorded = TrackingEvent.objects.get()

    again = scan_at(client, gasa_station, "arrived_hub", "ZT7300000001")

    when = timezone.localtime(recorded.occurred_at).strftime("%m-%d %H:%M")
    assert notices(first) == ["ZT7300000001：到达分拨点。"]
    assert notices(again) == [f"ZT7300000001：到达分拨点已于{when}在嘎洒镇电商服务站登记过。"]
    assert TrackingEvent.objects.get() == recorded


def test_the_scan_page_refuses_a_hub_scan_at_a_village_point(
    manda_operator, manda_point, parcel_at_station
):
    page = scan_at(logged_in(manda_operator), manda_point, "departed_hub", "YD3100000001")

    assert notices(page) == ["曼达村服务点是村级电商服务点，不能扫描“离开分拨点”。"]
    assert Parcel.objects.get().status == EventKind.ARRIVED_HUB


def test_a_manifest_upload_shows_the_bad_rows(office_user, warehouse, manda_point, carriers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = manda_point.code
    data = f"快递公司,运单号,服务点编号\nZTO,ZT1,{code}\nNOPE,ZT2,{code}\n".encode()
    page = logged_in(office_user).post(
        "/logistics/manifest/",
        {"hub": warehouse.pk, "file": SimpleUploadedFile("m.csv", data)},
    )
    text = page.content.decode()
    assert "第 3 行" in text and not Parcel.objects.exists()


def at_the_warehouse(carriers, warehouse, point, waybill="SF1"):
    return record_event(
        actor=None,
        carrier=carriers["SF"],
        waybill=waybill,
        event=EventInput(kind=EventKind.ARRIVED_HUB, occurred_at=at(0, 0), site=warehouse),
        source=EventSource.MANIFEST,
        details=ParcelDetails(point=point),
    ).parcel


def test_the_office_plans_routes_and_prints_the_sheets(
    office_user, warehouse, gasa_station, manda_point, carriers
):
    at_the_warehouse(carriers, warehouse, manda_point)
    client = logged_in(office_user)
    page = client.post(
        "/logistics/routes/",
        {"day": timezone.localdate().isoformat(), "capacity": 400},
        follow=True,
    )
    text = page.content.decode()
    plan = RoutePlan.objects.get()
    assert page.redirect_chain == [(f"/logistics/routes/{plan.pk}/", 302)]
    assert "直线距离 × 绕行系数 1.4（未导入道路距离矩阵）" in text and "SF1" in text
    assert 'id="route-1"' in text and 'id="route-2"' in text
    assert "嘎洒镇电商服务站 1号车" in text and manda_point.name in text


def test_the_plan_form_takes_the_fleets_the_service_takes():
    day = timezone.localdate().isoformat()

    assert PlanForm({"day": day, "vehicles": MAX_VANS, "capacity": 1}).is_valid()
    assert PlanForm({"day": day, "capacity": MAX_VAN_PARCELS}).is_valid()
    assert not PlanForm({"day": day, "vehicles": MAX_VANS + 1, "capacity": 400}).is_valid()
    assert not PlanForm({"day": day, "capacity": MAX_VAN_PARCELS + 1}).is_valid()
    assert not PlanForm({"day": day, "capacity": 0}).is_valid()


def test_a_courier_opens_the_route_sheets_of_their_area_only(
    make_user, office_user, warehouse, gasa_station, manda_point, carriers
):
    # Given today's plan: a trunk to 嘎洒镇's station and its township run to 曼达村
    at_the_warehouse(carriers, warehouse, manda_point)
    plan = plan_routes(actor=office_user, day=timezone.localdate())
    run = Route.objects.get(plan=plan, leg=RouteLeg.TOWNSHIP)
    gasa_courier = make_user("gasa-driver", Role.COURIER, township("嘎洒镇"))
    menglong_courier = make_user("menglong-driver", Role.COURIER, township("勐龙镇"))

    home = logged_in(gasa_courier).get("/logistics/").content.decode()
    sheet = logged_in(gasa_courier).get(f"/logistics/routes/{plan.pk}/?route={run.number}")

    assert f"/logistics/routes/{plan.pk}/?route={run.number}" in home
    assert sheet.status_code == 200 and "嘎洒镇电商服务站 1号车" in sheet.content.decode()
    assert logged_in(gasa_courier).get("/logistics/routes/").status_code == 404
    assert logged_in(menglong_courier).get(f"/logistics/routes/{plan.pk}/").status_code == 404


def test_a_courier_reads_on_the_trunk_sheet_only_their_own_townships_waybills(
    make_user, office_user, warehouse, gasa_station, manda_point, carriers
):
    # Given a trunk that drops at 嘎洒镇's station and at 勐龙镇's
    menglong_village = RegionUnit.objects.filter(parent=township("勐龙镇")).order_by("code").first()
    site_in(township("勐龙镇"), SiteKind.TOWNSHIP_STATION, name="勐龙镇服务站")
    menglong_point = site_in(menglong_village, name="勐龙镇某村服务点")
    at_the_warehouse(carriers, warehouse, manda_point, waybill="SF-GASA")
    at_the_warehouse(carriers, warehouse, menglong_point, waybill="SF-MENGLONG")
    plan = plan_routes(actor=office_user, day=timezone.localdate())
    trunk = Route.objects.get(plan=plan, leg=RouteLeg.TRUNK)
    gasa_courier = make_user("gasa-driver", Role.COURIER, township("嘎洒镇"))
    url = f"/logistics/routes/{plan.pk}/?route={trunk.number}"

    sheet = logged_in(gasa_courier).get(url).content.decode()
    whole = logged_in(office_user).get(url).content.decode()

    assert "勐龙镇服务站" in sheet  # the stop is on the van's way …
    assert "SF-GASA" in sheet and "SF-MENGLONG" not in sheet  # … its waybills are not theirs
    assert "其他区域的包裹" in sheet
    assert "SF-GASA" in whole and "SF-MENGLONG" in whole


def test_the_plans_are_for_the_county_office_and_the_hubs(
    gasa_staff, manda_operator, office_user, warehouse, manda_point, carriers
):
    at_the_warehouse(carriers, warehouse, manda_point)
    plan = plan_routes(actor=office_user, day=timezone.localdate())

    assert logged_in(gasa_staff).get("/logistics/routes/").status_code == 200
    assert logged_in(gasa_staff).get(f"/logistics/routes/{plan.pk}/").status_code == 200
    assert logged_in(manda_operator).get("/logistics/routes/").status_code == 404
    assert logged_in(manda_operator).get(f"/logistics/routes/{plan.pk}/").status_code == 404


def test_every_note_a_plan_may_carry_is_said_on_its_sheet():
    assert set(NOTE_MESSAGES) == routing.NOTES


def test_a_plan_the_solver_had_no_time_for_says_so_on_its_sheet(
    office_user, warehouse, manda_point, carriers
):
    at_the_warehouse(carriers, warehouse, manda_point)
    plan = plan_routes(actor=office_user, day=timezone.localdate(), time_limit_s=0)

    sheet = logged_in(office_user).get(f"/logistics/routes/{plan.pk}/").content.decode()

    assert "未给求解器时间：这是简单方案。" in sheet
    assert "简单方案（最近邻）" in sheet


def test_the_manifest_page_is_closed_to_those_without_a_hub(manda_operator, make_user):
    merchant = make_user("shop", Role.MERCHANT, township("勐龙镇"))

    for user in (manda_operator, merchant):
        assert logged_in(user).get("/logistics/manifest/").status_code == 403
