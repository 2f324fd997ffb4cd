"""Browser: the training office imports a trainer's roster that has one bad row."""

import re
from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cuncun.accounts.models import Role
from cuncun.training.models import Attendance, CourseKind, FundingSource, Trainee
from cuncun.training.services import SessionPlan, create_course, schedule_session
from tests.conftest import PASSWORD, township
from tests.e2e.conftest import log_in
from tests.training.builders import id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import join_training_office

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def office(make_user, plan):
    user = make_user("peixun", Role.MEMBER_DEPARTMENT)
    join_training_office(user, plan)
    return user


@pytest.fixture
def session(county):
    course = create_course(
        actor=None, code="awareness", name="电商普及培训", kind=CourseKind.AWARENESS
    )
    return schedule_session(
        actor=None,
        plan=SessionPlan(
            course=course,
            code="2017-001",
            starts_on=date(2017, 5, 12),
            ends_on=date(2017, 5, 13),
            place="嘎洒镇文化站",
            region=township("嘎洒镇"),
            funding_source=FundingSource.SPECIAL_FUND,
            cost="8000",
        ),
    )


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "花名册.xlsx"
    rows = [
        person_row(1, name="玉香", female=True),
        person_row(2, name="岩温", id_value=wrong_checksum(id_number(2))),
        person_row(3, name="岩罕"),
    ]
    path.write_bytes(roster_file(rows))
    return path


def _upload(page, live_server, session, roster):
    page.goto(f"{live_server.url}/training/sessions/{session.code}/")
    page.get_by_label("花名册（.xlsx）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并导入").click()


def test_a_roster_with_one_bad_row_names_it_and_imports_the_good_rows_when_asked(
    live_server, phone, settings, office, session, roster
):
    settings.TASKS = IMMEDIATE
    log_in(phone, live_server, "peixun", PASSWORD)

    _upload(phone, live_server, session, roster)

    expect(phone.locator("#import-status")).to_contain_text("有错误行：未导入")
    # one bad row: the 4th, for its check digit
    expect(phone.locator("#bad-rows li")).to_have_text([re.compile(r"^第 4 行.*校验位不符", re.S)])
    assert not Trainee.objects.exists()

    phone.get_by_role("button", name="只导入 2 个正确的行").click()

    expect(phone.locator("#import-state")).to_contain_text("已导入")
    expect(phone.locator("#import-result")).to_contain_text("新学员 2 人")
    assert set(Trainee.objects.values_list("name", flat=True)) == {"玉香", "岩罕"}
    assert Attendance.objects.count() == 4


def test_the_import_page_follows_the_worker_until_it_is_done(
    live_server, phone, office, session, tmp_path
):
    # The database task backend: the page polls until a worker (`cuncun db_worker`) has run it.
    path = tmp_path / "ok.xlsx"
    path.write_bytes(roster_file([person_row(n) for n in range(1, 6)]))
    log_in(phone, live_server, "peixun", PASSWORD)

    _upload(phone, live_server, session, path)
    expect(phone.locator("#import-status")).to_have_attribute("data-status", "queued")
    expect(phone.locator("#import-status")).to_contain_text("等待后台导入")

    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)

    phone.wait_for_selector("#import-status[data-status=done]", timeout=10_000)
    expect(phone.locator("#import-result")).to_contain_text("新学员 5 人")
    assert Trainee.objects.count() == 5
