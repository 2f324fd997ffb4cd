"""Reading a divisions file (CSV: level, code, name, kind, parent_code, parent_name).

Pure: parses and validates the whole file into rows whose parents are resolved inside the file,
or raises `DivisionFileError` listing every bad row with its line number and reason.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.core.errors import row_problem as problem
from cuncun.core.exports import decode_text, read_cell
from cuncun.regions.models import Kind, Level

REQUIRED_COLUMNS = ["level", "code", "name", "kind", "parent_code", "parent_name"]
OPTIONAL_COLUMNS = ["opening_date", "closing_date"]
HEADER_LINE = 1


class DivisionFileError(InvalidInput):
    code = "bad_division_file"

    def __init__(self, rows: list[dict]):
        super().__init__(
            _("The divisions file has %(n)d bad row(s); nothing was loaded.") % {"n": len(rows)},
            details={"rows": rows},
        )


@dataclass(eq=False)  # rows are compared by identity: two rows may carry equal fields
class DivisionRow:
    line: int
    level: str
    code: str | None
    name: str
    kind: str
    parent_code: str | None
    parent_name: str | None
    opening_date: date | None
    closing_date: date | None
    parent: "DivisionRow | None" = None

    def label(self) -> str:
        return self.code or self.name


def read_division_file(data: bytes | str) -> list[DivisionRow]:
    try:
        text = decode_text(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    except InvalidInput as error:
        raise DivisionFileError([problem(HEADER_LINE, "not_text", error.message)]) from error
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DivisionFileError(
            [
                problem(
                    HEADER_LINE, "missing_columns", _("missing column(s): %s") % ", ".join(missing)
                )
            ]
        )
    errors: list[dict] = []
    rows = []
    for line, raw in enumerate(reader, start=HEADER_LINE + 1):
        row = _parse_row(line, {key: read_cell(value) for key, value in raw.items()}, errors)
        if row is not None:
            rows.append(row)
    _check_file(rows, errors)
    if errors:
        raise DivisionFileError(sorted(errors, key=lambda e: e["row"]))
    return rows


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _parse_row(line: int, raw: dict, errors: list[dict]) -> DivisionRow | None:
    problems: list[dict] = []

    def bad(code, reason):
        problems.append(problem(line, code, reason))

    level, kind, name = _clean(raw.get("level")), _clean(raw.get("kind")), _clean(raw.get("name"))
    if not name:
        bad("empty_name", _("the name is empty"))
    if level not in Level.order:
        bad("unknown_level", _("unknown level %(level)r") % {"level": level or ""})
    elif kind not in Kind.by_level[level]:
        if kind in dict(Kind.choices):
            bad(
                "kind_not_of_level",
                _("kind %(kind)r is not a kind of %(level)s unit") % {"kind": kind, "level": level},
            )
        else:
            bad("unknown_kind", _("unknown kind %(kind)r") % {"kind": kind or ""})
    dates = {}
    for column in OPTIONAL_COLUMNS:
        value = _clean(raw.get(column))
        try:
            dates[column] = date.fromisoformat(value) if value else None
        except ValueError:
            bad(
                "bad_date",
                _("%(column)s %(value)r is not a date (YYYY-MM-DD)")
                % {"column": column, "value": value},
            )
    if problems:
        errors.extend(problems)
        return None
    return DivisionRow(
        line=line,
        level=level,
        code=_clean(raw.get("code")),
        name=name,
        kind=kind,
        parent_code=_clean(raw.get("parent_code")),
        parent_name=_clean(raw.get("parent_name")),
        opening_date=dates.get("opening_date"),
        closing_date=dates.get("closing_date"),
    )


def _check_file(rows: list[DivisionRow], errors: list[dict]) -> None:
    counties = [r for r in rows if r.level == Level.COUNTY]
    if len(counties) != 1:
        errors.append(
            problem(HEADER_LINE, "not_one_county", _("the file must hold exactly one county row"))
        )
    by_code: dict[str, DivisionRow] = {}
    for row in rows:
        if row.code and row.code in by_code:
            errors.append(
                problem(row.line, "duplicate_code", _("code %s appears twice") % row.code)
            )
        elif row.code:
            by_code[row.code] = row
    cyclic = _rows_in_cycles(rows, by_code)
    for row in rows:
        if row in cyclic:
            errors.append(problem(row.line, "cycle", cyclic[row]))
        elif row.level != Level.COUNTY:
            _resolve_parent(row, rows, by_code, errors)
    _check_unique_names(rows, errors)
    for row in rows:
        if row.opening_date and row.closing_date and row.closing_date < row.opening_date:
            errors.append(problem(row.line, "closes_before_opening", _("closes before it opens")))


def _rows_in_cycles(rows, by_code) -> dict[DivisionRow, str]:
    """Rows whose chain of parent codes comes back to themselves, with the chain as the reason."""
    cyclic = {}
    for row in rows:
        chain, current = [row], by_code.get(row.parent_code or "")
        while current is not None and current not in chain:
            chain.append(current)
            current = by_code.get(current.parent_code or "")
        if current is row:
            names = " → ".join(r.label() for r in [*chain, row])
            cyclic[row] = _("its parents form a cycle: %s") % names
    return cyclic


def _resolve_parent(row, rows, by_code, errors) -> None:
    expected = Level.above(row.level)
    if row.parent_code:
        parent = by_code.get(row.parent_code)
    else:
        candidates = [r for r in rows if r.name == row.parent_name and r.level == expected]
        if len(candidates) > 1:
            errors.append(
                problem(
                    row.line,
                    "ambiguous_parent",
                    _("%(n)d units are called %(name)s: give the parent's code")
                    % {"n": len(candidates), "name": row.parent_name},
                )
            )
            return
        parent = candidates[0] if candidates else None
    if parent is None:
        reference = row.parent_code or row.parent_name or ""
        errors.append(problem(row.line, "unknown_parent", _("unknown parent %r") % reference))
    elif parent.level != expected:
        errors.append(
            problem(
                row.line,
                "parent_of_wrong_level",
                _("the parent of a %(level)s unit must be a %(expected)s unit")
                % {"level": row.level, "expected": expected},
            )
        )
    else:
        row.parent = parent


def _check_unique_names(rows, errors) -> None:
    seen: set[tuple[int, str]] = set()
    for row in rows:
        key = (id(row.parent), row.name)
        if row.parent is not None and key in seen:
            errors.append(
                problem(
                    row.line,
                    "duplicate_name",
                    _("%(name)s appears twice under %(parent)s")
                    % {"name": row.name, "parent": row.parent.name},
                )
            )
        seen.add(key)
