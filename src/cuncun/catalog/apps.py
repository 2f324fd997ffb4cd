from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class CatalogConfig(AppConfig):
    name = "cuncun.catalog"
    label = "catalog"
    verbose_name = _("Catalog")
    nav_items = [(_("My goods"), "catalog:console", {Role.MERCHANT, Role.VILLAGE_OPERATOR})]
