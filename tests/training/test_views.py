"""The pages: who sees what (masked or not), the upload and its progress, check-in by phone."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry
from cuncun.core.personal import mask_id_number
from cuncun.training import codes, services
from cuncun.training.models import (
    Attendance,
    AttendanceSource,
    RosterImport,
    RosterImportStatus,
    Trainee,
)
from cuncun.training.roster import read_roster
from tests.conftest import township
from tests.training.builders import id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import load_plan_changed, make_session

YUXIANG = id_number(1, female=True)


@pytest.fixture
def trained(session):
    rows = [
        person_row(1, name="玉香", female=True, phone="13800000001"),
        person_row(2, name="岩罕", township="勐龙镇", village="景龙村委会", phone="13800000002"),
    ]
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))
    return session


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_training_office_sees_lists_masked_and_opens_one_id_number_in_full_audited(
    client, trained, training_office
):
    page = _page(client, training_office, reverse("training:trainees"))
    assert YUXIANG not in page and mask_id_number(YUXIANG) in page
    yuxiang = Trainee.objects.get(name="玉香")
    url = reverse("training:trainee", args=[yuxiang.pk])
    assert YUXIANG not in _page(client, training_office, url)

    shown = client.post(url).content.decode()

    assert YUXIANG in shown and "13800000001" in shown
    entry = AuditEntry.objects.for_object(yuxiang).get(action="personal_data.shown")
    assert entry.actor == training_office and entry.after == {"fields": ["id_number", "phone"]}
    # the page lists who saw the full numbers, and the list pages stay masked
    seen = _page(client, training_office, url)
    assert YUXIANG not in seen and str(training_office) in seen.split('id="views"')[1]
    assert YUXIANG not in _page(client, training_office, reverse("training:trainees"))


def test_only_the_training_office_may_open_an_id_number_in_full(client, trained, office_user):
    yuxiang = Trainee.objects.get(name="玉香")
    client.force_login(office_user)
    shown = client.post(reverse("training:trainee", args=[yuxiang.pk])).content.decode()
    assert YUXIANG not in shown and "只有培训办" in shown
    assert not AuditEntry.objects.for_object(yuxiang).filter(action="personal_data.shown").exists()


def test_the_county_office_sees_them_masked(client, trained, office_user):
    page = _page(client, office_user, reverse("training:trainees"))
    assert YUXIANG not in page and mask_id_number(YUXIANG) in page
    assert "13800000001" not in page and "138****0001" in page


def test_township_staff_see_their_townships_trainees_masked(client, trained, gasa_staff):
    page = _page(client, gasa_staff, reverse("training:trainees"))
    assert "玉香" in page and "岩罕" not in page
    assert mask_id_number(YUXIANG) in page and YUXIANG not in page
    other = Trainee.objects.get(name="岩罕")
    client.force_login(gasa_staff)
    assert client.get(reverse("training:trainee", args=[other.pk])).status_code == 404


def test_the_session_page_shows_township_staff_only_their_people(client, trained, gasa_staff):
    page = _page(client, gasa_staff, reverse("training:session", args=[trained.code]))
    assert "玉香" in page and "岩罕" not in page
    assert "导入花名册" not in page  # no import for township staff


def test_merchants_and_the_public_see_no_trainees(client, trained, make_user):
    assert client.get(reverse("training:trainees")).status_code == 302  # to the login page
    merchant = make_user("shop", Role.MERCHANT, township("勐龙镇"))
    client.force_login(merchant)
    assert client.get(reverse("training:trainees")).status_code == 403
    assert client.get("/api/training/trainees/").status_code == 403


def test_the_api_masks_id_numbers_even_for_the_training_office(
    client, trained, office_user, training_office
):
    client.force_login(office_user)
    masked = client.get("/api/training/trainees/").json()
    client.force_login(training_office)
    theirs = client.get("/api/training/trainees/").json()
    expected = {mask_id_number(YUXIANG), mask_id_number(id_number(2))}
    assert {t["id_number"] for t in masked} == {t["id_number"] for t in theirs} == expected


def test_the_training_office_opens_one_trainees_id_number_through_the_api_and_it_is_audited(
    client, trained, office_user, training_office
):
    person = Trainee.objects.with_id_number(YUXIANG).get()
    url = f"/api/training/trainees/{person.pk}/personal-data"
    # The county office reads the trainees but may not open their ID numbers
    client.force_login(office_user)
    assert client.post(url).status_code == 403
    client.force_login(training_office)

    opened = client.post(url).json()

    assert opened["id_number"] == YUXIANG
    entry = AuditEntry.objects.get(action="personal_data.shown")
    assert entry.actor == training_office and entry.object_id == str(person.pk)


def _part(page: str, element_id: str) -> str:
    """The text of the element with that id (to the end of its line)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*)', page)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def test_the_home_page_names_the_plans_own_person_times_target(client, county, tmp_path):
    load_plan_changed(tmp_path, {"training_person_times": {"value": 12345}})
    page = client.get(reverse("training:home"), {"on": "2017-06-01"}).content.decode()
    assert "12,345" in _part(page, "plan-lead") and "10,000" not in page
    assert 'data-code="training_person_times"' in page


def test_the_home_page_shows_what_is_left_of_the_training_cap(client, county, awareness, tmp_path):
    load_plan_changed(tmp_path, {"training_cap": {"amount": 100000}})
    make_session(awareness, code="S-1", first=date(2017, 3, 1), cost="30000")
    make_session(awareness, code="S-2", first=date(2018, 3, 1), cost="25000")  # still to come
    page = client.get(reverse("training:home"), {"on": "2017-06-01"}).content.decode()
    assert "¥30,000.00" in page and "¥100,000.00" in page  # spent up to the day, of the cap
    committed_and_left = _part(page, "fund-left")
    assert "¥55,000.00" in committed_and_left and "¥45,000.00" in committed_and_left


def _talents_page(client, region):
    return client.get(
        reverse("training:talents"), {"on": "2017-06-01", "region": region.pk}
    ).content.decode()


def test_the_talents_page_shows_the_plans_bounds_and_flags_a_village_above_them(
    client, county, advanced, tmp_path
):
    session = make_session(advanced, code="S-ADV", first=date(2017, 5, 1))
    rows = [person_row(1), person_row(2), person_row(3, village="曼播村委会")]
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))
    services.issue_certificates(actor=None, session=session, issued_on=date(2017, 5, 1))
    load_plan_changed(tmp_path, {"village_talents_max": {"value": 1}})

    page = _talents_page(client, township("嘎洒镇"))

    assert "1 至 1 名" in _part(page, "talents-plan")
    flagged = re.findall(r"<tr[^>]*><td>([^<]+)</td>(?:(?!</tr>).)*above-plan", page, flags=re.S)
    assert flagged == ["曼达村委会"]  # two talents, the plan says at most one
    load_plan_changed(tmp_path, {"village_talents_max": {"value": 3}})
    page = _talents_page(client, township("嘎洒镇"))
    assert "1 至 3 名" in _part(page, "talents-plan") and "above-plan" not in page
    assert 'id="lacking-count">' in page


def test_the_office_edits_a_session_from_its_form(client, session, training_office):
    client.force_login(training_office)
    url = reverse("training:session_edit", args=[session.code])
    form = client.get(url).content.decode()
    assert 'value="嘎洒镇文化站"' in form and 'value="2017-05-12"' in form

    response = client.post(url, _session_form(session, cost="12000.00", capacity="30"))

    assert response.status_code == 302 and response.url.endswith(f"/sessions/{session.code}/")
    session.refresh_from_db()
    assert (session.cost, session.capacity) == (Decimal("12000.00"), 30)
    entry = AuditEntry.objects.get(action="training.update_session")
    assert entry.actor == training_office and entry.after["capacity"] == 30


def test_an_edit_past_the_training_cap_says_what_is_left_and_changes_nothing(
    client, county, awareness, training_office, tmp_path
):
    load_plan_changed(tmp_path, {"training_cap": {"amount": 20000}})
    session = make_session(awareness, code="2017-001", first=date(2017, 5, 12), cost="10000")
    client.force_login(training_office)

    response = client.post(
        reverse("training:session_edit", args=[session.code]),
        _session_form(session, cost="25000.00"),
    )

    page = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in page and "¥20,000.00" in page
    session.refresh_from_db()
    assert session.cost == Decimal("10000.00")


def _session_form(session, **changes) -> dict:
    data = {
        "title": session.title,
        "starts_on": session.starts_on.isoformat(),
        "ends_on": session.ends_on.isoformat(),
        "place": session.place,
        "region": session.region_id,
        "trainer": session.trainer,
        "institution": session.institution,
        "funding_source": session.funding_source,
        "cost": str(session.cost),
        "capacity": session.capacity or "",
        "certificate_min_days": session.certificate_min_days or "",
    }
    return data | changes


def test_the_office_marks_someone_present_by_hand_from_the_session_page(
    client, county, trained, awareness, training_office
):
    later = make_session(awareness, code="2017-002", first=date(2017, 6, 2))
    client.force_login(training_office)
    url = reverse("training:record_attendance", args=[later.code])

    client.post(url, {"id_number": YUXIANG, "day": "2017-06-02"})
    unknown = client.post(url, {"id_number": id_number(77), "day": "2017-06-02"}, follow=True)

    attendance = Attendance.objects.get(session=later)
    assert attendance.trainee.name == "玉香" and attendance.source == AttendanceSource.MANUAL
    assert "没有该身份证号的学员" in unknown.content.decode()
    page = client.get(reverse("training:session", args=[later.code])).content.decode()
    assert 'id="session-persons">1<' in page


def test_uploading_a_roster_with_a_bad_row_shows_the_row_and_imports_nothing(
    client, session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(training_office)
    data = roster_file([person_row(1), person_row(2, id_value=wrong_checksum(id_number(2)))])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("training:roster_upload", args=[session.code]),
            {"file": SimpleUploadedFile("花名册.xlsx", data)},
        )
    job = RosterImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("training:import", args=[job.pk])

    page = client.get(response.url).content.decode()

    assert 'data-status="needs_decision"' in page and "hx-get" not in page
    assert "第 4 行" in page and "校验位不符" in page
    assert not Trainee.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training:import_good_rows", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE and Trainee.objects.count() == 1


def test_the_progress_row_polls_while_the_import_runs(client, session, training_office):
    # The database backend queues the task; no worker has run it yet.
    client.force_login(training_office)
    client.post(
        reverse("training:roster_upload", args=[session.code]),
        {"file": SimpleUploadedFile("r.xlsx", roster_file([person_row(1)]))},
    )
    job = RosterImport.objects.get()
    fragment = client.get(reverse("training:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'data-status="queued"' in fragment

    services.process_roster_import(import_id=job.pk)  # what the worker does

    fragment = client.get(reverse("training:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in fragment and 'data-status="done"' in fragment


def test_the_import_page_tells_row_by_row_which_rows_were_merged(
    client, session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(training_office)
    data = roster_file([person_row(1), person_row(2), person_row(1, days="2017-05-12")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("training:roster_upload", args=[session.code]),
            {"file": SimpleUploadedFile("花名册.xlsx", data)},
        )

    page = client.get(response.url).content.decode()

    assert 'data-status="done"' in page and Trainee.objects.count() == 2
    assert 'id="merged-rows"' in page
    assert "第 5 行: 与第 3 行是同一人" in page


def test_township_staff_cannot_upload_rosters(client, session, gasa_staff):
    client.force_login(gasa_staff)
    response = client.post(
        reverse("training:roster_upload", args=[session.code]),
        {"file": SimpleUploadedFile("r.xlsx", roster_file([person_row(1)]))},
    )
    assert response.status_code == 403 and not RosterImport.objects.exists()


def _checkin_url(session, day):
    return reverse(
        "training:checkin",
        args=[session.code, day.strftime("%Y%m%d"), codes.checkin_token(session.code, day)],
    )


def test_checking_in_from_a_phone_registers_then_counts_once(client, county, awareness):
    today = timezone.localdate()
    session = make_session(awareness, code="T-1", first=today, last=today + timedelta(days=1))
    url = _checkin_url(session, today)
    manda = township("嘎洒镇").children.get(name="曼达村委会")

    asked = client.post(url, {"id_number": id_number(5), "name": "岩温"}).content.decode()
    assert 'name="village"' in asked  # first time: asked to register

    done = client.post(
        url,
        {
            "id_number": id_number(5),
            "name": "岩温",
            "register": "1",
            "village": manda.pk,
            "phone": "",
        },
    ).content.decode()
    again = client.post(url, {"id_number": id_number(5), "name": "岩温"}).content.decode()

    assert 'id="checked-in"' in done and 'id="checked-in"' in again
    assert Attendance.objects.filter(session=session, day=today).count() == 1
    assert id_number(5) not in done  # the page never shows the number back


def test_a_forged_check_in_link_is_refused(client, session):
    url = reverse("training:checkin", args=[session.code, "20170512", "f" * 16])
    assert client.get(url).status_code == 404


def test_a_certificate_verifies_by_its_qr_code_and_a_forged_one_does_not(
    client, trained, training_office
):
    certificate = services.issue_certificates(
        actor=None, session=trained, issued_on=date(2017, 5, 14)
    )[0]
    client.force_login(training_office)
    printable = client.get(
        reverse("training:certificate", args=[certificate.number])
    ).content.decode()
    check = codes.certificate_check(certificate.number)
    assert f"/training/verify/{certificate.number}/{check}/" in printable and "<svg" in printable
    client.logout()

    genuine = client.get(reverse("training:verify", args=[certificate.number, check]))
    forged = client.get(reverse("training:verify", args=[certificate.number, "0" * 16]))

    assert genuine.status_code == 200 and certificate.trainee.name in genuine.content.decode()
    assert certificate.trainee.id_number not in genuine.content.decode()
    assert forged.status_code == 404


def test_the_check_in_code_page_shows_a_qr_code_for_the_day(client, session, training_office):
    client.force_login(training_office)
    page = client.get(
        reverse("training:checkin_code", args=[session.code]), {"day": "2017-05-13"}
    ).content.decode()
    assert "<svg" in page and _checkin_url(session, date(2017, 5, 13)) in page


def test_scheduling_a_session_from_the_form(client, county, awareness, training_office):
    client.force_login(training_office)
    response = client.post(
        reverse("training:session_new"),
        {
            "course": awareness.pk,
            "code": "",
            "title": "勐龙镇电商普及班",
            "starts_on": "2017-08-01",
            "ends_on": "2017-08-02",
            "place": "勐龙镇文化站",
            "region": township("勐龙镇").pk,
            "funding_source": "special_fund",
            "cost": "9800.00",
        },
    )
    assert response.status_code == 302 and response.url.endswith("/training/sessions/2017-001/")


def test_a_stalled_import_stops_polling_and_offers_to_run_again_or_discard(
    client, session, training_office
):
    client.force_login(training_office)
    client.post(
        reverse("training:roster_upload", args=[session.code]),
        {"file": SimpleUploadedFile("r.xlsx", roster_file([person_row(1)]))},
    )
    job = RosterImport.objects.get()
    RosterImport.objects.filter(pk=job.pk).update(  # its worker died while checking the rows
        status=RosterImportStatus.VALIDATING,
        progressed_at=timezone.now() - timedelta(hours=1),
    )

    fragment = client.get(reverse("training:import_progress", args=[job.pk])).content.decode()

    assert 'data-status="stalled"' in fragment and "hx-get" not in fragment
    assert reverse("training:import_retry", args=[job.pk]) in fragment
    assert reverse("training:import_discard", args=[job.pk]) in fragment
    client.post(reverse("training:import_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RosterImportStatus.QUEUED and not job.is_stalled


def test_check_ins_that_match_no_trainee_are_held_back_per_address(
    client, county, awareness, settings
):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "checkin": (2, 600)}
    today = timezone.localdate()
    session = make_session(awareness, code="T-2", first=today, last=today)
    url = _checkin_url(session, today)
    for n in (6, 7):  # probing: numbers nobody registered
        asked = client.post(url, {"id_number": id_number(n), "name": "岩温"}).content.decode()
        assert 'name="village"' in asked

    held = client.post(url, {"id_number": id_number(8), "name": "岩温"}).content.decode()
    elsewhere = Client(REMOTE_ADDR="198.51.100.7").post(
        url, {"id_number": id_number(8), "name": "岩温"}
    )

    assert "短时间内尝试次数过多" in held and 'name="village"' not in held
    assert 'name="village"' in elsewhere.content.decode()  # another address is not held back
