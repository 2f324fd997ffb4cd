from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class LogisticsConfig(AppConfig):
    name = "cuncun.logistics"
    label = "logistics"
    verbose_name = _("Logistics")
    nav_items = [
        (
            _("Parcels"),
            "logistics:home",
            {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF, Role.VILLAGE_OPERATOR, Role.COURIER},
        )
    ]

    def ready(self):
        from cuncun.core import reach
        from cuncun.logistics import indicators, queries

        indicators.register()
        reach.register_finder(queries.reached_parcels)  # a recall's parcels (trace asks)
