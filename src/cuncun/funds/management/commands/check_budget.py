"""`cuncun check_budget FILE.xlsx [--plan CODE]`

Checks a whole budget file against the plan's fund rules without saving anything. Prints one
line per violation — `row N: <rule key>: <message>` for a row, `<rule key>: <message>` for the
whole budget — and exits 1 if there is any; otherwise prints a summary and exits 0.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cuncun.funds.budget_file import check_budget_file
from cuncun.plans.models import Plan
from cuncun.plans.queries import plan_in_force

EXIT_VIOLATIONS = 1


def violation_line(violation: dict) -> str:
    where = f"row {violation['row']}: " if violation["row"] is not None else ""
    return f"{where}{violation['rule']}: {violation['message']}"


class Command(BaseCommand):
    help = "Check a budget file (.xlsx) against a plan's fund rules; exit 1 on any violation."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the budget, an .xlsx file")
        parser.add_argument(
            "--plan", default="", help="the plan's code (default: the plan in force)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %s.") % path)
        plan = (
            Plan.objects.filter(code=options["plan"]).first()
            if options["plan"]
            else plan_in_force()
        )
        if plan is None:
            raise CommandError(_("There is no such plan; load one with `cuncun load_plan`."))
        result = check_budget_file(path.read_bytes(), plan)
        for violation in result.violations:
            self.stdout.write(violation_line(violation))
        if not result.ok:
            raise SystemExit(EXIT_VIOLATIONS)
        self.stdout.write(result.summary)
