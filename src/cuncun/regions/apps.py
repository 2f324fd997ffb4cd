from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class RegionsConfig(AppConfig):
    name = "cuncun.regions"
    label = "regions"
    verbose_name = _("Divisions")
    nav_items = [(_("Divisions"), "regions:browse", Role.PROGRAM_FOLLOWERS | {VISITOR, ""})]
