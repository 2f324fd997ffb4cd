from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class NetworkConfig(AppConfig):
    name = "cuncun.network"
    label = "network"
    verbose_name = _("Service network")
    nav_items = [
        (_("Service points"), "network:finder", Role.PROGRAM_FOLLOWERS | {VISITOR, ""}),
        (_("Coverage"), "network:coverage", Role.PROGRAM_FOLLOWERS | {VISITOR}),
    ]

    def ready(self):
        from cuncun.network import indicators

        indicators.register()
