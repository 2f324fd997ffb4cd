"""`cuncun backup --out DIR`: the database and the uploaded files, with a manifest of every
table's row count and checksum (see cuncun.core.backup). Prints one JSON line."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.core.backup import BackupError, back_up


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's online backup) and uploaded files to DIR."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="a new or empty folder")

    def handle(self, *args, **options):
        try:
            summary = back_up(Path(options["out"]))
        except BackupError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            json.dumps(
                {
                    "backup": str(summary.folder),
                    "tables": summary.tables,
                    "rows": summary.rows,
                    "files": summary.files,
                }
            )
        )
