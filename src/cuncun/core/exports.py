"""Every spreadsheet and CSV the platform writes goes through here, so that a value is data and
never a formula (OWASP's CSV-injection rule), and every import reads such a value back as the
text it was.

A text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is what a spreadsheet
program takes for a formula; it is written with a leading apostrophe (`'=SUM(A1)`), which
spreadsheet programs show as the text itself. Reading strips exactly that one apostrophe again.
Numbers, dates and money stay typed: only texts are escaped.
"""

import csv
from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value):
    """A value as it may be written to a spreadsheet or CSV: texts that would start a formula
    are escaped; everything else (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return ESCAPE + value
    return value


def read_cell(value):
    """A value read from a spreadsheet or CSV the way it was before `cell` escaped it."""
    if (
        isinstance(value, str)
        and value.startswith(ESCAPE)
        and value[len(ESCAPE) :].startswith(FORMULA_STARTS)
    ):
        return value[len(ESCAPE) :]
    return value


def row(values: Iterable) -> list:
    return [cell(v) for v in values]


def xlsx_bytes(sheets: dict[str, tuple[Sequence, Iterable[Sequence]]]) -> bytes:
    """A workbook of named sheets, each (header, rows), every cell escaped. Texts are stored as
    texts, never as formulas."""
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])  # Excel's limit on a sheet's name
        sheet.append(row(header))
        for values in rows:
            sheet.append(row(values))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, sheets: dict[str, tuple[Sequence, Iterable[Sequence]]]):
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]):
    """A CSV download (UTF-8 with a byte-order mark, so that Excel on a Chinese Windows reads
    it as UTF-8), every cell escaped."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(row(header))
    for values in rows:
        writer.writerow(row(values))
    return response
