"""Sessions, phone check-in, certificates and the background roster import."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.training import codes, services
from cuncun.training.models import (
    Attendance,
    AttendanceSource,
    Certificate,
    FundingSource,
    RosterImport,
    RosterImportStatus,
    Trainee,
)
from cuncun.training.roster import read_roster
from tests.conftest import township, village
from tests.training.builders import id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import make_session


@pytest.fixture
def today_session(county, awareness):
    today = timezone.localdate()
    return make_session(
        awareness, code="T-TODAY", first=today - timedelta(days=1), last=today + timedelta(days=1)
    )


def _person(n=1, name="岩温", **extra):
    return services.Person(id_number=id_number(n), name=name, **extra)


# --- sessions -----------------------------------------------------------------------------------


def test_a_session_gets_the_next_code_of_its_year(county, awareness):
    first = make_session(awareness, code="", first=date(2017, 3, 1))
    second = make_session(awareness, code="", first=date(2017, 4, 1))
    assert (first.code, second.code) == ("2017-001", "2017-002")


def test_a_session_with_its_last_day_before_its_first_is_refused(county, awareness):
    with pytest.raises(InvalidInput):
        make_session(awareness, code="X-1", first=date(2017, 3, 2), last=date(2017, 3, 1))


def test_a_session_in_a_village_is_refused(county, awareness):
    with pytest.raises(InvalidInput):
        services.schedule_session(
            actor=None,
            plan=services.SessionPlan(
                course=awareness,
                starts_on=date(2017, 3, 1),
                ends_on=date(2017, 3, 1),
                place="村委会",
                region=village("嘎洒镇", "曼达村委会"),
                funding_source=FundingSource.SPECIAL_FUND,
            ),
        )


def _plan(course, **extra):
    return services.SessionPlan(
        course=course,
        starts_on=date(2017, 3, 1),
        ends_on=date(2017, 3, 1),
        place="文化站",
        region=township("嘎洒镇"),
        funding_source=FundingSource.SPECIAL_FUND,
        **extra,
    )


def test_only_the_offices_schedule_sessions(
    county, awareness, gasa_staff, commerce_staff, training_office, office_user
):
    for refused in (gasa_staff, commerce_staff):
        with pytest.raises(NotAllowed):
            services.schedule_session(actor=refused, plan=_plan(awareness))
    for allowed in (training_office, office_user):
        session = services.schedule_session(actor=allowed, plan=_plan(awareness, cost="8000.50"))
        assert session.created_by == allowed


def test_changing_a_session_cost_is_audited(session, training_office):
    services.update_session(actor=training_office, session=session, cost="15000")
    entry = AuditEntry.objects.filter(action="training.update_session").get()
    assert entry.before["cost"] == "10000.00" and entry.after["cost"] == "15000.00"


def test_new_dates_may_not_leave_out_attended_days(session):
    services.import_roster(
        actor=None,
        session=session,
        sheet=read_roster(roster_file([person_row(1, days="2017-05-14")])),
    )
    with pytest.raises(InvalidInput):
        services.update_session(actor=None, session=session, ends_on=date(2017, 5, 13))


# --- check-in -----------------------------------------------------------------------------------


def test_checking_in_twice_the_same_day_is_one_attendance(today_session):
    today = timezone.localdate()
    token = codes.checkin_token(today_session.code, today)
    person = _person(region=village("嘎洒镇", "曼达村委会"), phone="13800000001")

    first = services.check_in(session=today_session, day=today, token=token, person=person)
    second = services.check_in(session=today_session, day=today, token=token, person=_person())

    assert first.created and first.registered
    assert not second.created and not second.registered
    assert second.attendance == first.attendance
    assert Attendance.objects.get().source == AttendanceSource.CHECK_IN


def test_yesterdays_code_does_not_work_today(today_session):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    with pytest.raises(InvalidInput):
        services.check_in(
            session=today_session,
            day=yesterday,
            token=codes.checkin_token(today_session.code, yesterday),
            person=_person(region=village("嘎洒镇", "曼达村委会")),
        )


def test_a_made_up_code_does_not_work(today_session):
    with pytest.raises(InvalidInput):
        services.check_in(
            session=today_session,
            day=timezone.localdate(),
            token="0000000000000000",
            person=_person(region=village("嘎洒镇", "曼达村委会")),
        )


def test_someone_unregistered_is_asked_for_their_village(today_session):
    today = timezone.localdate()
    with pytest.raises(services.RegistrationNeeded):
        services.check_in(
            session=today_session,
            day=today,
            token=codes.checkin_token(today_session.code, today),
            person=_person(),
        )
    assert not Trainee.objects.exists()


def test_the_name_must_match_the_registered_id_number(today_session):
    today = timezone.localdate()
    token = codes.checkin_token(today_session.code, today)
    services.check_in(
        session=today_session,
        day=today,
        token=token,
        person=_person(region=village("嘎洒镇", "曼达村委会")),
    )
    with pytest.raises(InvalidInput):
        services.check_in(
            session=today_session, day=today, token=token, person=_person(name="岩罕")
        )


def test_a_wrong_id_number_is_refused_at_check_in(today_session):
    today = timezone.localdate()
    person = services.Person(
        id_number=wrong_checksum(id_number(1)),
        name="岩温",
        region=village("嘎洒镇", "曼达村委会"),
    )
    with pytest.raises(InvalidInput):
        services.check_in(
            session=today_session,
            day=today,
            token=codes.checkin_token(today_session.code, today),
            person=person,
        )


def test_the_audit_of_a_registration_holds_no_id_or_phone_number(today_session):
    today = timezone.localdate()
    services.check_in(
        session=today_session,
        day=today,
        token=codes.checkin_token(today_session.code, today),
        person=_person(region=village("嘎洒镇", "曼达村委会"), phone="13800000001"),
    )
    entry = AuditEntry.objects.get(action="training.register_trainee")
    assert id_number(1) not in str(entry.after) and "13800000001" not in str(entry.after)


# --- certificates -------------------------------------------------------------------------------


def test_certificates_go_to_those_who_attended_every_day(session):
    rows = [person_row(1), person_row(2, days="2017-05-12、2017-05-13")]
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))

    issued = services.issue_certificates(actor=None, session=session, issued_on=date(2017, 5, 14))
    again = services.issue_certificates(actor=None, session=session, issued_on=date(2017, 5, 20))

    assert [c.trainee.id_number for c in issued] == [id_number(1)]
    assert issued[0].number == "2017-001-0001"
    assert again == []


def test_a_session_may_need_fewer_days_for_a_certificate(session):
    services.update_session(actor=None, session=session, certificate_min_days=2)
    rows = [person_row(1, days="2017-05-12、2017-05-13"), person_row(2, days="2017-05-12")]
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))
    issued = services.issue_certificates(actor=None, session=session, issued_on=date(2017, 5, 14))
    assert len(issued) == 1


def test_no_certificates_before_the_session_ends(session):
    with pytest.raises(InvalidInput):
        services.issue_certificates(actor=None, session=session, issued_on=date(2017, 5, 13))


def test_a_revoked_certificate_needs_a_reason_and_is_revoked_once(session):
    services.import_roster(
        actor=None, session=session, sheet=read_roster(roster_file([person_row(1)]))
    )
    certificate = services.issue_certificates(
        actor=None, session=session, issued_on=date(2017, 5, 14)
    )[0]
    with pytest.raises(InvalidInput):
        services.revoke_certificate(actor=None, certificate=certificate, reason=" ")
    services.revoke_certificate(actor=None, certificate=certificate, reason="冒名顶替")
    with pytest.raises(Conflict):
        services.revoke_certificate(actor=None, certificate=certificate, reason="again")
    assert Certificate.objects.get().revoked_reason == "冒名顶替"


# --- the background import ----------------------------------------------------------------------


def _upload(session, actor, rows, *, good_rows_only=False, capture):
    with capture(execute=True):
        return services.start_roster_import(
            actor=actor,
            session=session,
            file_name="花名册.xlsx",
            content=roster_file(rows),
            good_rows_only=good_rows_only,
        )


def test_a_clean_roster_imports_in_the_background_and_forgets_the_file(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    job = _upload(
        session,
        training_office,
        [person_row(1), person_row(2)],
        capture=django_capture_on_commit_callbacks,
    )

    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE
    assert (job.total_rows, job.processed_rows, job.good_rows, job.bad_rows) == (2, 2, 2, 0)
    assert job.result["new_trainees"] == 2 and job.result["attendances"] == 6
    assert job.content is None  # the ID numbers are now stored once, on the trainees
    assert Attendance.objects.filter(roster_import=job).count() == 6


def test_a_roster_with_bad_rows_waits_for_the_users_choice(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    rows = [person_row(1), person_row(2, id_value=wrong_checksum(id_number(2))), person_row(3)]
    job = _upload(session, training_office, rows, capture=django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == RosterImportStatus.NEEDS_DECISION
    assert [p["row"] for p in job.problems] == [4]
    assert not Trainee.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.import_good_rows(actor=training_office, roster_import=job)

    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE and job.good_rows == 2 and job.bad_rows == 1
    assert Trainee.objects.count() == 2


def test_discarding_a_roster_forgets_its_content(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    rows = [person_row(1, id_value=wrong_checksum(id_number(1)))]
    job = _upload(session, training_office, rows, capture=django_capture_on_commit_callbacks)
    services.discard_roster_import(actor=training_office, roster_import=job)
    job.refresh_from_db()
    assert job.status == RosterImportStatus.DISCARDED and job.content is None
    with pytest.raises(Conflict):
        services.import_good_rows(actor=training_office, roster_import=job)


def test_a_file_that_is_not_excel_fails_clearly(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_roster_import(
            actor=training_office,
            session=session,
            file_name="list.csv",
            content=b"name,id\n",
            good_rows_only=False,
        )
    job.refresh_from_db()
    assert job.status == RosterImportStatus.FAILED and ".xlsx" in job.error


def test_running_a_finished_import_again_changes_nothing(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    job = _upload(
        session, training_office, [person_row(1)], capture=django_capture_on_commit_callbacks
    )
    outcome = services.process_roster_import(import_id=job.pk)
    assert outcome["status"] == RosterImportStatus.DONE
    assert Attendance.objects.count() == 3 and RosterImport.objects.count() == 1
