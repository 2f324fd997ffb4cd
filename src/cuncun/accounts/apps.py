from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class AccountsConfig(AppConfig):
    name = "cuncun.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    nav_items = [(_("Accounts"), "accounts:manage", Role.ACCOUNT_MANAGERS)]

    def ready(self):
        # django-axes says "locked" only through its signal; the audit row is the service's.
        from axes.signals import user_locked_out

        user_locked_out.connect(_audit_lockout, dispatch_uid="cuncun.accounts.lockout")


def _audit_lockout(sender, request, username, ip_address, **kwargs):
    from cuncun.accounts.services import record_lockout

    record_lockout(username=username or "", ip_address=ip_address)
