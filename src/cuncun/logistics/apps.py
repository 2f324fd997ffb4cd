from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "cuncun.logistics"
    label = "logistics"
    verbose_name = _("Logistics")
    nav_items = [(_("Parcels"), "logistics:home")]

    def ready(self):
        from cuncun.logistics import indicators

        indicators.register()
