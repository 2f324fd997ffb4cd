"""The monthly sales rollup, rebuilt one month at a time from the records: the market's own
orders (paid, not refunded) and the accepted sales reports of outside platforms. A month is
rebuilt whole, so rebuilding it again (a retried task) gives the same rows."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from cuncun.merchants.models import Merchant
from cuncun.monitoring.models import MARKET, MonthlySales
from cuncun.monitoring.periods import month_start, months
from cuncun.monitoring.queries import market_sales_by_merchant, reported_sales_by_merchant


def rebuild_month(month: date) -> int:
    """Replace the rollup rows of `month` by what the records say now; the number of rows."""
    month = month_start(month)
    amounts: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for (merchant_id, goods), amount in market_sales_by_merchant(month).items():
        amounts[(merchant_id, MARKET, goods)] += amount
    for (merchant_id, platform, goods), amount in reported_sales_by_merchant(month).items():
        amounts[(merchant_id, platform, goods)] += amount
    rows = _rows(month, amounts)
    with transaction.atomic():
        MonthlySales.objects.filter(month=month).delete()
        MonthlySales.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild_all(first: date, last: date) -> int:
    return sum(rebuild_month(month) for month in months(first, last))


def _rows(month: date, amounts: dict) -> list[MonthlySales]:
    """Sum the merchants' amounts into one row per division, kind of business, poverty flags,
    channel and goods: what every statistic groups by."""
    merchants = (
        Merchant.objects.with_flags()
        .select_related("region")
        .in_bulk({merchant_id for merchant_id, _c, _g in amounts})
    )
    summed: dict[tuple, Decimal] = defaultdict(Decimal)
    for (merchant_id, channel, goods), amount in amounts.items():
        if not amount:
            continue
        m = merchants[merchant_id]
        key = (m.region, m.kind, m.is_poverty_registered, bool(m.poor_village_flag), channel, goods)
        summed[key] += amount
    return [
        MonthlySales(
            month=month,
            region=region,
            region_path=region.path,
            township_id=region.township_id,
            merchant_kind=kind,
            poverty_registered=poverty,
            poor_village=poor_village,
            channel=channel,
            goods=goods,
            amount=amount,
        )
        for (region, kind, poverty, poor_village, channel, goods), amount in summed.items()
    ]
