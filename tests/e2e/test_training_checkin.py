"""Browser: a trainee scans the session's QR code with their phone and checks in."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cuncun.training import codes
from cuncun.training.models import Attendance, CourseKind, FundingSource, Trainee
from cuncun.training.services import SessionPlan, create_course, schedule_session
from tests.conftest import township
from tests.training.builders import id_number


def test_a_trainee_checks_in_by_phone_once_a_day_however_often_they_scan(
    live_server, phone, county
):
    today = timezone.localdate()
    course = create_course(
        actor=None, code="operator", name="站点运营培训", kind=CourseKind.OPERATOR
    )
    session = schedule_session(
        actor=None,
        plan=SessionPlan(
            course=course,
            code="2017-009",
            starts_on=today,
            ends_on=today + timedelta(days=1),
            place="嘎洒镇文化站",
            region=township("嘎洒镇"),
            funding_source=FundingSource.SPECIAL_FUND,
        ),
    )
    url = live_server.url + reverse(
        "training:checkin",
        args=[session.code, today.strftime("%Y%m%d"), codes.checkin_token(session.code, today)],
    )

    phone.goto(url)
    expect(phone.locator("body")).to_contain_text("站点运营培训")
    phone.get_by_label("身份证号").fill(id_number(7))
    phone.get_by_label("姓名").fill("岩罕龙")
    phone.get_by_role("button", name="签到").click()

    # First time here: the same answer as for a wrong name (it tells nobody who is registered);
    # registering with the village, the check-in goes through.
    expect(phone.locator("[role=alert]")).to_contain_text("没有找到这个身份证号和姓名的学员")
    phone.get_by_role("combobox", name="村").select_option(label="曼达村委会")
    phone.get_by_label("手机号").fill("13800000007")
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator("#checked-in")).to_contain_text("签到成功")

    # Scanning again the same day: still one attendance.
    phone.goto(url)
    phone.get_by_label("身份证号").fill(id_number(7))
    phone.get_by_label("姓名").fill("岩罕龙")
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator("#checked-in")).to_contain_text("您今天已经签到过了")

    trainee = Trainee.objects.get()
    assert trainee.region.name == "曼达村委会" and trainee.phone == "13800000007"
    assert Attendance.objects.filter(session=session, trainee=trainee).count() == 1
