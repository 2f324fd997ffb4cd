from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.context import VISITOR


class TourismConfig(AppConfig):
    name = "cuncun.tourism"
    label = "tourism"
    verbose_name = _("Homestays and rural tourism")
    nav_items = [
        (_("Homestays"), "tourism:list", {VISITOR, ""}),
        (_("Tourism routes"), "tourism:routes", {VISITOR, ""}),
        (_("My homestay"), "tourism:host", {Role.MERCHANT}),
        (_("Homestay certification"), "tourism:manage", {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF}),
    ]

    def ready(self):
        from cuncun.core.reveal import allow_reveal
        from cuncun.tourism import indicators, payments
        from cuncun.tourism.models import Booking
        from cuncun.tourism.services import is_host

        indicators.register()
        payments.register()
        allow_reveal(
            Booking,
            ["guest_phone"],
            may_see=lambda actor, booking: is_host(actor, booking.room.homestay),
            refusal=_("Only the host sees the guest's number."),
        )
