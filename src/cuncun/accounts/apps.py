from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class AccountsConfig(AppConfig):
    name = "cuncun.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    nav_items = [(_("Accounts"), "accounts:manage", Role.ACCOUNT_MANAGERS)]
