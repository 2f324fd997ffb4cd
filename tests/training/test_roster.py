"""Roster import: every bad row reported by its number, nothing imported unless the user chooses
the good rows, people deduplicated by ID number across imports."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.training import services
from cuncun.training.models import Attendance, Trainee, TraineeCategoryMembership
from cuncun.training.roster import RosterChecker, read_roster
from tests.conftest import township, village
from tests.training.builders import HEADER, id_number, person_row, roster_file, wrong_checksum
from tests.training.conftest import make_session


def _import(session, rows, **options):
    return services.import_roster(
        actor=options.pop("actor", None),
        session=session,
        sheet=read_roster(roster_file(rows, **options.pop("file", {}))),
        **options,
    )


def _bad_rows(session, rows, **options) -> list[dict]:
    with pytest.raises(services.RosterHasBadRows) as refused:
        _import(session, rows, **options)
    return refused.value.details["rows"]


def test_a_roster_with_one_bad_checksum_imports_nothing_and_names_the_row(session):
    rows = [person_row(1), person_row(2), person_row(3, id_value=wrong_checksum(id_number(3)))]

    bad = _bad_rows(session, rows)

    # a title row, then the header: the third person is on row 5 of the sheet
    assert [(p["row"], p["code"]) for p in bad] == [(5, "id_number_checksum")]
    assert "校验位不符" in bad[0]["reason"]
    assert id_number(3)[:-1] not in bad[0]["reason"]  # never the full number in a report
    assert Trainee.objects.count() == 0 and Attendance.objects.count() == 0


def test_choosing_the_good_rows_imports_them_and_reports_the_bad_ones(session):
    rows = [person_row(1), person_row(2, village="不存在村"), person_row(3)]

    report = _import(session, rows, good_rows_only=True)

    assert report.imported and report.good_rows == 2 and report.bad_rows == 1
    assert [p["row"] for p in report.problems] == [4]
    assert Trainee.objects.count() == 2
    assert Attendance.objects.count() == 2 * 3  # no days written: every day of the session


def test_every_bad_row_is_reported_with_its_reason(session):
    rows = [
        person_row(1, id_value=""),
        person_row(2, village="曼达村委会", township="不存在镇"),
        person_row(3, days="2017-06-01"),
        person_row(4, phone="12345"),
        person_row(5, categories="外星人"),
        person_row(6, ethnicity="火星族"),
        person_row(7, name=""),
        person_row(8, female=True, id_value=id_number(8)),  # says 女, the number is a man's
    ]

    codes = {p["row"]: p["code"] for p in _bad_rows(session, rows)}

    assert codes == {
        3: "missing_id_number",
        4: "unknown_township",
        5: "date_outside_session",
        6: "invalid_phone",
        7: "unknown_category",
        8: "unknown_ethnicity",
        9: "missing_name",
        10: "gender_mismatch",
    }


def test_a_person_on_two_rosters_is_one_trainee_and_two_person_times(county, session, awareness):
    later = make_session(awareness, code="2017-002", first=date(2017, 6, 2))
    _import(session, [person_row(1, name="玉香", female=True)])

    report = _import(later, [person_row(1, name="玉香", female=True, phone="13800000001")])

    assert report.new_trainees == 0 and report.known_trainees == 1
    trainee = Trainee.objects.get()
    assert trainee.phone == "13800000001"  # a blank filled in from the later roster
    assert Attendance.objects.filter(trainee=trainee).person_times() == 2


def test_the_same_person_on_two_rows_is_merged_into_one(session):
    rows = [
        person_row(1, days="2017-05-12", categories="农村青年"),
        person_row(1, days="2017-05-13", categories="建档立卡"),
    ]

    report = _import(session, rows)

    assert report.good_rows == 2 and report.new_trainees == 1
    assert [(m["row"], m["into"]) for m in report.merged] == [(4, 3)]
    assert "与第 3 行是同一人" in report.merged[0]["reason"]
    assert id_number(1) not in report.merged[0]["reason"]  # masked in the report
    trainee = Trainee.objects.get()
    assert sorted(Attendance.objects.values_list("day", flat=True)) == [
        date(2017, 5, 12),
        date(2017, 5, 13),
    ]
    assert set(trainee.categories.values_list("category", flat=True)) == {
        "rural_youth",
        "poverty_registered",
    }


def test_one_id_number_with_two_names_in_one_roster_is_a_bad_row(session):
    bad = _bad_rows(session, [person_row(1, name="岩温"), person_row(1, name="岩罕")])

    assert [(p["row"], p["code"]) for p in bad] == [(4, "duplicate_id_number")]
    assert "已在第 3 行出现" in bad[0]["reason"]


def test_an_id_number_registered_under_another_name_is_a_bad_row(county, session, awareness):
    _import(session, [person_row(1, name="岩温")])
    later = make_session(awareness, code="2017-002", first=date(2017, 6, 2))

    bad = _bad_rows(later, [person_row(1, name="岩罕")])

    assert [(p["row"], p["code"]) for p in bad] == [(3, "name_mismatch")]
    assert "岩温" in bad[0]["reason"]


def test_a_village_name_in_two_townships_needs_the_township(session):
    bad = _bad_rows(session, [person_row(1, township="", village="城子村委会")])
    assert bad[0]["code"] == "ambiguous_village"
    assert "勐养镇" in bad[0]["reason"] and "普文镇" in bad[0]["reason"]

    report = _import(session, [person_row(1, township="普文镇", village="城子村")])
    assert Trainee.objects.get().region == village("普文镇", "城子村委会")
    assert report.imported


def test_short_names_of_townships_and_villages_are_understood(session):
    _import(session, [person_row(1, township="景哈乡", village="莫南村")])
    assert Trainee.objects.get().region == village("景哈哈尼族乡", "莫南村委会")


def test_someone_from_a_state_farm_needs_no_village(session):
    _import(session, [person_row(1, township="东风农场", village="")])
    assert Trainee.objects.get().region == township("东风农场")


def test_days_may_be_excel_dates_lists_or_ranges(session):
    rows = [
        person_row(1, days=date(2017, 5, 13)),
        person_row(2, days="2017.5.12、2017.5.14"),
        person_row(3, days="2017-05-12至2017-05-13"),
        person_row(4, days="5月14日"),
    ]
    _import(session, rows)
    days = {
        n: sorted(
            Attendance.objects.filter(
                trainee__in=Trainee.objects.with_id_number(id_number(n))
            ).values_list("day", flat=True)
        )
        for n in range(1, 5)
    }
    assert days[1] == [date(2017, 5, 13)]
    assert days[2] == [date(2017, 5, 12), date(2017, 5, 14)]
    assert days[3] == [date(2017, 5, 12), date(2017, 5, 13)]
    assert days[4] == [date(2017, 5, 14)]


def test_an_id_number_saved_as_a_number_is_explained(session):
    bad = _bad_rows(session, [person_row(1, id_value=532801199001010011)])
    assert bad[0]["code"] == "id_number_as_number"


def test_a_file_without_the_needed_columns_says_which(session):
    data = roster_file([["岩温", "x"]], header=["名字2", "号码"], title=None)
    sheet = read_roster(data)
    assert sheet.problems[0]["code"] == "missing_columns"
    assert "姓名" in sheet.problems[0]["reason"] and "身份证号" in sheet.problems[0]["reason"]


def test_importing_the_same_roster_twice_records_each_day_once(session):
    rows = [person_row(1), person_row(2)]
    _import(session, rows)

    again = _import(session, rows)

    assert again.attendances == 0 and again.already_recorded == 6
    assert Attendance.objects.count() == 6


def test_women_are_read_from_the_gender_not_stored_as_a_category(session):
    _import(session, [person_row(1, female=True, categories="妇女、合作社成员")])
    assert list(TraineeCategoryMembership.objects.values_list("category", flat=True)) == [
        "coop_member"
    ]


def test_township_staff_may_not_import_rosters(session, gasa_staff):
    with pytest.raises(NotAllowed):
        _import(session, [person_row(1)], actor=gasa_staff)


def test_the_checker_reads_reference_data_once_whatever_the_number_of_rows(
    session, django_assert_max_num_queries
):
    rows = [person_row(n, village=v) for n, v in enumerate(["曼达村委会", "曼播村委会"] * 100)]
    sheet = read_roster(roster_file(rows))
    checker = RosterChecker(session)
    with django_assert_max_num_queries(2):
        checked = checker.check(sheet.rows)
    assert checked.good_rows == 200 and not checked.problems


def test_the_header_is_found_below_a_title_and_a_note(session):
    book_rows = [person_row(1)]
    data = roster_file(book_rows, title="2017年第一期电商普及培训花名册")
    assert read_roster(data).rows[0].row == 3
    assert HEADER[0] == "姓名"


def test_an_id_number_born_in_the_future_is_a_bad_row(session):
    tomorrow = timezone.localdate() + timedelta(days=1)
    bad = _bad_rows(session, [person_row(1, born=tomorrow.strftime("%Y%m%d"))])
    assert [(p["row"], p["code"]) for p in bad] == [(3, "invalid_id_number")]


def test_a_file_without_its_header_row_is_refused_whole_with_the_reason(session):
    data = roster_file([person_row(1)], header=["名字2", "号码", *HEADER[2:]], title=None)
    with pytest.raises(services.RosterUnreadable) as refused:
        services.import_roster(actor=None, session=session, sheet=read_roster(data))
    assert "姓名" in str(refused.value.message)
    assert not isinstance(refused.value, services.RosterHasBadRows)


def test_rows_beyond_the_sessions_places_are_reported_and_the_rest_imported_when_chosen(session):
    services.update_session(actor=None, session=session, capacity=3)
    _import(session, [person_row(1)])
    rows = [
        person_row(1),  # already there: keeps their place
        person_row(2),
        person_row(3),
        person_row(4),  # the fourth person: no place left
        person_row(4, days="2017-05-12"),  # the same person again
    ]

    bad = _bad_rows(session, rows)

    assert [(p["row"], p["code"]) for p in bad] == [(6, "over_capacity"), (7, "over_capacity")]
    assert "3" in bad[0]["reason"]
    report = _import(session, rows, good_rows_only=True)
    assert report.bad_rows == 2 and report.new_trainees == 2
    assert Attendance.objects.persons() == 3


def test_a_roster_completing_a_registered_trainee_is_audited_with_the_phone_masked(
    county, session, awareness
):
    _import(session, [person_row(1)])
    later = make_session(awareness, code="2017-002", first=date(2017, 6, 2))

    _import(later, [person_row(1, phone="13800000001", categories="建档立卡")])

    entry = AuditEntry.objects.get(action="training.complete_trainee")
    assert entry.object_id == str(Trainee.objects.get().pk)
    assert entry.before == {"phone": "", "categories": []}
    assert entry.after == {"phone": "138****0001", "categories": ["poverty_registered"]}
    imported = AuditEntry.objects.filter(action="training.import_roster").latest("id")
    assert imported.after["completed_trainees"] == 1 and imported.after["new_trainees"] == 0


def test_a_name_longer_than_its_column_is_a_bad_row_saying_how_long(session):
    bad = _bad_rows(session, [person_row(1), person_row(2, name="长" * 51)])

    assert [(p["row"], p["code"]) for p in bad] == [(4, "name_too_long")]
    assert "姓名有51个字，最多50个" in bad[0]["reason"]
