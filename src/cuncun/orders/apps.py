from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class OrdersConfig(AppConfig):
    name = "cuncun.orders"
    label = "orders"
    verbose_name = _("Orders")
    nav_items = [
        (_("Market"), "orders:market", {VISITOR, "", Role.VILLAGE_OPERATOR, Role.MERCHANT}),
        (_("Orders"), "orders:hub", Role.ANY_ACCOUNT - {Role.COURIER}),
        (
            _("Consignment statements"),
            "orders:consign_points",
            {Role.TOWNSHIP_STAFF, Role.COUNTY_OFFICE},
        ),
        (_("Festival results"), "orders:festivals", {Role.TOWNSHIP_STAFF, Role.COUNTY_OFFICE}),
    ]

    def ready(self):
        from cuncun.core import reach
        from cuncun.core.glances import register_glance
        from cuncun.orders import queries

        reach.register_finder(queries.reached_orders)  # a recall's buyers (trace asks)
        register_glance(queries.festival_glance)
