"""The pages: who sees what (masked or not), the upload and its progress, check-in by phone."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.personal import mask_id_number
from cuncun.training import codes, services
from cuncun.training.models import Attendance, RosterImport, RosterImportStatus, Trainee
from cuncun.training.roster import read_roster
from tests.conftest import township
from tests.training.builders import id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import make_session

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


def test_the_training_office_sees_id_numbers_in_full(client, trained, training_office):
    page = _page(client, training_office, reverse("training:trainees"))
    assert YUXIANG in page and "13800000001" in page


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


def test_the_api_masks_id_numbers_for_all_but_the_training_office(
    client, trained, office_user, training_office
):
    client.force_login(office_user)
    masked = client.get("/api/training/trainees/").json()
    client.force_login(training_office)
    full = client.get("/api/training/trainees/").json()
    assert {t["id_number"] for t in masked} == {
        mask_id_number(YUXIANG),
        mask_id_number(id_number(2)),
    }
    assert {t["id_number"] for t in full} == {YUXIANG, id_number(2)}


def test_the_home_page_shows_the_plan_figures(client, trained, plan):
    page = client.get(reverse("training:home"), {"on": "2017-06-01"}).content.decode()
    assert 'data-code="training_person_times"' in page and "10,000" in page


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
