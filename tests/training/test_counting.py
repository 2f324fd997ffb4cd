"""Counting as the plan counts, and the indicators against the plan's targets."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.core.indicators import registry
from cuncun.regions.models import GroupCode, Kind, RegionUnit
from cuncun.regions.services import add_to_group, ensure_group
from cuncun.training import queries, services
from cuncun.training.models import FundingSource
from cuncun.training.roster import read_roster
from tests.conftest import township, village
from tests.training.builders import person_row, roster_file
from tests.training.conftest import load_plan_changed, make_session


def _attend(session, rows):
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))


def _county():
    return RegionUnit.objects.get(level="county")


def _value(code, region, day):
    return registry.get(code).compute(region, day).value


def test_one_person_at_three_sessions_is_three_person_times_and_one_person(county, awareness):
    sessions = [
        make_session(awareness, code=f"S-{n}", first=date(2017, 3, n), last=date(2017, 3, n + 2))
        for n in (1, 10, 20)
    ]
    for session in sessions:
        _attend(session, [person_row(1)])  # every day of each three-day session

    counted = queries.counts(_county(), date(2017, 1, 1), date(2017, 12, 31))

    assert (counted.person_times, counted.persons, counted.attendance_days) == (3, 1, 9)


def test_person_times_count_from_the_plan_start_to_the_day(plan, awareness):
    early = make_session(awareness, code="S-EARLY", first=date(2016, 6, 1))  # before the plan
    held = make_session(awareness, code="S-1", first=date(2017, 3, 1))
    later = make_session(awareness, code="S-2", first=date(2017, 9, 1))
    for session in (early, held, later):
        _attend(session, [person_row(1), person_row(2)])

    assert _value("training_person_times", _county(), date(2017, 6, 1)) == 2
    assert _value("training_person_times", _county(), date(2017, 12, 31)) == 4


def test_people_are_counted_where_they_live(plan, awareness):
    county_wide = make_session(awareness, code="S-1", first=date(2017, 3, 1))
    _attend(county_wide, [person_row(1), person_row(2, township="勐龙镇", village="景龙村委会")])

    assert _value("training_person_times", township("嘎洒镇"), date(2017, 12, 31)) == 1
    assert _value("training_person_times", township("勐龙镇"), date(2017, 12, 31)) == 1
    by_township = {
        row["township"].name: row["person_times"]
        for row in queries.per_township(_county(), date(2017, 1, 1), date(2017, 12, 31))
    }
    assert by_township["嘎洒镇"] == 1 and by_township["勐龙镇"] == 1 and by_township["勐罕镇"] == 0


def test_persons_per_year_count_each_calendar_year(plan, awareness):
    _attend(make_session(awareness, code="S-1", first=date(2017, 3, 1)), [person_row(1)])
    _attend(make_session(awareness, code="S-2", first=date(2017, 4, 1)), [person_row(1)])
    _attend(make_session(awareness, code="S-3", first=date(2018, 3, 1)), [person_row(1)])

    assert _value("training_persons_per_year", _county(), date(2017, 12, 31)) == 1
    assert _value("training_persons_per_year", _county(), date(2018, 2, 1)) == 0
    assert [
        (y["year"], y["person_times"]) for y in queries.per_year(_county(), date(2018, 12, 31))
    ] == [
        (2017, 2),
        (2018, 1),
    ]


def test_trainees_are_counted_per_category_with_women_from_the_gender(plan, awareness):
    session = make_session(awareness, code="S-1", first=date(2017, 3, 1))
    _attend(
        session,
        [
            person_row(1, female=True, categories="建档立卡"),
            person_row(2, female=True, categories="建档立卡、大学生村官"),
            person_row(3, categories="农村青年"),
        ],
    )
    counted = {
        row["code"]: row["persons"]
        for row in queries.per_category(_county(), date(2017, 1, 1), date(2017, 12, 31))
    }
    assert counted["poverty_registered"] == 2
    assert counted["village_official"] == 1
    assert counted["rural_youth"] == 1
    assert counted["women"] == 2
    assert _value("poverty_registered_trainees", _county(), date(2017, 12, 31)) == 2


def test_the_startup_phase_needs_three_awareness_sessions_and_500_people(plan, awareness, advanced):
    for n in (1, 2, 3):
        _attend(
            make_session(awareness, code=f"S-{n}", first=date(2016, 11, n * 7)),
            [person_row(n * 10 + k) for k in range(3)],
        )
    _attend(make_session(advanced, code="S-ADV", first=date(2016, 12, 1)), [person_row(99)])
    _attend(make_session(awareness, code="S-2017", first=date(2017, 2, 1)), [person_row(98)])

    county = _county()
    sessions = queries.progress_against_plan(county, date(2016, 12, 31))
    by_code = {p.code: p for p in sessions}
    assert by_code["startup_training_sessions"].value == 3
    assert by_code["startup_training_sessions"].met is True
    assert by_code["startup_training_persons"].value == 9
    assert by_code["startup_training_persons"].met is False  # the plan asks for 500
    assert by_code["startup_training_persons"].target.deadline == date(2016, 12, 31)


def _certified(course, code, rows, first=date(2017, 5, 1)):
    session = make_session(course, code=code, first=first)
    _attend(session, rows)
    services.issue_certificates(actor=None, session=session, issued_on=first)
    return session


def test_a_village_has_a_talent_once_a_resident_is_certified_in_a_talent_course(
    plan, awareness, advanced
):
    gasa = township("嘎洒镇")
    manda = village("嘎洒镇", "曼达村委会")
    _certified(awareness, "S-AW", [person_row(1)])  # awareness does not form talents
    assert manda in queries.villages_without_talent(gasa, date(2017, 6, 1))

    _certified(advanced, "S-ADV", [person_row(2)], first=date(2017, 6, 1))

    lacking = queries.villages_without_talent(gasa, date(2017, 6, 1))
    assert manda not in lacking
    villages = gasa.children.administrative_villages().count()
    assert len(lacking) == villages - 1
    m = registry.get("village_talent_coverage").compute(gasa, date(2017, 6, 1))
    assert (m.numerator, m.denominator, m.value) == (1, villages, Decimal("0.08"))
    assert registry.get("village_talent_coverage").compute(gasa, date(2017, 5, 31)).numerator == 0


def test_every_village_covered_meets_the_talent_target(plan, advanced):
    villages = RegionUnit.objects.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).select_related("parent")
    rows = [
        person_row(n, township=v.parent.name, village=v.name)
        for n, v in enumerate(villages, start=1)
    ]
    _certified(advanced, "S-ADV", rows)
    progress = {p.code: p for p in queries.progress_against_plan(_county(), date(2017, 6, 1))}
    assert progress["village_talent_coverage"].value == 1
    assert progress["village_talent_coverage"].met is True
    assert progress["village_talents_max"].value == 1 and progress["village_talents_max"].met


def test_poor_villages_with_talents_are_counted(plan, advanced):
    poor = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    manda = village("嘎洒镇", "曼达村委会")
    add_to_group(actor=None, group=poor, unit=manda)
    _certified(advanced, "S-ADV", [person_row(1), person_row(2, village="曼播村委会")])
    assert _value("poor_village_talents", _county(), date(2017, 6, 1)) == 1


def test_a_revoked_certificate_no_longer_makes_a_talent(plan, advanced):
    session = _certified(advanced, "S-ADV", [person_row(1)])
    services.revoke_certificate(
        actor=None, certificate=session.certificates.get(), reason="冒名", on=date(2017, 7, 1)
    )
    manda = village("嘎洒镇", "曼达村委会")
    assert _value("village_talents_max", manda.parent, date(2017, 6, 30)) == 1
    assert _value("village_talents_max", manda.parent, date(2017, 7, 1)) == 0


def test_special_fund_spending_is_set_against_the_plans_training_cap(county, awareness, tmp_path):
    plan = load_plan_changed(tmp_path, {"training_cap": {"amount": 150000}})
    make_session(awareness, code="S-1", first=date(2017, 3, 1), cost="120000")
    make_session(
        awareness,
        code="S-2",
        first=date(2017, 4, 1),
        cost="30000",
        funding_source=FundingSource.EMPLOYMENT_FUND,
    )
    make_session(awareness, code="S-3", first=date(2018, 3, 1), cost="20000")  # still to come

    money = queries.spending(_county(), plan.starts_on, date(2017, 12, 31))
    fund = queries.training_fund(plan)

    assert money["special_fund"] == Decimal("120000.00") and money["total"] == Decimal("150000.00")
    assert fund.cap.amount == Decimal("150000.00") and fund.cap.category == "training"
    assert (fund.committed, fund.left) == (Decimal("140000.00"), Decimal("10000.00"))
    assert _value("training_fund_spending", _county(), date(2017, 12, 31)) == Decimal("120000.00")


@pytest.mark.parametrize(
    "code", ["training_person_times", "training_persons_per_year", "startup_training_persons"]
)
def test_the_indicator_api_compares_with_the_plans_target(
    client, county, awareness, tmp_path, code
):
    load_plan_changed(tmp_path, {code: {"value": 7}})  # the plan says 7, the API must say 7
    _attend(make_session(awareness, code="S-1", first=date(2016, 11, 1)), [person_row(1)])
    body = client.get(f"/api/indicators/{code}/", {"on": "2016-12-01"}).json()
    assert body["numerator"] == 1 and body["target"] == 7 and body["met"] is False


def test_person_times_and_persons_are_counted_per_kind_of_course(county, awareness, advanced):
    first = make_session(awareness, code="S-1", first=date(2017, 3, 1), last=date(2017, 3, 2))
    second = make_session(awareness, code="S-2", first=date(2017, 4, 1))
    deeper = make_session(advanced, code="S-3", first=date(2017, 5, 1))
    _attend(first, [person_row(1), person_row(2)])
    _attend(second, [person_row(1)])
    _attend(deeper, [person_row(2)])

    kinds = {
        row["kind"]: (row["person_times"], row["persons"])
        for row in queries.per_kind(_county(), date(2017, 1, 1), date(2017, 12, 31))
    }

    assert kinds == {"awareness": (3, 2), "advanced": (1, 1)}


def test_every_training_indicator_is_registered():
    codes = {i.code for i in registry.all()}
    assert {
        "training_person_times",
        "training_persons_per_year",
        "startup_training_sessions",
        "startup_training_persons",
        "village_talent_coverage",
        "village_talents_max",
        "poor_village_talents",
        "poverty_registered_trainees",
        "training_fund_spending",
    } <= codes
