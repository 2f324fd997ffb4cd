"""`cuncun rotate_pii_key [--batch N]`: seal every ID number again under CUNCUN_PII_KEY.

To rotate: put the new key in CUNCUN_PII_KEY and the old one in CUNCUN_PII_OLD_KEYS, restart the
servers (they read both meanwhile), run this, then drop the old key. It works in batches, each in
its own transaction, beside the running servers, and running it again changes nothing."""

from django.apps import apps
from django.core.management.base import BaseCommand

from cuncun.core.models import SEAL_BATCH, SealedIdNumber, reseal_id_numbers


class Command(BaseCommand):
    help = "Seal every stored ID number again under the current key (CUNCUN_PII_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=SEAL_BATCH, help="rows per transaction")

    def handle(self, *args, **options):
        for model in apps.get_models():
            if issubclass(model, SealedIdNumber):
                count = reseal_id_numbers(model, batch_size=max(1, options["batch"]))
                self.stdout.write(f"{model._meta.label}: {count} sealed again")
