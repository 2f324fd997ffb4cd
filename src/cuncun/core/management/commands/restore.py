"""`cuncun restore DIR`: a backup into the configured empty database and media folder, then every
table's row count and checksum compared with the backup's manifest. Prints one JSON line; exits 1
when anything differs."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `cuncun backup` into an empty database, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the backup's folder")

    def handle(self, *args, **options):
        try:
            report = restore(Path(options["folder"]))
        except BackupError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            json.dumps(
                {
                    "restored": str(options["folder"]),
                    "tables": report.tables,
                    "rows": report.rows,
                    "files": report.files,
                    "mismatched": report.mismatched,
                    "ok": not report.mismatched,
                }
            )
        )
        if report.mismatched:
            raise CommandError(f"Restored, but these differ from the backup: {report.mismatched}")
