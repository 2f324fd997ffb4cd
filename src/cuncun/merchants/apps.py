from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "cuncun.merchants"
    label = "merchants"
    verbose_name = _("Merchants")
    nav_items = [(_("Merchants"), "merchants:list")]

    def ready(self):
        from cuncun.merchants import indicators

        indicators.register()
