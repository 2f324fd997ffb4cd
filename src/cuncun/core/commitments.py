"""Money of the special fund committed by an app other than `funds`, which keeps the fund.

Training keeps the plan's training cap when it schedules a session paid from the fund, but the
fund's own training projects live in `funds`, below it: funds registers at ready() what its budget
commits in a category, and training counts it.

Promotions issues program vouchers paid from a budget line (a project) of the fund, and may not
import `funds` either: funds registers at ready() the check that a line exists and has the
voucher batch's budget left, which promotions calls inside the transaction that issues it (the
check holds the fund's lock until that transaction ends, so two batches, or a batch and an
approval, cannot both fit where only one does).

Like the indicator registry: filled identically in every process at start-up, never changed
afterwards.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput

# (plan, fund category key) -> what is committed in that category, in yuan
Commitments = Callable[[Any, str], Decimal]
# (budget line's code, amount, the day the spending starts) -> None, or a DomainError saying why
# the line cannot pay it
LineCheck = Callable[[str, Decimal, date], None]

_readers: list[Commitments] = []
_line_checks: list[LineCheck] = []


def register_commitments(reader: Commitments) -> None:
    if reader not in _readers:
        _readers.append(reader)


def committed_elsewhere(plan, category: str) -> Decimal:
    """What the registered apps commit of the plan's fund in `category`."""
    return sum((reader(plan, category) for reader in _readers), Decimal("0.00"))


def register_line_check(check: LineCheck) -> None:
    if check not in _line_checks:
        _line_checks.append(check)


def hold_budget_line(*, line: str, amount: Decimal, starts_on: date) -> None:
    """Inside the caller's transaction: refuse, with the keeper's message, spending of `amount`
    from the fund's budget line `line` from `starts_on` that the line cannot pay, and hold the
    line for the rest of the transaction. With no keeper of the fund, no line can pay."""
    if not _line_checks:
        raise InvalidInput(_("No special fund is kept here: no budget line can pay."))
    for check in _line_checks:
        check(line, amount, starts_on)
