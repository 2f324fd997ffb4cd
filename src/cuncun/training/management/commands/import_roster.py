"""`cuncun import_roster FILE.xlsx --session CODE [--good-rows-only]`

Imports a trainer's roster into a session. With bad rows it imports nothing, prints every bad
row with its number and reason, and exits with status 1; with --good-rows-only it imports the
good rows, prints the bad ones and exits with status 2. Exit status 0: every row imported.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cuncun.accounts.models import User
from cuncun.core.errors import DomainError
from cuncun.training import services
from cuncun.training.models import TrainingSession
from cuncun.training.roster import read_roster

EXIT_BAD_ROWS_NOTHING_IMPORTED = 1
EXIT_BAD_ROWS_SKIPPED = 2


class Command(BaseCommand):
    help = (
        "Import a roster (.xlsx) into a training session. Exit status 1: bad rows, nothing "
        "imported; 2: bad rows skipped with --good-rows-only; 0: all rows imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster, an .xlsx file")
        parser.add_argument("--session", required=True, help="the session code, e.g. 2017-004")
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="import the good rows even if some rows are bad",
        )
        parser.add_argument(
            "--as-user",
            default="",
            help="the user name the import is recorded under (default: the system)",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %s.") % path)
        session = (
            TrainingSession.objects.select_related("region").filter(code=options["session"]).first()
        )
        if session is None:
            raise CommandError(_("There is no session with the code %s.") % options["session"])
        actor = None
        if options["as_user"]:
            actor = User.objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(_("There is no user %s.") % options["as_user"])
        try:
            sheet = read_roster(path.read_bytes())
            report = services.import_roster(
                actor=actor,
                session=session,
                sheet=sheet,
                good_rows_only=options["good_rows_only"],
            )
        except services.RosterHasBadRows as error:
            self._print(options, error.details["report"], str(error.message))
            raise CommandError(
                _("Nothing imported."), returncode=EXIT_BAD_ROWS_NOTHING_IMPORTED
            ) from error
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        outcome = report.as_dict()
        summary = _(
            "%(rows)d rows imported into %(session)s: %(new)d new trainees, %(known)d already "
            "registered, %(att)d attendance days recorded (%(again)d already recorded)."
        ) % {
            "rows": report.good_rows,
            "session": session.code,
            "new": report.new_trainees,
            "known": report.known_trainees,
            "att": report.attendances,
            "again": report.already_recorded,
        }
        self._print(options, outcome, summary)
        if report.problems:
            raise CommandError(
                _("%d bad row(s) skipped.") % report.bad_rows, returncode=EXIT_BAD_ROWS_SKIPPED
            )

    def _print(self, options, outcome: dict, message: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(outcome, ensure_ascii=False, default=str))
            return
        self.stdout.write(message)
        for p in sorted(outcome["problems"] + outcome.get("merged", []), key=lambda p: p["row"]):
            self.stdout.write(_("Row %(row)s: %(reason)s") % p)
