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


# The monthly sales a business reported (monitoring keeps them) for an app above `core` but
# below `monitoring` that attaches them to a record (financing: a loan application's sales
# record). (merchant id, first day, last day) -> one dict a month, oldest first.
ReportedSales = Callable[[int, date, date], list[dict]]

_reported_sales: list[ReportedSales] = []


def register_reported_sales(source: ReportedSales) -> None:
    if source not in _reported_sales:
        _reported_sales.append(source)


def reported_sales(merchant_id: int, since: date, until: date) -> list[dict]:
    """The business's accepted monthly reports of the months from `since` to `until`."""
    return [month for source in _reported_sales for month in source(merchant_id, since, until)]
