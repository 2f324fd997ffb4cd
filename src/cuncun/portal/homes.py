"""Where each person lands after logging in: their own work, not the county's statistics.

One table (role → url name) so that a role's home is changed in one place. The county-wide
roles land on the plan against today's values: the coverage page until the program dashboard
(`monitoring:dashboard`, issue #12) is merged, when these four lines point there instead.
"""

from django.urls import reverse

from cuncun.accounts.roles import Role
from cuncun.training.access import is_training_office

ROLE_HOMES = {
    Role.VILLAGE_OPERATOR: "portal:console",  # the point's console: what waits at the counter
    Role.TOWNSHIP_STAFF: "network:manage",  # applications and acceptance checks of the township
    Role.MERCHANT: "orders:sell",  # orders to pack and ship
    Role.COURIER: "logistics:home",  # today's routes and scans
    Role.COUNTY_OFFICE: "network:coverage",  # → monitoring:dashboard (#12)
    Role.LEADERSHIP_GROUP: "network:coverage",  # → monitoring:dashboard (#12)
    Role.SUPERVISION_OFFICE: "network:coverage",  # → monitoring:dashboard (#12)
    Role.SERVICE_CENTER: "network:coverage",  # → monitoring:dashboard (#12)
    Role.FINANCE_BUREAU: "plans:current",  # the fund rules and caps of the plan
    Role.MEMBER_DEPARTMENT: "plans:current",  # the member units and their duties
    "": "orders:market",  # a buyer's account has no role
}
# The training office is a member department (or the county office) whose unit the plan gives
# the training to; its work is the sessions.
TRAINING_OFFICE_HOME = "training:sessions"
VISITOR_HOME = "portal:home"


def home_url_name(user) -> str:
    if not user.is_authenticated:
        return VISITOR_HOME
    if is_training_office(user):
        return TRAINING_OFFICE_HOME
    return ROLE_HOMES.get(user.role, VISITOR_HOME)


def home_url(user) -> str:
    return reverse(home_url_name(user))
