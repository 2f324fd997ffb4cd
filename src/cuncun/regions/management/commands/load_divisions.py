from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.regions.division_file import DivisionFileError
from cuncun.regions.services import load_divisions


class Command(BaseCommand):
    help = (
        "Load a county's divisions file (CSV: level, code, name, kind, parent_code, parent_name)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            report = load_divisions(actor=None, data=file.read_bytes())
        except DivisionFileError as error:
            for row in error.details["rows"]:
                self.stderr.write(f"row {row['row']}: {row['reason']}")
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"{report.county.name}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
