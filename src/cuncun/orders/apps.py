from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "cuncun.orders"
    label = "orders"
    verbose_name = _("Orders")
    nav_items = [(_("Market"), "orders:market"), (_("Orders"), "orders:hub")]
