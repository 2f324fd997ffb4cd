"""Reads for the pages portal owns: the homes that count what waits for each person (the
operator's console at their point, the township's desk, the merchant's shop)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.catalog import queries as catalog
from cuncun.logistics import queries as logistics
from cuncun.merchants.queries import merchants_of
from cuncun.monitoring import queries as monitoring
from cuncun.monitoring.periods import add_months, month_start
from cuncun.network import queries as network
from cuncun.network.models import Site, SiteStatus
from cuncun.network.services import may_take_at
from cuncun.orders import consignment
from cuncun.orders import queries as orders
from cuncun.orders.models import OrderStatus
from cuncun.tourism import queries as tourism
from cuncun.tourism.models import HomestayStatus


@dataclass(frozen=True)
class ConsoleButton:
    key: str  # stable, for tests and the offline queue
    label: str
    hint: str
    count: int
    url: str
    offline: bool = False  # its page is kept on the phone and its actions queue offline


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
            offline=True,
        ),
        ConsoleButton(
            "check_in",
            pgettext_lazy("console", "Check in"),
            _("parcels on their way here"),
            logistics.bound_for(site).count(),
            reverse("logistics:scan") + f"?site={site.pk}&action=check_in",
            offline=True,
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
            offline=True,
        ),
        ConsoleButton(
            "ledger",
            pgettext_lazy("console", "Today's ledger"),
            _("services recorded today"),
            site.ledger.filter(day=timezone.localdate()).count(),
            reverse("network:manage_site", args=[site.pk]) + "#ledger",
        ),
    ]


def _sites_waiting_for(user, status: str, step: str) -> int:
    """The township's sites in `status` whose next step is the user's to take (a station's is
    the county office's)."""
    return sum(
        may_take_at(user, step, site) for site in network.console_sites(user).filter(status=status)
    )


def township_buttons(user) -> list[ConsoleButton]:
    """What waits for township staff: the points to approve and to check before they open, the
    carriers' scans flagged for review, the homestays to visit, the businesses whose last month's
    sales report is missing."""
    manage = reverse("network:manage")
    last_month = add_months(month_start(timezone.localdate()), -1)
    return [
        ConsoleButton(
            "applications",
            pgettext_lazy("desk", "Applications"),
            _("service points to approve or refuse"),
            _sites_waiting_for(user, SiteStatus.APPLIED, "approve"),
            f"{manage}?status={SiteStatus.APPLIED}",
        ),
        ConsoleButton(
            "acceptance",
            pgettext_lazy("desk", "Acceptance checks"),
            _("points built, to check before they open"),
            _sites_waiting_for(user, SiteStatus.APPROVED, "accept"),
            f"{manage}?status={SiteStatus.APPROVED}",
        ),
        ConsoleButton(
            "flagged",
            pgettext_lazy("desk", "Flagged scans"),
            _("carriers' scans to review"),
            logistics.flagged_events(user).count(),
            reverse("logistics:review"),
        ),
        ConsoleButton(
            "homestays",
            pgettext_lazy("desk", "Homestays to check"),
            _("hosts who applied, to visit"),
            tourism.homestays_to_manage(user).filter(status=HomestayStatus.APPLIED).count(),
            reverse("tourism:manage") + f"?status={HomestayStatus.APPLIED}",
        ),
        ConsoleButton(
            "reports",
            pgettext_lazy("desk", "Sales reports"),
            _("businesses yet to report last month"),
            monitoring.missing_reports(user, last_month).count(),
            reverse("monitoring:reports") + f"?month={last_month:%Y-%m}#missing",
        ),
    ]


def merchant_buttons(user) -> list[ConsoleButton]:
    """What waits in a shop: orders to pack, packed orders to hand to a carrier, stock to refill."""
    sell = reverse("orders:sell")
    return [
        ConsoleButton(
            "to_pack",
            pgettext_lazy("desk", "To pack"),
            _("paid orders to pack"),
            orders.seller_orders(user, OrderStatus.PAID).count(),
            f"{sell}?status={OrderStatus.PAID}",
        ),
        ConsoleButton(
            "to_ship",
            pgettext_lazy("desk", "To ship"),
            _("packed orders to hand to a carrier"),
            orders.seller_orders(user, OrderStatus.PACKED).count(),
            f"{sell}?status={OrderStatus.PACKED}",
        ),
        ConsoleButton(
            "low_stock",
            pgettext_lazy("desk", "Low stock"),
            _("SKUs at or below their warning line"),
            catalog.low_stock(merchants_of(user)).count(),
            "#low-stock",
        ),
        ConsoleButton(
            "products",
            pgettext_lazy("desk", "Products"),
            _("prices, stock counts, seasons"),
            catalog.seller_products(merchants_of(user)).count(),
            reverse("catalog:console"),
        ),
    ]


# The low-stock rows a shop's home lists; the button counts them all.
LOW_STOCK_LISTED = 50


def low_stock_of(user) -> list:
    return list(catalog.low_stock(merchants_of(user))[:LOW_STOCK_LISTED])
