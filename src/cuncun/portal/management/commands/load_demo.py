from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cuncun.accounts.models import Role, User
from cuncun.portal.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the 景洪市 demo (real divisions and plan, invented people). Safe to run again."

    def handle(self, *args, **options):
        accounts = load_demo()
        roles = {"": _("buyer"), **dict(Role.choices)}
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in accounts:
            user = User.objects.select_related("region").get(username=account.username)
            where = user.region or "—"
            self.stdout.write(f"  {account.username:<11} {roles[account.role]} · {where}")
