from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role

# Who opens the oversight pages: the office, the member units (their own reports and milestones),
# township staff (their township's reports), and the read-everything roles.
OVERSIGHT_ROLES = {
    Role.COUNTY_OFFICE,
    Role.MEMBER_DEPARTMENT,
    Role.FINANCE_BUREAU,
    Role.TOWNSHIP_STAFF,
    Role.LEADERSHIP_GROUP,
    Role.SUPERVISION_OFFICE,
    Role.SERVICE_CENTER,
}


class OversightConfig(AppConfig):
    name = "cuncun.oversight"
    label = "oversight"
    verbose_name = _("Oversight")
    nav_items = [(_("Oversight"), "oversight:home", OVERSIGHT_ROLES)]

    def ready(self):
        from cuncun.oversight.plan_sections import register_sections

        register_sections()
