from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class TraceConfig(AppConfig):
    name = "cuncun.trace"
    label = "trace"
    verbose_name = _("Traceability")
    nav_items = [
        (_("Traceability"), "trace:console", {Role.MERCHANT, Role.VILLAGE_OPERATOR}),
        (_("Quality"), "trace:office", {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF}),
    ]

    def ready(self):
        from cuncun.core import holds
        from cuncun.trace import services

        # catalog sits above trace: it asks core's registry whether a product may be listed.
        holds.register_listing_check(services.listing_refusal)
