"""Holds on goods: apps lower in the list (trace) say why goods may not be listed, while the
apps that list them (catalog) sit above and may not import them.

An app registers a function at ready(); catalog asks `listing_refusal(product)` in its service
and refuses with the first reason given. Like the indicator registry: filled identically in every
process at start-up, never changed afterwards.
"""

from collections.abc import Callable
from typing import Any

# (product) -> a reason a person can act on, or "" when the product may be listed
ListingCheck = Callable[[Any], str]

_listing_checks: list[ListingCheck] = []


def register_listing_check(check: ListingCheck) -> None:
    if check not in _listing_checks:
        _listing_checks.append(check)


def listing_refusal(product) -> str:
    """Why this product may not go on the market now ("" if nothing holds it)."""
    for check in _listing_checks:
        if reason := check(product):
            return reason
    return ""
