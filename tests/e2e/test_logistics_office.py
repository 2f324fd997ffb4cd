"""Browser: the county office uploads a manifest with one bad row, township staff review flagged
events, and the county office plans today's routes and prints a sheet."""

from django.utils import timezone
from playwright.sync_api import expect

from cuncun.logistics.models import (
    DeliveredTo,
    EventKind,
    EventSource,
    EventState,
    Parcel,
    RouteLeg,
    RoutePlan,
    TrackingEvent,
)
from cuncun.logistics.services import EventInput, ParcelDetails, record_event
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.logistics.conftest import (  # noqa: F401  (the fixtures)
    at,
    carriers,
    gasa_station,
    manda_point,
    warehouse,
)

K = EventKind


def test_the_office_uploads_a_manifest_sees_the_bad_row_then_imports_the_good_one(
    live_server,
    phone,
    tmp_path,
    office_user,
    carriers,  # noqa: F811
    warehouse,  # noqa: F811
    manda_point,  # noqa: F811
):
    manifest = tmp_path / "到件清单.csv"
    manifest.write_text(
        "快递公司,运单号,服务点编号,收件人,手机\n"
        f"ZTO,ZT7300000001,{manda_point.code},玉香南,13812345678\n"
        f"NOPE,ZT7300000002,{manda_point.code},岩温,13812345679\n",
        encoding="utf-8",
    )
    log_in(phone, live_server, "office", PASSWORD)
    phone.get_by_role("link", name="快件").click()
    phone.get_by_role("link", name="上传到件清单").click()

    phone.get_by_label("到达地点").select_option(value=str(warehouse.pk))
    phone.get_by_label("到件清单（CSV 或 Excel）").set_input_files(str(manifest))
    phone.get_by_role("button", name="导入").click()

    expect(phone.locator("#problems li")).to_have_text(["第 3 行：未知的快递企业 NOPE"])
    assert not Parcel.objects.exists()

    phone.get_by_label("到达地点").select_option(value=str(warehouse.pk))
    phone.get_by_label("到件清单（CSV 或 Excel）").set_input_files(str(manifest))
    phone.get_by_label("只导入正确的行，跳过有问题的行").check()
    phone.get_by_role("button", name="导入").click()

    expect(phone.locator(".messages")).to_contain_text("记录 1 条扫描，0 条此前已有，0 条待核查。")
    parcel = Parcel.objects.get()
    assert (parcel.waybill, parcel.status, parcel.status_site) == (
        "ZT7300000001",
        K.ARRIVED_HUB,
        warehouse,
    )


def test_township_staff_apply_one_flagged_event_and_dismiss_another(
    live_server,
    phone,
    gasa_staff,
    carriers,  # noqa: F811
    gasa_station,  # noqa: F811
    manda_point,  # noqa: F811
):
    # Given a parcel signed for, then "returning" (flagged), and a parcel at the station with a
    # late second accept scan (flagged)
    to_manda = ParcelDetails(point=manda_point, person_name="玉香南")
    record_event(
        actor=None,
        carrier=carriers["SF"],
        waybill="SF1",
        event=EventInput(kind=K.DELIVERED, occurred_at=at(2, 10), delivered_to=DeliveredTo.PROXY),
        source=EventSource.API,
        details=to_manda,
    )
    sent_back = record_event(
        actor=None,
        carrier=carriers["SF"],
        waybill="SF1",
        event=EventInput(kind=K.RETURNING, occurred_at=at(1, 9), raw_text="收件人拒收，退回"),
        source=EventSource.API,
    ).event
    record_event(
        actor=None,
        carrier=carriers["ZTO"],
        waybill="ZT1",
        event=EventInput(kind=K.ARRIVED_HUB, occurred_at=at(1, 9), site=gasa_station),
        source=EventSource.API,
        details=to_manda,
    )
    again = record_event(
        actor=None,
        carrier=carriers["ZTO"],
        waybill="ZT1",
        event=EventInput(kind=K.ACCEPTED, occurred_at=at(1, 11), raw_text="重复揽收扫描"),
        source=EventSource.API,
    ).event
    assert (sent_back.state, again.state) == (EventState.FLAGGED, EventState.FLAGGED)

    log_in(phone, live_server, "gasa", PASSWORD)
    phone.get_by_role("link", name="快件").click()
    phone.locator(".stat a", has_text="2").click()
    expect(phone.get_by_role("heading", name="待核查事件")).to_be_visible()

    card = phone.locator(".card", has_text="SF1")
    card.get_by_label("理由").fill("代收人签错，快递员确认退回")
    card.get_by_role("button", name="采纳").click()
    expect(phone.locator(".messages")).to_contain_text("已核查。")

    card = phone.locator(".card", has_text="ZT1")
    card.get_by_label("理由").fill("扫描枪重复上传")
    card.get_by_role("button", name="驳回").click()
    # The empty list first: the page before says 已核查 too.
    expect(phone.locator("body")).to_contain_text("没有待核查的事件。")
    expect(phone.locator(".messages")).to_contain_text("已核查。")

    sent_back.refresh_from_db()
    again.refresh_from_db()
    assert (sent_back.state, sent_back.reviewed_by) == (EventState.ACCEPTED, gasa_staff)
    assert (again.state, again.review_note) == (EventState.DISMISSED, "扫描枪重复上传")
    statuses = dict(Parcel.objects.values_list("waybill", "status"))
    assert statuses == {"SF1": K.RETURNING, "ZT1": K.ARRIVED_HUB}
    assert not Parcel.objects.filter(needs_review=True).exists()
    assert not TrackingEvent.objects.flagged().exists()


def test_the_office_plans_todays_routes_and_opens_a_printable_sheet(
    live_server,
    phone,
    office_user,
    carriers,  # noqa: F811
    warehouse,  # noqa: F811
    gasa_station,  # noqa: F811
    manda_point,  # noqa: F811
):
    for number, carrier in enumerate(["SF", "ZTO", "YD"]):
        record_event(
            actor=None,
            carrier=carriers[carrier],
            waybill=f"{carrier}100{number}",
            event=EventInput(kind=K.ARRIVED_HUB, occurred_at=at(0, 0), site=warehouse),
            source=EventSource.MANIFEST,
            details=ParcelDetails(point=manda_point),
        )
    log_in(phone, live_server, "office", PASSWORD)
    phone.get_by_role("link", name="快件").click()
    phone.get_by_role("link", name="配送线路").click()

    today = timezone.localdate()
    expect(phone.get_by_label("日期")).to_have_value(today.isoformat())
    phone.get_by_role("button", name="编排线路").click()

    # The page first: the plan is in the database once the page has answered.
    expect(phone.get_by_role("heading", name=f"{today:%Y-%m-%d} 路单")).to_be_visible()
    plan = RoutePlan.objects.current().get(day=today)
    trunk = plan.routes.get(leg=RouteLeg.TRUNK)
    run = plan.routes.get(leg=RouteLeg.TOWNSHIP)
    expect(phone.locator(f"#route-{trunk.number}")).to_contain_text("景洪市物流仓储配送中心")
    # On a phone a stop's waybills fold away; the driver opens them with a tap.
    phone.locator(f"#route-{run.number} details.waybills summary").first.click()
    sheet = phone.locator(f"#route-{run.number}")
    for shown in ["嘎洒镇电商服务站 1号车", manda_point.name, "SF1000"]:
        # the text the driver sees: a folded stop's is not
        expect(sheet).to_contain_text(shown, use_inner_text=True)

    phone.get_by_role("link", name="配送线路").click()
    phone.locator("#plans a").first.click()
    expect(phone.get_by_role("button", name="打印")).to_be_visible()
    phone.wait_for_load_state()  # and its script, which makes the button print
    # Printing opens every stop's folded waybills first, so that the sheet prints whole.
    expect(phone.locator("details.waybills:not([open])")).not_to_have_count(0)
    phone.evaluate(
        "window.print = () => { document.body.dataset.foldedWhenPrinted ="
        " document.querySelectorAll('details.waybills:not([open])').length; }"
    )
    phone.get_by_role("button", name="打印").click()
    expect(phone.locator("body")).to_have_attribute("data-folded-when-printed", "0")

    # Printed, the sheet is the vans' tables only.
    phone.emulate_media(media="print")
    expect(phone.locator(".no-print")).to_be_hidden()
    expect(phone.locator(f"#route-{run.number}")).to_be_visible()
