"""Browser: the training office at work — scheduling a session and marking someone present by
hand, issuing and printing certificates that the public verifies by their QR code (until one is
revoked), and showing the day's check-in code that a trainee's phone checks in with."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.training.models import (
    Attendance,
    AttendanceSource,
    CourseKind,
    FundingSource,
    TrainingSession,
)
from cuncun.training.roster import read_roster
from cuncun.training.services import (
    Person,
    SessionPlan,
    create_course,
    import_roster,
    register_trainee,
    schedule_session,
)
from tests.conftest import PASSWORD, township, village
from tests.e2e.conftest import log_in
from tests.training.builders import id_number, person_row, roster_file
from tests.training.conftest import join_training_office


@pytest.fixture
def office(make_user, plan):
    user = make_user("peixun", Role.MEMBER_DEPARTMENT)
    join_training_office(user, plan)
    return user


@pytest.fixture
def course(db):
    return create_course(
        actor=None, code="awareness", name="电商普及培训", kind=CourseKind.AWARENESS
    )


@pytest.fixture
def stranger(browser):
    """Someone else's phone: not logged in."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _session(course, first: date, last: date, code: str) -> TrainingSession:
    return schedule_session(
        actor=None,
        plan=SessionPlan(
            course=course,
            code=code,
            starts_on=first,
            ends_on=last,
            place="嘎洒镇文化站",
            region=township("嘎洒镇"),
            funding_source=FundingSource.SPECIAL_FUND,
            cost="6000",
        ),
    )


def test_the_office_schedules_a_session_and_marks_someone_present_by_hand(
    live_server, phone, office, course
):
    register_trainee(
        actor=None,
        person=Person(id_number=id_number(11), name="玉香", region=village("嘎洒镇", "曼达村委会")),
    )
    log_in(phone, live_server, "peixun", PASSWORD)

    phone.goto(f"{live_server.url}/training/sessions/")
    phone.get_by_role("link", name="新建培训期次").click()
    expect(phone.locator("#fund-left")).to_contain_text("专项资金培训额度剩余 ¥2,000,000.00")
    phone.get_by_label("课程").select_option(label="电商普及培训")
    phone.get_by_label("班名").fill("勐龙镇电商普及班")
    phone.get_by_label("开班日期").fill("2017-08-01")
    phone.get_by_label("结业日期").fill("2017-08-02")
    phone.get_by_label("培训地点").fill("勐龙镇文化站")
    phone.get_by_label("乡镇").select_option(label="勐龙镇")
    phone.get_by_label("经费来源").select_option(FundingSource.SPECIAL_FUND)
    phone.get_by_label("费用（元）").fill("9800")
    phone.get_by_role("button", name="保存").click()

    expect(phone.locator(".messages")).to_contain_text("已新建培训期次 2017-001")
    expect(phone.locator("#facts")).to_contain_text("勐龙镇文化站")

    entry = phone.locator("#attendance-entry")
    entry.get_by_label("身份证号").fill(id_number(11))
    entry.get_by_label("日期").fill("2017-08-02")
    entry.get_by_role("button", name="登记出勤").click()

    expect(phone.locator(".messages")).to_contain_text("已登记 玉香 出勤")
    row = phone.locator("#attendance tbody tr")
    expect(row).to_contain_text("玉香")
    expect(row.locator("td:nth-last-child(2)")).to_have_text("")  # 08-01
    expect(row.locator("td:last-child")).to_have_text("✓")  # 08-02
    attendance = Attendance.objects.get()
    assert attendance.session.code == "2017-001" and attendance.source == AttendanceSource.MANUAL


def test_a_certificate_is_issued_printed_and_verified_by_its_qr_url_until_revoked(
    live_server, phone, stranger, office, course
):
    session = _session(course, date(2017, 5, 12), date(2017, 5, 13), "2017-001")
    import_roster(
        actor=None,
        session=session,
        sheet=read_roster(roster_file([person_row(1, name="岩温")])),
    )
    log_in(phone, live_server, "peixun", PASSWORD)

    phone.goto(f"{live_server.url}/training/sessions/{session.code}/")
    phone.get_by_role("button", name="发放结业证书").click()
    expect(phone.locator(".messages")).to_contain_text("已发放 1 张结业证书")

    phone.get_by_role("link", name="打印结业证书").click()
    expect(phone.locator(".certificate")).to_contain_text("岩温")
    phone.wait_for_load_state()  # and its script, which makes the print button print
    phone.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    phone.get_by_role("button", name="打印").click()
    expect(phone.locator("body")).to_have_attribute("data-printed", "yes")
    phone.emulate_media(media="print")
    expect(phone.get_by_role("button", name="打印")).to_be_hidden()  # only the certificate
    expect(phone.locator(".certificate")).to_be_visible()
    phone.emulate_media(media="screen")

    phone.goto(f"{live_server.url}/training/certificates/2017-001-0001/")
    verify_url = phone.get_by_role("link", name="验证页面").get_attribute("href")
    expect(phone.locator(".qr svg")).to_have_count(1)  # the QR code encodes the same address

    stranger.goto(verify_url)
    verdict = stranger.locator("#verdict")
    expect(verdict).to_contain_text("该证书真实有效")
    expect(verdict).to_contain_text("岩温")
    expect(verdict).not_to_contain_text(id_number(1))

    phone.get_by_label("原因").fill("冒名顶替")
    phone.get_by_role("button", name="撤销此证书").click()
    expect(phone.locator(".messages")).to_contain_text("已撤销证书 2017-001-0001。")

    stranger.goto(verify_url)
    expect(verdict).to_contain_text("该证书已被撤销")


def test_the_check_in_code_page_shows_a_code_whose_address_checks_a_trainee_in(
    live_server, phone, stranger, office, course
):
    today = timezone.localdate()
    session = _session(course, today, today + timedelta(days=1), "2017-009")
    register_trainee(
        actor=None,
        person=Person(id_number=id_number(12), name="岩罕", region=village("嘎洒镇", "曼达村委会")),
    )
    log_in(phone, live_server, "peixun", PASSWORD)

    phone.goto(f"{live_server.url}/training/sessions/{session.code}/")
    phone.get_by_role("link", name="签到二维码").click()
    expect(phone.locator(".qr svg")).to_have_count(1)
    expect(phone.locator(".card")).to_contain_text(today.isoformat())
    address = phone.locator("#checkin-link").get_attribute("href")

    stranger.goto(address)
    stranger.get_by_label("身份证号").fill(id_number(12))
    stranger.get_by_label("姓名").fill("岩罕")
    stranger.get_by_role("button", name="签到").click()

    expect(stranger.locator("#checked-in")).to_contain_text("签到成功")
    attendance = Attendance.objects.get()
    assert attendance.session == session and attendance.day == today
    assert attendance.source == AttendanceSource.CHECK_IN
