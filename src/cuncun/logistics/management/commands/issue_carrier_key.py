"""`cuncun issue_carrier_key SF --label "顺丰系统"`: a new API key for a carrier, printed once."""

from django.core.management.base import BaseCommand, CommandError

from cuncun.logistics.services import HEADER_NAME, issue_carrier_api_key
from cuncun.network.models import Carrier


class Command(BaseCommand):
    help = "Issue an API key for a carrier's system; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("carrier", help="carrier code, e.g. SF")
        parser.add_argument("--label", default="")

    def handle(self, *args, carrier, label, **options):
        found = Carrier.objects.filter(code=carrier.upper()).first()
        if found is None:
            raise CommandError(f"unknown carrier {carrier}")
        _row, key = issue_carrier_api_key(actor=None, carrier=found, label=label)
        self.stdout.write(f"{HEADER_NAME}: {key}")
        self.stdout.write("Keep it now: only its hash is stored.")
