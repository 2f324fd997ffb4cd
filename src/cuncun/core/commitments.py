"""Money of the special fund committed by an app lower in the list than the one that checks a
cap on it. Training keeps the plan's training cap when it schedules a session paid from the fund,
but the fund's own training projects live in `funds`, below it: funds registers at ready() what
its budget commits in a category, and training counts it. Like the indicator registry: filled
identically in every process at start-up, never changed afterwards.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

# (plan, fund category key) -> what is committed in that category, in yuan
Commitments = Callable[[Any, str], Decimal]

_readers: list[Commitments] = []


def register_commitments(reader: Commitments) -> None:
    if reader not in _readers:
        _readers.append(reader)


def committed_elsewhere(plan, category: str) -> Decimal:
    """What the registered apps commit of the plan's fund in `category`."""
    return sum((reader(plan, category) for reader in _readers), Decimal("0.00"))
