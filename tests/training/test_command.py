"""`cuncun import_roster FILE.xlsx --session CODE [--good-rows-only]`."""

import json

import pytest
from django.core.management import CommandError, call_command

from cuncun.training.models import Attendance, Trainee
from tests.training.builders import id_number, person_row, roster_file, wrong_checksum


@pytest.fixture
def roster_with_a_bad_row(tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(
        roster_file(
            [person_row(1), person_row(2, id_value=wrong_checksum(id_number(2))), person_row(3)]
        )
    )
    return path


def test_bad_rows_exit_non_zero_with_the_row_numbers_and_import_nothing(
    session, roster_with_a_bad_row, capsys
):
    with pytest.raises(CommandError) as failed:
        call_command("import_roster", str(roster_with_a_bad_row), "--session", session.code)

    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "第 4 行" in out and "校验位不符" in out
    assert not Trainee.objects.exists()


def test_good_rows_only_imports_them_and_still_says_which_were_bad(
    session, roster_with_a_bad_row, capsys
):
    with pytest.raises(CommandError) as skipped:
        call_command(
            "import_roster",
            str(roster_with_a_bad_row),
            "--session",
            session.code,
            "--good-rows-only",
            "--json",
        )

    assert skipped.value.returncode == 2
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] and report["good_rows"] == 2
    assert [p["row"] for p in report["problems"]] == [4]
    assert Trainee.objects.count() == 2 and Attendance.objects.count() == 6


def test_a_clean_roster_imports_and_exits_zero(session, tmp_path, capsys):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(roster_file([person_row(1)]))
    call_command("import_roster", str(path), "--session", session.code)
    assert Trainee.objects.count() == 1
    assert session.code in capsys.readouterr().out


def test_an_unknown_session_is_said(db, tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(roster_file([person_row(1)]))
    with pytest.raises(CommandError, match="9999"):
        call_command("import_roster", str(path), "--session", "9999")
