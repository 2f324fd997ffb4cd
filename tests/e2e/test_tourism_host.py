"""Browser, on a phone: a host registers a homestay, township staff check it and the office
certifies it; the host then edits a room and sets a season price, which the public page shows."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.tourism.models import Homestay, HomestayStatus
from tests.conftest import PASSWORD, township, village
from tests.e2e.conftest import log_in
from tests.merchants.factories import merchant
from tests.tourism.conftest import stay  # noqa: F401  (the fixture)


def _as(page, live_server, username):
    page.context.clear_cookies()
    log_in(page, live_server, username, PASSWORD)


def test_a_registered_homestay_is_checked_and_certified(
    live_server, phone, make_user, office_user, gasa_staff
):
    host = make_user("newhost", Role.MERCHANT, township("嘎洒镇"))
    merchant("岩温家庭农场", region=village("嘎洒镇", "曼达村委会"), owner=host)

    _as(phone, live_server, "newhost")
    phone.goto(f"{live_server.url}/tourism/host/")
    phone.get_by_role("link", name="登记民宿").click()
    phone.get_by_label("民宿名称").fill("岩温竹楼")
    phone.get_by_label(re.compile("^村")).select_option(label="曼达村委会")
    phone.get_by_label("地址").fill("曼达村5组")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".messages")).to_contain_text("已提交申请")
    expect(phone.locator("#homestay-status")).to_have_text("已申请")
    phone.wait_for_load_state()  # measured with its styles
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    _as(phone, live_server, gasa_staff.username)
    phone.goto(f"{live_server.url}/tourism/manage/")
    phone.locator("#manage-homestays li", has_text="岩温竹楼").get_by_role(
        "button", name="核查合格"
    ).click()
    expect(phone.locator(".messages")).to_contain_text("岩温竹楼：已完成。")

    _as(phone, live_server, office_user.username)
    phone.goto(f"{live_server.url}/tourism/manage/")
    phone.locator("#manage-homestays li", has_text="岩温竹楼").get_by_role(
        "button", name="认定"
    ).click()
    expect(phone.locator(".messages")).to_contain_text("岩温竹楼：已完成。")
    assert Homestay.objects.get(name="岩温竹楼").status == HomestayStatus.CERTIFIED

    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}/tourism/")
    expect(phone.locator("body")).to_contain_text("岩温竹楼")


def test_the_host_edits_a_room_and_sets_a_season_price_on_a_phone(
    live_server,
    phone,
    stay,  # noqa: F811
):
    _as(phone, live_server, "host")
    phone.goto(f"{live_server.url}/tourism/host/")
    phone.get_by_role("link", name="房间、价格、须知和照片").click()

    room = phone.locator("section.room[data-room='竹楼大床房']")
    room.locator("summary").first.click()
    room.get_by_label("平日每晚价格（元）").fill("220")
    room.get_by_label("最多入住人数").fill("3")
    room.get_by_role("button", name="保存房间").click()
    expect(phone.locator(".messages")).to_contain_text("已保存")

    room = phone.locator("section.room[data-room='竹楼大床房']")
    room.get_by_text("添加季节价").click()
    room.get_by_label("季节").fill("泼水节")
    room.get_by_label("开始日期").fill("2027-04-13")
    room.get_by_label("结束日期（含）").fill("2027-04-15")
    room.get_by_label(re.compile("^每晚价格")).fill("480")
    room.get_by_role("button", name="设定季节价").click()
    expect(phone.locator("section.room .seasons")).to_contain_text("泼水节")
    phone.wait_for_load_state()  # measured with its styles
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    stay.room.refresh_from_db()
    assert (stay.room.price, stay.room.guests) == (Decimal("220.00"), 3)
    assert stay.room.seasonal_prices.get().price == Decimal("480.00")

    phone.goto(f"{live_server.url}/tourism/h/{stay.homestay.pk}/")
    expect(phone.locator("body")).to_contain_text("泼水节")
    expect(phone.locator("body")).to_contain_text("¥480.00")
