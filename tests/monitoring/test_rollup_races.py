"""Rebuilds of one month's sales, or one day's parcels, at the same moment: what two task workers
do when several payments or deliveries of that month (or day) each queued a rebuild. The rollup
ends with one set of rows, equal to the records (found by the soak bench: two rebuilds each
deleted the rows they saw and inserted their own, and the month counted its sales twice).
Real concurrent transactions on PostgreSQL."""

from datetime import date, timedelta

import pytest

from cuncun.logistics.models import EventKind
from cuncun.monitoring.models import DailyParcels, MonthlySales
from cuncun.monitoring.rollups import rebuild_day_of_parcels, rebuild_month
from tests.monitoring import test_parcel_rollup as parcels
from tests.monitoring import test_rollups as sales
from tests.monitoring.conftest import accepted, taobao
from tests.races import at_once

WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_rebuilds_of_a_month_leave_one_set_of_rows_equal_to_the_records(reporters):
    # given a month whose sales two businesses reported and the office accepted
    month = date(2018, 3, 1)
    accepted(reporters, reporters.tea_garden, month, taobao("1200", other="30"))
    accepted(reporters, reporters.farmer, month, taobao("800"))

    # when workers rebuild that month at the same moment
    at_once(lambda _n: rebuild_month(month), WORKERS)

    # then the rows are those one rebuild makes, and they sum to the records
    rows = MonthlySales.objects.filter(month=month).count()
    assert rows == rebuild_month(month)
    assert sales.rolled_up() == sales.direct_totals()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_rebuilds_of_a_day_leave_one_set_of_parcels_rows(points, carriers):
    # given two parcels delivered on one day, at two village points
    day = date(2018, 3, 31)
    when = parcels._moment(day, 15)
    for n, point in enumerate(points):
        waybill = f"SF40000{n}"
        parcels._scan(carriers["SF"], waybill, EventKind.ACCEPTED, when - timedelta(hours=2), point)
        parcels._scan(carriers["SF"], waybill, EventKind.DELIVERED, when)

    # when workers rebuild that day at the same moment
    at_once(lambda _n: rebuild_day_of_parcels(day), WORKERS)

    # then each parcel is counted once
    rows = DailyParcels.objects.filter(day=day).count()
    assert rows == rebuild_day_of_parcels(day)
    assert parcels.rolled_up() == parcels.direct_counts()
