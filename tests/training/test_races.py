"""At the same moment, with real transactions (PostgreSQL; SQLite runs one writer at a time)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cuncun.training import codes, services
from cuncun.training.models import Attendance, Trainee
from cuncun.training.roster import read_roster
from tests.conftest import village
from tests.training.builders import id_number, person_row, roster_file
from tests.training.conftest import make_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL's concurrent writers")


def _at_once(n, work):
    start = threading.Barrier(n)

    def run(k):
        start.wait()
        try:
            return work(k)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_two_rosters_with_the_same_new_people_imported_at_once_register_each_person_once(
    county, awareness
):
    sessions = [
        make_session(awareness, code=f"R-{k}", first=date(2017, 5, 1 + k)) for k in range(2)
    ]
    sheet = read_roster(roster_file([person_row(n) for n in range(200)]))

    reports = _at_once(
        2, lambda k: services.import_roster(actor=None, session=sessions[k], sheet=sheet)
    )

    assert all(r.imported for r in reports)
    assert Trainee.objects.count() == 200
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

    results = _at_once(
        8,
        lambda k: services.check_in(session=session, day=today, token=token, person=person).created,
    )

    assert sum(results) == 1
    assert Attendance.objects.count() == 1
