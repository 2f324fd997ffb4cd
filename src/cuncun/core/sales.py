"""When the sales of a month change. The apps that change them (orders: an order paid or
refunded) sit above the app that keeps their figures (monitoring's rollup) and may not import
it; monitoring registers what it does about it at ready(), and the services tell this module
explicitly. Like the indicator registry: filled identically in every process at start-up.
"""

from collections.abc import Callable
from datetime import date, datetime

# (the day or moment whose month changed) -> None; expected to act after the caller's commit
SalesFollower = Callable[[date | datetime], None]

_followers: list[SalesFollower] = []


def follow_sales(follower: SalesFollower) -> None:
    if follower not in _followers:
        _followers.append(follower)


def sales_changed(when: date | datetime) -> None:
    """The sales of the month of `when` changed: every follower is told."""
    for follower in _followers:
        follower(when)
