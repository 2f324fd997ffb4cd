"""Sessions, phone check-in, certificates and the background roster import."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.training import codes, queries, services
from cuncun.training.models import (
    Attendance,
    AttendanceSource,
    Certificate,
    FundingSource,
    Gender,
    RosterImport,
    RosterImportStatus,
    Trainee,
    TrainingSession,
)
from cuncun.training.roster import read_roster
from tests.conftest import township, village
from tests.training.builders import HEADER, id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import load_plan_changed, make_session


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
    kept = read_roster(bytes(job.content))  # only what the decision needs: the good rows
    assert [(r.row, r.values["id_number"]) for r in kept.rows] == [
        (3, id_number(1)),
        (5, id_number(3)),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.import_good_rows(actor=training_office, roster_import=job)

    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE and job.good_rows == 2 and job.bad_rows == 1
    assert job.total_rows == 3 and [p["row"] for p in job.problems] == [4]
    assert job.content is None
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


# --- codes, text and numbers --------------------------------------------------------------------


def test_a_session_code_already_taken_is_refused_with_a_message(county, awareness):
    make_session(awareness, code="2017-001", first=date(2017, 3, 1))
    with pytest.raises(Conflict, match="2017-001"):
        make_session(awareness, code="2017-001", first=date(2017, 4, 1))
    assert TrainingSession.objects.count() == 1


def test_a_course_code_already_taken_is_refused_with_a_message(awareness):
    with pytest.raises(Conflict, match="awareness"):
        services.create_course(actor=None, code="awareness", name="又一个", kind="awareness")


@pytest.mark.parametrize(
    "extra",
    [
        {"title": "长" * 151},
        {"trainer": "长" * 101},
        {"cost": "-1"},
        {"cost": "1000000000000"},
        {"capacity": 0},
        {"capacity": 2**31},
    ],
)
def test_too_long_text_negative_or_too_large_numbers_schedule_nothing(county, awareness, extra):
    with pytest.raises(InvalidInput):
        services.schedule_session(actor=None, plan=_plan(awareness, **extra))
    assert not TrainingSession.objects.exists()


def test_texts_longer_than_their_columns_and_costs_out_of_range_say_which_and_how_far(
    county, awareness
):
    with pytest.raises(InvalidInput) as refused:
        services.schedule_session(
            actor=None, plan=_plan(awareness, title="长" * 151, trainer="长" * 101, cost="-1")
        )
    problems = refused.value.details["problems"]
    assert "班名有151个字，最多150个" in problems and "授课老师有101个字，最多100个" in problems
    assert any(p.startswith("费用（元）必须在 0 到 ") for p in problems)
    with pytest.raises(InvalidInput, match="费用（元）不是数字：很多"):
        services.schedule_session(actor=None, plan=_plan(awareness, cost="很多"))
    with pytest.raises(InvalidInput, match="名称有101个字，最多100个"):
        services.create_course(actor=None, code="long", name="长" * 101, kind=awareness.kind)
    with pytest.raises(InvalidInput, match="姓名有51个字，最多50个"):  # a person's, not 名称
        services.register_trainee(
            actor=None, person=_person(1, name="长" * 51, region=village("嘎洒镇", "曼达村委会"))
        )
    assert not TrainingSession.objects.exists() and not Trainee.objects.exists()


# --- the special fund's training cap ------------------------------------------------------------


@pytest.fixture
def small_cap(plan, tmp_path):
    """The plan with its training cap (支持培训体系建设不超过…) lowered to ¥50,000 (loaded after
    the bundled plan, which other fixtures load)."""
    return load_plan_changed(tmp_path, {"training_cap": {"amount": 50000}})


def test_a_special_fund_session_beyond_the_training_cap_is_refused_saying_what_is_left(
    small_cap, awareness
):
    make_session(awareness, code="S-1", first=date(2017, 3, 1), cost="30000")

    with pytest.raises(services.TrainingFundCapExceeded) as refused:
        make_session(awareness, code="S-2", first=date(2017, 4, 1), cost="20000.01")

    assert "¥20,000.00" in str(refused.value.message) and "¥50,000.00" in str(refused.value.message)
    assert refused.value.details["left"] == Decimal("20000.00")
    assert not TrainingSession.objects.filter(code="S-2").exists()
    make_session(awareness, code="S-3", first=date(2017, 4, 1), cost="20000")  # all that is left
    assert queries.training_fund(small_cap).left == 0


def test_sessions_paid_otherwise_or_before_the_plan_do_not_count_against_the_cap(
    small_cap, awareness
):
    make_session(awareness, code="S-0", first=date(2016, 6, 1), cost="90000")  # before the plan
    make_session(
        awareness,
        code="S-1",
        first=date(2017, 3, 1),
        cost="90000",
        funding_source=FundingSource.EMPLOYMENT_FUND,
    )
    make_session(awareness, code="S-2", first=date(2017, 4, 1), cost="50000")
    assert queries.training_fund(small_cap).committed == Decimal("50000.00")


def test_raising_a_sessions_cost_past_the_cap_is_refused_and_lowering_it_is_not(
    small_cap, awareness, training_office
):
    session = make_session(awareness, code="S-1", first=date(2017, 3, 1), cost="40000")
    other = make_session(
        awareness,
        code="S-2",
        first=date(2017, 4, 1),
        cost="15000",
        funding_source=FundingSource.EMPLOYMENT_FUND,
    )

    with pytest.raises(services.TrainingFundCapExceeded, match=re.escape("¥50,000.00")):
        services.update_session(actor=training_office, session=session, cost="60000")
    services.update_session(actor=training_office, session=session, cost="45000")
    with pytest.raises(services.TrainingFundCapExceeded, match=re.escape("¥5,000.00")):
        services.update_session(
            actor=training_office, session=other, funding_source=FundingSource.SPECIAL_FUND
        )

    session.refresh_from_db()
    other.refresh_from_db()
    assert session.cost == Decimal("45000.00")
    assert other.funding_source == FundingSource.EMPLOYMENT_FUND


def test_a_lowered_cap_does_not_stop_changes_that_take_no_more_of_the_fund(
    county, awareness, tmp_path
):
    load_plan_changed(tmp_path, {"training_cap": {"amount": 50000}})
    session = make_session(awareness, code="S-1", first=date(2017, 3, 1), cost="40000")
    load_plan_changed(tmp_path, {"training_cap": {"amount": 30000}})

    services.update_session(actor=None, session=session, title="改名的培训班")
    with pytest.raises(services.TrainingFundCapExceeded):
        services.update_session(actor=None, session=session, cost="40000.01")


# --- attendance by hand, registration, places ---------------------------------------------------


def _registered(n=1, name="岩温", **extra):
    return services.register_trainee(
        actor=None, person=_person(n, name, region=village("嘎洒镇", "曼达村委会"), **extra)
    )


def test_marking_someone_present_by_hand_counts_once_and_is_audited(session, training_office):
    trainee = _registered()

    first, created = services.record_attendance(
        actor=training_office, session=session, trainee=trainee, day=date(2017, 5, 13)
    )
    again, created_again = services.record_attendance(
        actor=training_office, session=session, trainee=trainee, day=date(2017, 5, 13)
    )

    assert created and not created_again and again == first
    assert first.source == AttendanceSource.MANUAL and first.recorded_by == training_office
    entry = AuditEntry.objects.get(action="training.record_attendance")
    assert entry.actor == training_office
    assert entry.after == {
        "session": "2017-001",
        "trainee": trainee.pk,
        "day": "2017-05-13",
        "source": "manual",
    }


def test_attendance_by_hand_outside_the_days_or_by_township_staff_is_refused(session, gasa_staff):
    trainee = _registered()
    with pytest.raises(InvalidInput):
        services.record_attendance(
            actor=None, session=session, trainee=trainee, day=date(2017, 5, 15)
        )
    with pytest.raises(NotAllowed):
        services.record_attendance(
            actor=gasa_staff, session=session, trainee=trainee, day=date(2017, 5, 12)
        )
    assert not Attendance.objects.exists()


def test_a_newcomer_is_refused_in_a_full_session_and_someone_already_there_is_not(session):
    services.update_session(actor=None, session=session, capacity=1)
    there, newcomer = _registered(1), _registered(2, "岩罕")
    services.record_attendance(actor=None, session=session, trainee=there, day=date(2017, 5, 12))

    services.record_attendance(actor=None, session=session, trainee=there, day=date(2017, 5, 13))
    with pytest.raises(services.SessionFull, match="1"):
        services.record_attendance(
            actor=None, session=session, trainee=newcomer, day=date(2017, 5, 12)
        )

    assert Attendance.objects.filter(trainee=there).count() == 2
    assert not Attendance.objects.filter(trainee=newcomer).exists()


def test_a_session_cannot_have_fewer_places_than_the_people_who_came(session):
    services.import_roster(
        actor=None, session=session, sheet=read_roster(roster_file([person_row(1), person_row(2)]))
    )
    with pytest.raises(InvalidInput, match="2"):
        services.update_session(actor=None, session=session, capacity=1)
    services.update_session(actor=None, session=session, capacity=2)
    session.refresh_from_db()
    assert session.capacity == 2


def test_the_office_registers_a_trainee_with_gender_and_birth_date_from_the_id_number(
    county, training_office
):
    person = services.Person(
        id_number=id_number(3, female=True, born="19851203"),
        name="玉罕",
        region=village("嘎洒镇", "曼达村委会"),
        phone="13800000003",
        ethnicity="傣族",
        categories=["poverty_registered"],
    )

    trainee = services.register_trainee(actor=training_office, person=person)

    assert (trainee.gender, trainee.birth_date) == (Gender.FEMALE, date(1985, 12, 3))
    assert list(trainee.categories.values_list("category", flat=True)) == ["poverty_registered"]
    entry = AuditEntry.objects.get(action="training.register_trainee")
    assert entry.actor == training_office and entry.after["categories"] == ["poverty_registered"]
    assert person.id_number not in str(entry.after) and "13800000003" not in str(entry.after)
    with pytest.raises(Conflict):
        services.register_trainee(actor=training_office, person=person)
    assert Trainee.objects.count() == 1


def test_a_trainee_needs_a_village_a_sensible_name_and_phone_and_an_office(county, gasa_staff):
    manda, gasa = village("嘎洒镇", "曼达村委会"), township("嘎洒镇")
    for person in (
        _person(1),  # no village
        _person(1, region=gasa),  # a township with villages
        _person(1, name="长" * 51, region=manda),
        _person(1, region=manda, phone="12345"),
        _person(1, region=manda, ethnicity="火星族"),
        services.Person(id_number=wrong_checksum(id_number(1)), name="岩温", region=manda),
    ):
        with pytest.raises(InvalidInput):
            services.register_trainee(actor=None, person=person)
    with pytest.raises(NotAllowed):
        services.register_trainee(actor=gasa_staff, person=_person(1, region=manda))
    assert not Trainee.objects.exists()


# --- check-in: audited, neutral, within the places ----------------------------------------------


def test_a_check_in_is_audited_without_the_id_number(today_session):
    today = timezone.localdate()
    done = services.check_in(
        session=today_session,
        day=today,
        token=codes.checkin_token(today_session.code, today),
        person=_person(region=village("嘎洒镇", "曼达村委会")),
    )
    entry = AuditEntry.objects.get(action="training.check_in")
    assert entry.actor is None and entry.object_id == str(done.attendance.pk)
    assert entry.after["trainee"] == done.trainee.pk and entry.after["source"] == "check_in"
    assert id_number(1) not in str(entry.after)


def test_check_in_answers_alike_for_an_unknown_and_a_mismatched_id_number(today_session):
    today = timezone.localdate()
    token = codes.checkin_token(today_session.code, today)
    manda = village("嘎洒镇", "曼达村委会")
    services.check_in(
        session=today_session, day=today, token=token, person=_person(1, region=manda)
    )

    answers = []
    for stranger in (
        _person(1, name="岩罕"),  # a registered ID number, another name
        _person(2, name="岩罕"),  # an ID number nobody registered
        _person(1, name="岩罕", region=manda),  # the registered one again, with a village
    ):
        with pytest.raises(services.RegistrationNeeded) as asked:
            services.check_in(session=today_session, day=today, token=token, person=stranger)
        answers.append((asked.value.code, str(asked.value.message)))

    assert len(set(answers)) == 1
    assert list(Trainee.objects.values_list("name", flat=True)) == ["岩温"]
    assert Attendance.objects.count() == 1


def test_a_full_session_turns_a_newcomer_away_at_check_in_without_registering_them(
    today_session,
):
    services.update_session(actor=None, session=today_session, capacity=1)
    today = timezone.localdate()
    token = codes.checkin_token(today_session.code, today)
    manda = village("嘎洒镇", "曼达村委会")
    services.check_in(
        session=today_session, day=today, token=token, person=_person(1, region=manda)
    )

    with pytest.raises(services.SessionFull):
        services.check_in(
            session=today_session, day=today, token=token, person=_person(2, "岩罕", region=manda)
        )
    again = services.check_in(session=today_session, day=today, token=token, person=_person(1))

    assert not again.created
    assert Trainee.objects.count() == 1 and Attendance.objects.count() == 1


# --- imports that fail, wait or stall -----------------------------------------------------------


def test_a_roster_without_its_header_row_fails_with_the_reason_and_forgets_the_file(
    session, training_office, immediate_tasks, django_capture_on_commit_callbacks
):
    data = roster_file([person_row(1)], header=["名字2", "号码", *HEADER[2:]], title=None)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_roster_import(
            actor=training_office,
            session=session,
            file_name="花名册.xlsx",
            content=data,
            good_rows_only=False,
        )

    job.refresh_from_db()
    assert job.status == RosterImportStatus.FAILED
    assert "姓名" in job.error and "身份证号" in job.error
    assert job.content is None and job.bad_rows == 0 and not Trainee.objects.exists()


def _stall(job, minutes=30):
    """What a worker that died while checking rows leaves behind: a running import, silent."""
    RosterImport.objects.filter(pk=job.pk).update(
        status=RosterImportStatus.VALIDATING,
        progressed_at=timezone.now() - timedelta(minutes=minutes),
    )
    job.refresh_from_db()


def _queued(session, actor, rows):
    """Uploaded; no worker has run it (the database task backend, nobody running db_worker)."""
    return services.start_roster_import(
        actor=actor,
        session=session,
        file_name="花名册.xlsx",
        content=roster_file(rows),
        good_rows_only=False,
    )


def test_a_stalled_import_is_shown_as_failed_and_runs_again_when_asked(session, training_office):
    job = _queued(session, training_office, [person_row(1), person_row(2)])
    with pytest.raises(Conflict):  # still fresh: its worker may be on it
        services.retry_roster_import(actor=training_office, roster_import=job)

    _stall(job)
    assert job.is_stalled and not job.is_progressing and job.state_label == "已停滞：失败"
    services.retry_roster_import(actor=training_office, roster_import=job)
    outcome = services.process_roster_import(import_id=job.pk)  # what the worker does

    job.refresh_from_db()
    assert outcome["status"] == RosterImportStatus.DONE and job.content is None
    assert Trainee.objects.count() == 2
    entry = AuditEntry.objects.get(action="training.retry_roster_import")
    assert entry.before == {"status": "validating"} and entry.after == {"status": "queued"}


def test_a_stalled_import_can_be_discarded_and_forgets_its_file(session, training_office):
    job = _queued(session, training_office, [person_row(1)])
    _stall(job)

    services.discard_roster_import(actor=training_office, roster_import=job)

    job.refresh_from_db()
    assert job.status == RosterImportStatus.DISCARDED and job.content is None
    assert services.process_roster_import(import_id=job.pk)["status"] == "discarded"
    assert not Trainee.objects.exists()


def _taken_for_stalled(job):
    """The worker is still on it, but has been silent so long that the page offers to give up."""
    RosterImport.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - timedelta(minutes=30)
    )
    job.refresh_from_db()


def test_a_worker_dying_as_it_writes_leaves_nothing_in_and_the_import_runs_again(
    session, training_office, monkeypatch
):
    job = _queued(session, training_office, [person_row(1), person_row(2)])
    end = services._end_import

    def killed_on_ending(roster_import, status, *args, **kwargs):  # the worker's process killed
        if status == RosterImportStatus.DONE:
            raise SystemExit(1)
        return end(roster_import, status, *args, **kwargs)

    monkeypatch.setattr(services, "_end_import", killed_on_ending)
    with pytest.raises(SystemExit):
        services.process_roster_import(import_id=job.pk)

    job.refresh_from_db()  # the rows and the import's end commit together, or neither
    assert job.status == RosterImportStatus.IMPORTING and job.content is not None
    assert not Trainee.objects.exists() and not Attendance.objects.exists()
    monkeypatch.undo()
    _taken_for_stalled(job)
    services.retry_roster_import(actor=training_office, roster_import=job)
    assert services.process_roster_import(import_id=job.pk)["status"] == RosterImportStatus.DONE
    job.refresh_from_db()
    assert job.status == RosterImportStatus.DONE and job.content is None
    assert Trainee.objects.count() == 2 and Attendance.objects.count() == 6


def test_a_worker_taken_for_stalled_writes_nothing_into_an_import_discarded_meanwhile(
    session, training_office, monkeypatch
):
    job = _queued(session, training_office, [person_row(1), person_row(2)])
    write = services._write_roster

    def slow_write(*args, **kwargs):  # the user gave up on the worker just before it wrote
        _taken_for_stalled(job)
        services.discard_roster_import(actor=training_office, roster_import=job)
        return write(*args, **kwargs)

    monkeypatch.setattr(services, "_write_roster", slow_write)
    outcome = services.process_roster_import(import_id=job.pk)

    job.refresh_from_db()
    assert outcome["status"] == RosterImportStatus.DISCARDED
    assert job.status == RosterImportStatus.DISCARDED and job.content is None
    assert not Trainee.objects.exists() and not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action="training.import_roster").exists()
    assert not AuditEntry.objects.filter(action="training.end_roster_import").exists()


def test_a_worker_taken_for_stalled_does_not_overwrite_the_run_started_again(
    session, training_office, monkeypatch
):
    job = _queued(session, training_office, [person_row(1), person_row(2)])
    write = services._write_roster
    overtaken = []

    def slow_write(*args, **kwargs):  # run again, and done by a second worker, meanwhile
        if not overtaken:
            overtaken.append(True)
            _taken_for_stalled(job)
            services.retry_roster_import(actor=training_office, roster_import=job)
            assert services.process_roster_import(import_id=job.pk)["status"] == "done"
        return write(*args, **kwargs)

    monkeypatch.setattr(services, "_write_roster", slow_write)
    outcome = services.process_roster_import(import_id=job.pk)

    job.refresh_from_db()
    assert outcome["status"] == RosterImportStatus.DONE and outcome["attendances"] == 6
    assert job.status == RosterImportStatus.DONE and job.result["attendances"] == 6
    assert Trainee.objects.count() == 2 and Attendance.objects.count() == 6
    assert AuditEntry.objects.filter(action="training.import_roster").count() == 1
    assert AuditEntry.objects.filter(action="training.end_roster_import").count() == 1
