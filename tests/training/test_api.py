"""/api/training/: sessions (public), the summary of an area, and what they say without data."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.training import queries, services
from cuncun.training.models import FundingSource
from cuncun.training.roster import read_roster
from tests.conftest import township
from tests.training.builders import person_row, roster_file
from tests.training.conftest import make_session


@pytest.fixture
def trained(plan, session, advanced):
    rows = [
        person_row(1, name="玉香", female=True, categories="建档立卡"),
        person_row(2, name="岩罕", township="勐龙镇", village="景龙村委会"),
    ]
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))
    later = make_session(
        advanced,
        code="2017-002",
        first=date(2017, 6, 2),
        where="勐龙镇",
        funding_source=FundingSource.EMPLOYMENT_FUND,
    )
    services.import_roster(actor=None, session=later, sheet=read_roster(roster_file(rows[:1])))
    return session


def test_the_summary_counts_person_times_persons_and_categories_since_the_plan_started(
    client, trained, plan
):
    body = client.get("/api/training/summary/", {"on": "2017-12-31"}).json()

    assert (body["person_times"], body["persons"], body["sessions"]) == (3, 2, 2)
    assert body["since"] == plan.starts_on.isoformat() and body["on"] == "2017-12-31"
    categories = {c["code"]: c["persons"] for c in body["categories"]}
    assert categories["poverty_registered"] == 1 and categories["women"] == 1
    assert Decimal(str(body["special_fund_spent"])) == Decimal("10000.00")
    fund = queries.training_fund(plan)
    assert Decimal(str(body["county_training_fund"]["cap"])) == fund.cap.amount
    assert Decimal(str(body["county_training_fund"]["left"])) == fund.cap.amount - 10000
    assert body["county_training_fund"]["sentence"] == fund.cap.sentence


def test_the_summary_of_a_township_counts_the_people_who_live_there(client, trained):
    menglong = township("勐龙镇")
    body = client.get("/api/training/summary/", {"region": menglong.pk, "on": "2017-12-31"}).json()
    assert (body["person_times"], body["persons"]) == (1, 1)
    assert body["villages_without_talent"] == menglong.children.administrative_villages().count()


def test_the_summary_before_the_plan_or_with_a_bad_day_says_so(client, trained):
    before = client.get("/api/training/summary/", {"on": "2016-01-01"}).json()
    assert before["person_times"] == 0
    bad = client.get("/api/training/summary/", {"on": "2017-13-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"


def test_the_summary_without_divisions_loaded_is_not_found_not_an_error(client, db):
    response = client.get("/api/training/summary/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_sessions_are_listed_for_anyone_filtered_by_year_and_kind(client, trained):
    every = client.get("/api/training/sessions/").json()
    advanced = client.get("/api/training/sessions/", {"kind": "advanced"}).json()
    of_2016 = client.get("/api/training/sessions/", {"year": 2016}).json()

    assert [(s["code"], s["persons"]) for s in every] == [("2017-002", 1), ("2017-001", 2)]
    assert [s["code"] for s in advanced] == ["2017-002"]
    assert of_2016 == []
    first = every[1]
    assert first["township"] == "嘎洒镇" and first["funding_source"] == "special_fund"
    assert Decimal(str(first["cost"])) == Decimal("10000.00")


def test_a_year_out_of_range_is_refused_not_an_error(client, trained):
    response = client.get("/api/training/sessions/", {"year": 99999})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
