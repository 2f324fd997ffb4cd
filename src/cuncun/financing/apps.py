from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class FinancingConfig(AppConfig):
    name = "cuncun.financing"
    label = "financing"
    verbose_name = _("Financing support")
    nav_items = [
        (
            _("Guaranteed loans"),
            "financing:home",
            {Role.MERCHANT, Role.GUARANTEE_AGENCY, Role.BANK, Role.COUNTY_OFFICE},
        )
    ]
