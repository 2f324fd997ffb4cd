"""Reads for the pages portal owns: the operator's console counts what waits at their point."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.logistics import queries as logistics
from cuncun.network.models import Site
from cuncun.orders import consignment
from cuncun.orders import queries as orders
from cuncun.orders.models import OrderStatus


@dataclass(frozen=True)
class ConsoleButton:
    key: str  # stable, for tests and the offline queue
    label: str
    hint: str
    count: int
    url: str


def console_sites(user):
    """The serving points the user runs, the first one shown unless another is chosen."""
    return list(Site.objects.operated_by(user).serving().select_related("region"))


def console_buttons(user, site: Site) -> list[ConsoleButton]:
    """One button per job at the counter, each with the count of what waits for it."""
    at_point = orders.orders_at_point(site)
    return [
        ConsoleButton(
            "handover",
            pgettext_lazy("console", "Hand over"),
            _("parcels on the shelf"),
            logistics.waiting_at(site).count(),
            reverse("logistics:counter", args=[site.pk]),
        ),
        ConsoleButton(
            "check_in",
            pgettext_lazy("console", "Check in"),
            _("parcels on their way here"),
            logistics.bound_for(site).count(),
            reverse("logistics:scan") + f"?site={site.pk}&action=check_in",
        ),
        ConsoleButton(
            "assisted_purchase",
            pgettext_lazy("console", "Buy for a villager"),
            _("assisted purchases under way"),
            at_point.filter(checkout__assisted_site=site)
            .exclude(status__in=OrderStatus.FINAL)
            .count(),
            reverse("orders:assisted"),
        ),
        ConsoleButton(
            "assisted_sale",
            pgettext_lazy("console", "Sell for a farmer"),
            _("orders to pack"),
            orders.seller_orders(user, OrderStatus.PAID).count(),
            reverse("orders:sell"),
        ),
        ConsoleButton(
            "consign_intake",
            consignment.CONSOLE_LABEL,
            consignment.CONSOLE_HINT,
            consignment.farmers_to_pay(site),
            reverse("orders:consign") + f"?site={site.code}",
        ),
        ConsoleButton(
            "pickup_orders",
            pgettext_lazy("console", "Orders to collect"),
            _("market orders at or coming to the point"),
            at_point.filter(
                checkout__pickup_site=site,
                status__in=[OrderStatus.SHIPPED, OrderStatus.AT_PICKUP_POINT],
            ).count(),
            reverse("orders:point") + f"?site={site.code}",
        ),
        ConsoleButton(
            "cash",
            pgettext_lazy("console", "Take cash"),
            _("cash payments to confirm"),
            orders.pending_cash_payments(site).count(),
            reverse("orders:point") + f"?site={site.code}#cash",
        ),
        ConsoleButton(
            "ledger",
            pgettext_lazy("console", "Today's ledger"),
            _("services recorded today"),
            site.ledger.filter(day=timezone.localdate()).count(),
            reverse("network:manage_site", args=[site.pk]) + "#ledger",
        ),
    ]
