"""Every spreadsheet and CSV the platform writes goes through here, so that a value is data and
never a formula (OWASP's CSV-injection rule), and every import reads such a value back as the
text it was.

A text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is what a spreadsheet
program takes for a formula; it is written with a leading apostrophe (`'=SUM(A1)`), which
spreadsheet programs show as the text itself. Reading strips exactly that one apostrophe again.
Numbers, dates and money stay typed: only texts are escaped.

Reading a file a person uploads starts here too: `workbook_rows` opens an .xlsx (and says so
when it is not one), `decode_text` reads text as UTF-8 or as the GBK that Excel on a Chinese
Windows writes (and says so when it is neither).
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO, StringIO
from zipfile import BadZipFile

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cuncun.core.errors import InvalidInput

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _takes_escape(text: str) -> bool:
    """A formula start, perhaps behind apostrophes: a text that begins `'=` is escaped too, so
    that reading strips exactly the apostrophe writing added and no other."""
    return text.lstrip(ESCAPE).startswith(FORMULA_STARTS)


def cell(value):
    """A value as it may be written to a spreadsheet or CSV: texts that would start a formula
    are escaped; everything else (numbers, dates, None) unchanged."""
    if isinstance(value, str) and _takes_escape(value):
        return ESCAPE + value
    return value


def read_cell(value):
    """A value read from a spreadsheet or CSV the way it was before `cell` escaped it."""
    if isinstance(value, str) and value.startswith(ESCAPE) and _takes_escape(value):
        return value[len(ESCAPE) :]
    return value


def row(values: Iterable) -> list:
    return [cell(v) for v in values]


def read_row(values: Iterable) -> list:
    return [read_cell(v) for v in values]


def workbook_rows(data: bytes, *, not_xlsx: str = "") -> Iterator[list]:
    """The rows of an .xlsx file's first sheet, each cell as `read_cell` reads it. Anything else
    (a PNG renamed .xlsx, an old .xls, a CSV) is refused with `not_xlsx` or a plain sentence."""
    try:
        sheet = load_workbook(BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, IndexError) as error:
        raise InvalidInput(
            not_xlsx or _("This is not an Excel (.xlsx) file."), details={"error": str(error)}
        ) from error
    return (read_row(values) for values in sheet.iter_rows(values_only=True))


def decode_text(data: bytes) -> str:
    """A text file as UTF-8 (with or without a byte-order mark), else as GBK (GB 18030, what
    Excel on a Chinese Windows saves a CSV in). A file with NUL bytes is no text at all."""
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise InvalidInput(_("This file is not text in UTF-8 or GBK."))


def csv_rows(text: str) -> Iterator[list]:
    """The rows of a CSV text, each cell as `read_cell` reads it."""
    return (read_row(values) for values in csv.reader(StringIO(text)))


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
    return xlsx_file_response(filename, xlsx_bytes(sheets))


def xlsx_file_response(filename: str, data: bytes):
    """A workbook made by `xlsx_bytes` (or one laid out cell by cell with `cell`) as a download."""
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# XML 1.0 allows tab, newline and carriage return, and no other control character.
_XML_FORBIDDEN = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def xml_text(value) -> str:
    """A value as XML element text: the control characters XML 1.0 forbids are dropped, so
    that a name with a stray one still makes a well-formed file."""
    return str(value).translate(_XML_FORBIDDEN)


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
