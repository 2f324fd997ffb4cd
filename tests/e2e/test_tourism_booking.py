"""Browser: a guest books a night at a homestay, pays on the sandbox gateway and sees the booking
confirmed; the host then sees it on their phone, in the bookings and on the room's calendar."""

from playwright.sync_api import expect

from cuncun.tourism.models import Booking, BookingStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.tourism.conftest import days_ahead, stay  # noqa: F401  (the fixture)


def test_a_guest_books_a_night_and_the_host_sees_it(
    live_server,
    phone,
    stay,  # noqa: F811
):
    arrival = days_ahead(3)
    log_in(phone, live_server, "guest", PASSWORD)
    phone.goto(f"{live_server.url}/tourism/h/{stay.homestay.pk}/")
    expect(phone.locator("body")).to_contain_text("22点后请保持安静")  # the house rules
    phone.get_by_label("入住日期").fill(arrival.isoformat())
    phone.get_by_label("晚数").fill("1")
    phone.get_by_label("入住人姓名").fill("游客王芳")
    phone.get_by_label("手机号").fill("13800000001")
    phone.get_by_label("支付方式").select_option(label="在线支付（沙箱）")
    phone.get_by_role("button", name="预订并支付").click()

    expect(phone.get_by_role("heading", name="沙箱支付网关")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("¥200.00")
    phone.get_by_role("button", name="付款").click()

    expect(phone.locator("#booking-status")).to_have_text("已确认")
    assert Booking.objects.get().status == BookingStatus.CONFIRMED

    phone.context.clear_cookies()
    log_in(phone, live_server, "host", PASSWORD)
    phone.goto(f"{live_server.url}/tourism/host/")
    bookings = phone.locator("#host-bookings")
    expect(bookings).to_contain_text("游客王芳")
    expect(bookings).to_contain_text("已确认")
    expect(phone.locator(".nights li.booked")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
