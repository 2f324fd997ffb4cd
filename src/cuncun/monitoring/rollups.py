"""The rollups, rebuilt from the records: the monthly sales (the market's own orders, paid and
not refunded, and the accepted sales reports of outside platforms), one month at a time, and the
daily parcels delivered, one day at a time. A month or a day is rebuilt whole, so rebuilding it
again (a retried task) gives the same rows; one rebuild runs at a time (locks.lock_rollups), so two
workers rebuilding one month leave one set of rows."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cuncun.merchants.models import Merchant
from cuncun.monitoring.locks import lock_rollups
from cuncun.monitoring.models import MARKET, DailyParcels, MonthlySales, RollupVersion
from cuncun.monitoring.periods import days, month_start, months
from cuncun.monitoring.queries import (
    delivered_parcels_by_region,
    market_sales_by_merchant,
    reported_sales_by_merchant,
)
from cuncun.regions.models import RegionUnit


def rebuild_month(month: date) -> int:
    """Replace the rollup rows of `month` by what the records say now; the number of rows."""
    month = month_start(month)
    with transaction.atomic():
        lock_rollups()
        amounts: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
        for (merchant_id, goods), amount in market_sales_by_merchant(month).items():
            amounts[(merchant_id, MARKET, goods)] += amount
        for (merchant_id, platform, goods), amount in reported_sales_by_merchant(month).items():
            amounts[(merchant_id, platform, goods)] += amount
        rows = _rows(month, amounts)
        MonthlySales.objects.filter(month=month).delete()
        MonthlySales.objects.bulk_create(rows, batch_size=2000)
        _new_version()
    return len(rows)


def rebuild_all(first: date, last: date) -> int:
    return sum(rebuild_month(month) for month in months(first, last))


def rebuild_day_of_parcels(day: date) -> int:
    """Replace the parcels rollup rows of `day` by what the tracking events say now."""
    with transaction.atomic():
        lock_rollups()
        counts = delivered_parcels_by_region(day)
        units = RegionUnit.objects.in_bulk({region_id for region_id, _d in counts})
        rows = [
            DailyParcels(
                day=day,
                region=units[region_id],
                region_path=units[region_id].path,
                township_id=units[region_id].township_id,
                direction=direction,
                parcels=parcels,
            )
            for (region_id, direction), parcels in sorted(counts.items())
        ]
        DailyParcels.objects.filter(day=day).delete()
        DailyParcels.objects.bulk_create(rows, batch_size=2000)
        _new_version()
    return len(rows)


def _new_version() -> None:
    """The rollups changed: cached figures keyed on the old version are no longer read (its row
    is locked and there: lock_rollups)."""
    RollupVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())


def rebuild_parcels(first: date, last: date) -> int:
    return sum(rebuild_day_of_parcels(day) for day in days(first, last))


def _rows(month: date, amounts: dict) -> list[MonthlySales]:
    """Sum the merchants' amounts into one row per township, kind of business, poverty flags,
    channel and goods: what every statistic groups by. Rows stop at the township (a business
    registered at the county level stays there), which keeps the rollup small."""
    merchants = Merchant.objects.with_flags().in_bulk(
        {merchant_id for merchant_id, _c, _g in amounts}
    )
    units = _township_or_own_unit({m.region_id for m in merchants.values()})
    summed: dict[tuple, Decimal] = defaultdict(Decimal)
    for (merchant_id, channel, goods), amount in amounts.items():
        if not amount:
            continue
        m = merchants[merchant_id]
        unit = units[m.region_id]
        key = (unit, m.kind, m.is_poverty_registered, bool(m.poor_village_flag), channel, goods)
        summed[key] += amount
    return [
        MonthlySales(
            month=month,
            region=unit,
            region_path=unit.path,
            township_id=unit.township_id,
            merchant_kind=kind,
            poverty_registered=poverty,
            poor_village=poor_village,
            channel=channel,
            goods=goods,
            amount=amount,
        )
        for (unit, kind, poverty, poor_village, channel, goods), amount in summed.items()
    ]


def _township_or_own_unit(region_ids: set[int]) -> dict[int, RegionUnit]:
    """Each division's township (itself for a township or the county)."""
    regions = RegionUnit.objects.in_bulk(region_ids)
    townships = RegionUnit.objects.in_bulk(
        {r.township_id for r in regions.values() if r.township_id is not None}
    )
    return {pk: townships.get(r.township_id, r) for pk, r in regions.items()}
