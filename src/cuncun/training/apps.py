from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "cuncun.training"
    label = "training"
    verbose_name = _("Training")
    nav_items = [(_("Training"), "training:home")]

    def ready(self):
        from cuncun.training import indicators

        indicators.register()
