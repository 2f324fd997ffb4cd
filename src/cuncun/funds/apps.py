from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class FundsConfig(AppConfig):
    name = "cuncun.funds"
    label = "funds"
    verbose_name = _("Special fund")
    nav_items = [
        (
            _("Special fund"),
            "funds:home",
            {
                Role.COUNTY_OFFICE,
                Role.MEMBER_DEPARTMENT,
                Role.FINANCE_BUREAU,
                Role.TOWNSHIP_STAFF,
                Role.LEADERSHIP_GROUP,
                Role.SUPERVISION_OFFICE,
            },
        )
    ]

    def ready(self):
        from cuncun.core.commitments import register_commitments, register_line_check
        from cuncun.core.glances import register_glance
        from cuncun.funds.plan_sections import register_sections
        from cuncun.funds.queries import committed_in_category, fund_glance
        from cuncun.funds.services import hold_line_for_vouchers

        register_sections()
        register_commitments(committed_in_category)
        register_line_check(hold_line_for_vouchers)
        register_glance(fund_glance)
