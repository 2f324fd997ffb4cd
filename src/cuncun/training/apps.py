from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class TrainingConfig(AppConfig):
    name = "cuncun.training"
    label = "training"
    verbose_name = _("Training")
    nav_items = [
        (
            _("Training"),
            "training:home",
            {Role.COUNTY_OFFICE, Role.MEMBER_DEPARTMENT, Role.TOWNSHIP_STAFF},
        )
    ]

    def ready(self):
        from cuncun.training import indicators

        indicators.register()
