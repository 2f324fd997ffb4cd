"""When the figures of a period change. The apps that change them (orders: an order paid or
refunded; logistics: a parcel delivered) sit above the app that keeps their figures
(monitoring's rollups) and may not import it; monitoring registers what it does about it at
ready(), and the services tell this module explicitly. Like the indicator registry: filled
identically in every process at start-up.
"""

from collections.abc import Callable
from datetime import date, datetime

# (the day or moment whose figures changed) -> None; expected to act after the caller's commit
Follower = Callable[[date | datetime], None]


class Followers:
    """Who is told of one kind of change."""

    def __init__(self) -> None:
        self._followers: list[Follower] = []

    def follow(self, follower: Follower) -> None:
        if follower not in self._followers:
            self._followers.append(follower)

    def tell(self, when: date | datetime) -> None:
        for follower in self._followers:
            follower(when)


_sales = Followers()
_deliveries = Followers()

# The sales of the month of `when` changed (an order paid or refunded).
follow_sales = _sales.follow
sales_changed = _sales.tell

# A parcel was delivered (signed for) at `when`: the parcels of that day changed.
follow_deliveries = _deliveries.follow
parcel_delivered = _deliveries.tell


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
