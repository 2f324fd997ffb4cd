from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "cuncun.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self):
        from cuncun.network import indicators

        indicators.register()
