from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class MerchantsConfig(AppConfig):
    name = "cuncun.merchants"
    label = "merchants"
    verbose_name = _("Merchants")
    nav_items = [
        (_("Merchants"), "merchants:list", Role.PROGRAM_FOLLOWERS | {VISITOR}),
        (
            _("Incubator tenants"),
            "merchants:tenancies",
            {Role.COUNTY_OFFICE, Role.SERVICE_CENTER, Role.LEADERSHIP_GROUP},
        ),
    ]

    def ready(self):
        from cuncun.core.reveal import allow_reveal
        from cuncun.merchants import indicators
        from cuncun.merchants.models import Merchant
        from cuncun.merchants.services import sees_contact

        indicators.register()
        allow_reveal(
            Merchant,
            ["contact_phone"],
            may_see=sees_contact,
            refusal=_("Only the county office and whoever sells for this merchant see its number."),
        )
