from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "cuncun.network"
    label = "network"
    verbose_name = _("Service network")
    nav_items = [(_("Service points"), "network:finder"), (_("Coverage"), "network:coverage")]

    def ready(self):
        from cuncun.network import indicators

        indicators.register()
