from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.core.errors import DomainError
from cuncun.oversight.pack import evaluation_pack
from cuncun.oversight.queries import current_plan


class Command(BaseCommand):
    help = (
        "Write the year's evaluation pack (绩效评价) as a zip: the same data gives the same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, year, out, **options):
        def told(done, total, step):
            self.stdout.write(f"{done}/{total} {step}")

        try:
            data = evaluation_pack(year=year, plan=current_plan(), progress=told)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        out.write_bytes(data)
        self.stdout.write(f"{out} ({len(data)} bytes)")
