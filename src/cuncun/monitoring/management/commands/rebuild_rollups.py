from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from cuncun.monitoring import rollups
from cuncun.monitoring.periods import add_months, month_start
from cuncun.monitoring.queries import first_delivery_day, first_sales_month


class Command(BaseCommand):
    help = (
        "Rebuild the rollups from the records: the monthly sales (orders and accepted reports) "
        "and the daily parcels delivered (tracking events)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", help="YYYY-MM (default: the first month with records)"
        )
        parser.add_argument("--to", dest="last", help="YYYY-MM (default: this month)")

    def handle(self, *args, first=None, last=None, **options):
        today = timezone.localdate()
        last = _month(last) if last else month_start(today)
        started = timezone.now()
        sales_from = _month(first) if first else first_sales_month() or month_start(today)
        sales = rollups.rebuild_all(sales_from, max(sales_from, last))
        parcels_from = _month(first) if first else first_delivery_day() or today
        parcels_to = min(today, add_months(last, 1) - timedelta(days=1))  # the month's last day
        parcels = rollups.rebuild_parcels(parcels_from, max(parcels_from, parcels_to))
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"sales {sales_from:%Y-%m}..{last:%Y-%m}: {sales} rows; "
            f"parcels {parcels_from}..{parcels_to}: {parcels} rows; {seconds:.1f} s"
        )


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")
