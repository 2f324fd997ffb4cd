"""Checking a whole budget file (xlsx) against a plan's fund rules, without saving anything.

The file has one sheet: a header row, then one project a row with the columns `project`,
`category` (a plan fund category key), `site_code` (optional), `total_investment` and `support`
(yuan) and `source` (`central` or `local`). A row that cannot be read is a problem under its own
code (`not_xlsx`, `missing_column`, `unknown_category`, `bad_amount`, `negative_amount`,
`unknown_source`, `unknown_site`, `empty_project`); a file whose rows all read is checked against
every rule. Both come back in the same shape: `{"row": N | None, "rule": code, "message": …}`.
"""

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cuncun.core.exports import read_cell
from cuncun.core.money import format_yuan, to_money
from cuncun.funds.models import FundSource
from cuncun.funds.rules import Line, check_budget, plan_categories, plan_years
from cuncun.network.models import Site
from cuncun.plans.models import FundRuleKind, Plan
from cuncun.plans.queries import fund_rules

COLUMNS = ["project", "category", "site_code", "total_investment", "support", "source"]
OPTIONAL = {"site_code"}
AMOUNTS = ("total_investment", "support")
HEADER_ROW = 1


@dataclass(frozen=True)
class BudgetCheck:
    violations: list[dict]
    lines: list[Line]
    summary: str

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict:
        return {"ok": self.ok, "violations": self.violations}


def problem(row: int | None, code: str, message: str) -> dict:
    return {"row": row, "rule": code, "message": str(message)}


def check_budget_file(data: bytes, plan: Plan) -> BudgetCheck:
    rules = fund_rules(plan)
    lines, problems = read_budget(data, categories=plan_categories(rules))
    if problems:
        return BudgetCheck(violations=problems, lines=[], summary="")
    found = check_budget(rules, lines, years=plan_years(plan))
    violations = [problem(v.row, v.rule, v.message) for v in found]
    return BudgetCheck(violations=violations, lines=lines, summary=_summary(rules, lines))


def _summary(rules, lines: list[Line]) -> str:
    size = next((r.amount for r in rules if r.kind == FundRuleKind.FUND_SIZE), None)
    central = sum((line.support for line in lines if line.source == FundSource.CENTRAL), Decimal(0))
    return _(
        "%(rows)s rows, every rule kept: %(support)s of support, %(central)s of it central "
        "(the fund: %(size)s)."
    ) % {
        "rows": len(lines),
        "support": format_yuan(sum((line.support for line in lines), Decimal(0))),
        "central": format_yuan(central),
        "size": format_yuan(size) if size is not None else "—",
    }


def read_budget(data: bytes, *, categories: list[str]) -> tuple[list[Line], list[dict]]:
    """Every row of the file as a budget line, and every problem with its row number."""
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError):
        return [], [problem(None, "not_xlsx", _("This is not an Excel (.xlsx) file."))]
    rows = list(book.worksheets[0].iter_rows(values_only=True)) if book.worksheets else []
    header = [str(read_cell(v) or "").strip().lower() for v in (rows[0] if rows else [])]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        return [], [
            problem(HEADER_ROW, "missing_column", _("The column %s is missing.") % column)
            for column in missing
        ]
    sites = set(Site.objects.values_list("code", flat=True))
    lines, problems = [], []
    for number, values in enumerate(rows[1:], start=HEADER_ROW + 1):
        cells = {
            name: read_cell(values[i]) if i < len(values) else None for i, name in enumerate(header)
        }
        if all(v in (None, "") for v in cells.values()):
            continue
        line, found = _read_row(number, cells, categories=categories, sites=sites)
        problems += found
        if line:
            lines.append(line)
    return lines, problems


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _read_row(number: int, cells: dict, *, categories, sites) -> tuple[Line | None, list[dict]]:
    problems = []
    name = _text(cells.get("project"))
    if not name:
        problems.append(problem(number, "empty_project", _("The project has no name.")))
    category = _text(cells.get("category"))
    if category not in categories:
        problems.append(
            problem(
                number,
                "unknown_category",
                _("%s is not a fund category of the plan.") % (category or "—"),
            )
        )
    source = _text(cells.get("source")).lower()
    if source not in dict(FundSource.choices):
        problems.append(
            problem(
                number,
                "unknown_source",
                _("The source must be central or local, not %s.") % (source or "—"),
            )
        )
    site_code = _text(cells.get("site_code"))
    if site_code and site_code not in sites:
        problems.append(problem(number, "unknown_site", _("No site has the code %s.") % site_code))
    amounts = {}
    for column in AMOUNTS:
        amounts[column], found = _amount(number, column, cells.get(column))
        problems += found
    if problems:
        return None, problems
    line = Line(
        key=f"row {number}",
        category=category,
        support=amounts["support"],
        total_investment=amounts["total_investment"],
        source=source,
        site_code=site_code,
        row=number,
        name=name,
    )
    return line, []


def _amount(number: int, column: str, value) -> tuple[Decimal | None, list[dict]]:
    if isinstance(value, float):
        value = repr(value)  # a number cell: its shortest exact text, never the float itself
    try:
        amount = to_money(_text(value))
    except ValueError:
        return None, [
            problem(
                number,
                "bad_amount",
                _("%(column)s is not a number: %(value)s")
                % {"column": column, "value": _text(value) or "—"},
            )
        ]
    if amount < 0:
        return None, [problem(number, "negative_amount", _("%s may not be negative.") % column)]
    return amount, []
