from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from cuncun.monitoring import rollups
from cuncun.monitoring.periods import month_start
from cuncun.monitoring.queries import first_sales_month


class Command(BaseCommand):
    help = "Rebuild the monthly sales rollup from the records (orders and accepted reports)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", help="YYYY-MM (default: the first month with sales)"
        )
        parser.add_argument("--to", dest="last", help="YYYY-MM (default: this month)")

    def handle(self, *args, first=None, last=None, **options):
        today = timezone.localdate()
        first = _month(first) if first else first_sales_month() or month_start(today)
        last = _month(last) if last else month_start(today)
        started = timezone.now()
        rows = rollups.rebuild_all(first, max(first, last))
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"{first:%Y-%m}..{last:%Y-%m}: {rows} rollup rows in {seconds:.1f} s")


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")
