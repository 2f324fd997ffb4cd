"""At the same moment, with real transactions (PostgreSQL; SQLite runs one writer at a time)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, DomainError
from cuncun.training import codes, queries, services
from cuncun.training.models import Attendance, Course, FundingSource, Trainee, TrainingSession
from cuncun.training.roster import read_roster
from tests.conftest import village
from tests.races import at_once
from tests.training.builders import id_number, person_row, roster_file
from tests.training.conftest import load_plan_changed, make_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _outcome(work):
    """What a person sees: the result, or the refusal."""

    def attempt(k):
        try:
            return work(k)
        except DomainError as refused:
            return refused

    return attempt


def test_two_rosters_with_the_same_new_people_imported_at_once_register_each_person_once(
    county, awareness
):
    sessions = [
        make_session(awareness, code=f"R-{k}", first=date(2017, 5, 1 + k)) for k in range(2)
    ]
    sheet = read_roster(roster_file([person_row(n) for n in range(200)]))

    reports = at_once(
        lambda k: services.import_roster(actor=None, session=sessions[k], sheet=sheet), 2
    )

    assert all(r.imported for r in reports)
    assert Trainee.objects.count() == 200
    assert sum(r.new_trainees for r in reports) == 200  # each person is new to one import only
    assert sorted(r.known_trainees for r in reports) == [0, 200]
    assert Attendance.objects.person_times() == 400


def test_many_check_ins_of_one_person_at_once_are_one_attendance(county, awareness):
    today = timezone.localdate()
    session = make_session(awareness, code="R-T", first=today, last=today + timedelta(days=1))
    token = codes.checkin_token(session.code, today)
    person = services.Person(
        id_number=id_number(1), name="岩温", region=village("嘎洒镇", "曼达村委会")
    )
    services.check_in(session=session, day=today, token=token, person=person)
    Attendance.objects.all().delete()

    results = at_once(
        lambda k: services.check_in(session=session, day=today, token=token, person=person).created,
        8,
    )

    assert sum(results) == 1
    assert Attendance.objects.count() == 1


def _today_session(awareness, code="R-T", **extra):
    today = timezone.localdate()
    return make_session(awareness, code=code, first=today, last=today + timedelta(days=1), **extra)


def _check_in(session, n=1, name="岩温"):
    today = timezone.localdate()
    return services.check_in(
        session=session,
        day=today,
        token=codes.checkin_token(session.code, today),
        person=services.Person(
            id_number=id_number(n), name=name, region=village("嘎洒镇", "曼达村委会")
        ),
    )


def test_a_new_persons_first_check_in_sent_twice_at_once_registers_them_once_and_counts(
    county, awareness
):
    session = _today_session(awareness)

    results = at_once(lambda k: _check_in(session), 2)

    assert sorted(r.created for r in results) == [False, True]
    assert sorted(r.registered for r in results) == [False, True]
    assert Trainee.objects.count() == 1 and Attendance.objects.count() == 1


def test_a_new_person_checking_in_at_two_sessions_at_once_is_registered_once(county, awareness):
    sessions = [_today_session(awareness, code=f"R-{k}") for k in range(2)]

    results = at_once(lambda k: _check_in(sessions[k]), 2)

    assert all(r.created for r in results)
    assert Trainee.objects.count() == 1 and Attendance.objects.count() == 2


def test_check_ins_at_once_fill_the_places_and_no_more(county, awareness):
    session = _today_session(awareness, capacity=3)

    results = at_once(_outcome(lambda k: _check_in(session, n=k + 1, name=f"学员{k}")), 6)

    refused = [r for r in results if isinstance(r, services.SessionFull)]
    assert len(refused) == 3
    assert Attendance.objects.persons() == 3


def test_two_sessions_at_once_cannot_both_fit_under_the_training_cap(county, awareness, tmp_path):
    plan = load_plan_changed(tmp_path, {"training_cap": {"amount": 50000}})

    results = at_once(
        _outcome(
            lambda k: make_session(
                awareness, code=f"R-{k}", first=date(2017, 5, 1 + k), cost="30000"
            )
        ),
        2,
    )

    refused = [r for r in results if isinstance(r, services.TrainingFundCapExceeded)]
    assert len(refused) == 1 and TrainingSession.objects.count() == 1
    assert queries.training_fund(plan).committed == 30000


def test_sessions_scheduled_at_once_get_the_years_next_codes(county, awareness):
    results = at_once(
        lambda k: (
            make_session(
                awareness,
                code="",
                first=date(2017, 5, 1 + k),
                funding_source=FundingSource.EMPLOYMENT_FUND,
            ).code
        ),
        4,
    )

    assert sorted(results) == ["2017-001", "2017-002", "2017-003", "2017-004"]


def test_the_same_course_created_twice_at_once_is_created_once(db):
    results = at_once(
        _outcome(
            lambda k: services.create_course(
                actor=None, code="startup", name=f"创业培训{k}", kind="entrepreneurship"
            )
        ),
        2,
    )

    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert Course.objects.count() == 1
