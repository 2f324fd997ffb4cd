"""Where each person lands after logging in: their own work, not the county's statistics.

One table (role → url name) so that a role's home is changed in one place. The county-wide
roles land on the program dashboard: the plan's targets against today's values.
"""

from django.urls import reverse

from cuncun.accounts.roles import Role
from cuncun.training.access import is_training_office

ROLE_HOMES = {
    Role.VILLAGE_OPERATOR: "portal:console",  # the point's console: what waits at the counter
    Role.TOWNSHIP_STAFF: "portal:township",  # applications, checks, flagged scans, reports
    Role.MERCHANT: "portal:shop",  # orders to pack and ship, stock that runs low
    Role.COURIER: "logistics:home",  # today's routes and scans
    Role.COUNTY_OFFICE: "monitoring:dashboard",  # the plan's targets against today's values
    Role.LEADERSHIP_GROUP: "monitoring:dashboard",  # the plan's targets against today's values
    Role.SUPERVISION_OFFICE: "monitoring:dashboard",  # the plan's targets against today's values
    Role.SERVICE_CENTER: "monitoring:dashboard",  # the plan's targets against today's values
    Role.FINANCE_BUREAU: "funds:home",  # what waits for its approval and the fund's position
    Role.MEMBER_DEPARTMENT: "oversight:home",  # the unit's reports and milestones
    Role.GUARANTEE_AGENCY: "financing:home",  # loan applications waiting for review
    Role.BANK: "financing:home",  # loan applications guaranteed, loans and repayments
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
