"""Reading the report form and the import sheet into what the services take. The checks are the
services'; here a text only becomes a value."""

from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

from cuncun.core.exports import read_cell
from cuncun.merchants.models import Platform
from cuncun.monitoring.services import ImportRow, PlatformSales

LINE_FIELDS = ("farm_sales", "other_sales", "orders", "b2b_sales")
# The import sheet's columns, in order (its header row is the template's).
SHEET_COLUMNS = (
    "merchant_id",
    "merchant_name",
    "month",
    "platform",
    "farm_sales",
    "other_sales",
    "orders",
    "b2b_sales",
    "reason",
)


def read_month(text: str) -> date | None:
    """`YYYY-MM` (an <input type=month>) as the month's first day."""
    try:
        return date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        return None


def posted_lines(post) -> list[PlatformSales]:
    """One line per platform whose boxes were filled; an empty box is 0."""
    lines = []
    for platform, _label in Platform.choices:
        raw = {name: post.get(f"{platform}-{name}", "").strip() for name in LINE_FIELDS}
        if not any(raw.values()):
            continue
        lines.append(
            PlatformSales(
                platform=platform,
                farm_sales=_decimal(raw["farm_sales"]),
                other_sales=_decimal(raw["other_sales"]),
                orders=_count(raw["orders"]),
                b2b_sales=_decimal(raw["b2b_sales"]),
            )
        )
    return lines


def _decimal(text: str):
    """A Decimal where the text is a number; the text itself otherwise, for the check to name."""
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return text


def _count(text: str) -> int:
    try:
        return int(text or "0")
    except ValueError:
        return -1


def _whole_number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def sheet_rows(upload) -> list[ImportRow]:
    """The rows of an uploaded import sheet (the template's first sheet, header skipped)."""
    book = load_workbook(upload, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = [read_cell(v) for v in values[: len(SHEET_COLUMNS)]]
        cells += [None] * (len(SHEET_COLUMNS) - len(cells))
        if all(v in (None, "") for v in cells):
            continue
        record = dict(zip(SHEET_COLUMNS, cells, strict=True))
        record.pop("merchant_name")
        record["merchant_id"] = _whole_number(record["merchant_id"])
        rows.append(ImportRow(number=number, **record))
    return rows
