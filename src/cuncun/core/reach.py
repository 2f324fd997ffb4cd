"""Who and what a market order reached, for a recall: apps lower in the list (orders, logistics)
know the buyers and parcels of an order; trace, above them, knows only the order numbers its
event log recorded. Each registers a finder at ready(); trace's recall asks them all.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reached:
    kind: str  # "order" | "parcel": what was reached
    order_ref: str  # the market order number it belongs to
    reference: str  # the order number or the waybill
    status: str  # its state, in the reader's language
    place: str  # where it is or went (a point, a village)
    person: str  # the buyer or recipient's name
    phone: str  # their mobile number, unmasked: callers mask it for who must not see it


Finder = Callable[[list[str]], Iterable[Reached]]

_finders: list[Finder] = []


def register_finder(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def reached_by(order_refs: list[str]) -> list[Reached]:
    """Every order and parcel of these market orders, from every app that registered a finder."""
    if not order_refs:
        return []
    return [item for finder in _finders for item in finder(list(order_refs))]
