"""Demo sales reports: two years of invented monthly figures for every demo business, accepted by
the office, growing by about a third a year with the tea and fruit seasons, so that the growth
indicators and the dashboard tell a story. Every figure is fictional (the reports are marked
demo). Safe to run twice: a month already reported is left alone."""

import random
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cuncun.merchants.models import Merchant, Platform
from cuncun.monitoring import rollups
from cuncun.monitoring.models import SalesReport
from cuncun.monitoring.periods import add_months, month_start
from cuncun.monitoring.queries import first_delivery_day
from cuncun.monitoring.services import PlatformSales, accept_sales_report, submit_sales_report

MONTHS = 24
YEARLY_GROWTH = 1.36
# Spring tea (Mar-May) and the tropical fruit months (Jun-Aug) sell most.
SEASON = {
    1: 0.8,
    2: 0.9,
    3: 1.3,
    4: 1.4,
    5: 1.2,
    6: 1.1,
    7: 1.1,
    8: 1.0,
    9: 0.8,
    10: 0.9,
    11: 1.2,
    12: 1.0,
}


def _figures(rng: random.Random, base: float, age_months: int, month: date) -> tuple:
    """Farm and other goods, orders and B2B of one platform in one month (invented)."""
    level = (
        base * YEARLY_GROWTH ** (age_months / 12) * SEASON[month.month] * rng.uniform(0.85, 1.15)
    )
    farm = Decimal(level * rng.uniform(0.6, 0.9)).quantize(Decimal("0.01"))
    other = Decimal(level).quantize(Decimal("0.01")) - farm
    b2b = Decimal(level * rng.uniform(0, 0.3)).quantize(Decimal("0.01"))
    return farm, other, max(1, int(level / rng.uniform(60, 120))), b2b


def load_demo() -> None:
    today = timezone.localdate()
    first = add_months(month_start(today), -MONTHS)
    merchants = (
        Merchant.objects.filter(is_demo=True)
        .select_related("region")
        .prefetch_related("platform_shops")
    )
    with transaction.atomic():
        for merchant in merchants.order_by("pk"):
            rng = random.Random(merchant.name)  # the same story on every install
            platforms = [s.platform for s in merchant.platform_shops.all()] or [Platform.WECHAT]
            base = rng.uniform(20_000, 120_000)
            reported = set(
                SalesReport.objects.filter(merchant=merchant).values_list("month", flat=True)
            )
            for age in range(MONTHS):
                month = add_months(first, age)
                if month in reported:
                    continue
                lines = []
                for platform in platforms:
                    farm, other, orders, b2b = _figures(rng, base / len(platforms), age, month)
                    lines.append(PlatformSales(platform, farm, other, orders, b2b))
                report = submit_sales_report(
                    actor=None, merchant=merchant, month=month, lines=lines
                )
                accept_sales_report(actor=None, report=report)
    rollups.rebuild_all(first, month_start(today))
    rollups.rebuild_parcels(first_delivery_day() or today, today)  # the demo's parcels so far
