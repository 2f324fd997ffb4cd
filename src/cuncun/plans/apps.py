from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class PlansConfig(AppConfig):
    name = "cuncun.plans"
    label = "plans"
    verbose_name = _("Plan")
    nav_items = [(_("Plan"), "plans:current", Role.PROGRAM_FOLLOWERS | {VISITOR})]
