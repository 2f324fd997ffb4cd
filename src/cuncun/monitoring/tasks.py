"""Background work of monitoring (django-tasks). Each task is safe to run again."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cuncun.core.taskqueue import enqueue_once
from cuncun.monitoring import rollups
from cuncun.monitoring.periods import month_start


@task()
def refresh_sales_rollup(month: str) -> int:
    """Rebuild one month of the sales rollup after its records changed."""
    return rollups.rebuild_month(date.fromisoformat(month))


def sales_changed(when: date | datetime) -> None:
    """The sales of the month of `when` changed (an order paid or refunded, a report accepted):
    rebuild that month's rollup once the caller's transaction commits. Services call this
    explicitly; nothing listens for it."""
    day = timezone.localtime(when).date() if isinstance(when, datetime) else when
    month = month_start(day).isoformat()
    # Once per month waiting: a payment a second must not queue a rebuild a second.
    transaction.on_commit(lambda: enqueue_once(refresh_sales_rollup, month))


@task()
def refresh_parcels_rollup(day: str) -> int:
    """Rebuild one day of the parcels rollup after a parcel was delivered that day."""
    return rollups.rebuild_day_of_parcels(date.fromisoformat(day))


def parcel_delivered(when: date | datetime) -> None:
    """A parcel was delivered at `when`: rebuild that day's parcels once the caller's
    transaction commits."""
    day = (timezone.localtime(when).date() if isinstance(when, datetime) else when).isoformat()
    transaction.on_commit(lambda: enqueue_once(refresh_parcels_rollup, day))
