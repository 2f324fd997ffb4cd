from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cuncun.core.errors import DomainError
from cuncun.plans.services import load_plan


class Command(BaseCommand):
    help = "Load a county plan file (TOML); loading the same file again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            plan = load_plan(actor=None, path=file)
        except DomainError as error:
            for row in error.details.get("rows", []):
                self.stderr.write(f"{row['row']}: {row['reason']}")
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"{plan.title}: {plan.targets.count()} targets, {plan.milestones.count()} milestones, "
            f"{plan.fund_rules.count()} fund rules, {plan.member_units.count()} member units"
        )
