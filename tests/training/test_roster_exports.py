"""The roster file cuncun keeps (the good rows, while the user decides) carries names as data."""

from io import BytesIO

from openpyxl import load_workbook

from cuncun.core.exports import FORMULA_STARTS, cell
from cuncun.training.roster import read_roster, reduced_roster
from tests.training.builders import person_row, roster_file

HOSTILE_NAME = "=cmd|' /C calc'!A0"


def test_a_hostile_name_survives_the_kept_roster_as_the_same_text():
    # given a roster whose first person's name a spreadsheet would take for a formula
    sheet = read_roster(roster_file([person_row(1, name=cell(HOSTILE_NAME)), person_row(2)]))
    assert sheet.rows[0].values["name"] == HOSTILE_NAME

    # when the rows are kept for later (the second left out) and read again
    kept = reduced_roster(sheet, without={sheet.rows[1].row})

    # then the name is stored as text and reads back as it was
    assert read_roster(kept).rows[0].values["name"] == HOSTILE_NAME
    cells = [c for row in load_workbook(BytesIO(kept)).active for c in row]
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS) for c in cells)
