from decimal import Decimal

import pytest

from cuncun.accounts.models import Role
from cuncun.funds.services import ProjectDraft, add_project, ensure_fund
from cuncun.plans.models import MemberUnitTask
from cuncun.plans.queries import member_units_carrying_out
from cuncun.plans.services import set_member_unit_staff


@pytest.fixture
def fund(plan):
    return ensure_fund(actor=None, plan=plan)


@pytest.fixture
def commerce(make_user, plan):
    """A member-department user on the staff of the unit that proposes the fund's projects."""
    user = make_user("shangwu", Role.MEMBER_DEPARTMENT)
    [unit] = member_units_carrying_out(MemberUnitTask.FUND_PROJECTS, plan)
    set_member_unit_staff(actor=None, unit=unit, users=[user])
    return user


@pytest.fixture
def finance(make_user):
    return make_user("caizheng", Role.FINANCE_BUREAU)


@pytest.fixture
def unit(plan):
    """The commerce bureau as the owner of county-wide projects."""
    [found] = member_units_carrying_out(MemberUnitTask.FUND_PROJECTS, plan)
    return found


def draft(unit, category="training", support="100000", total="200000", **extra) -> ProjectDraft:
    values = {
        "name": f"{category} 项目",
        "category": category,
        "total_investment": Decimal(total),
        "support": Decimal(support),
        "source": "central",
        "use": "设备与培训",
        "owner_unit": unit,
    }
    return ProjectDraft(**(values | extra))


@pytest.fixture
def new_project(fund, commerce, unit):
    def make(category="training", support="100000", total="200000", **extra):
        return add_project(
            actor=commerce, fund=fund, draft=draft(unit, category, support, total, **extra)
        )

    return make


@pytest.fixture
def fund_demo(plan, make_user, commerce):
    """The fund's demo loaded once, with the office, the finance bureau and the sites its
    projects name; returns the office's user."""
    from cuncun.funds import demo
    from cuncun.network.models import SiteKind
    from cuncun.promotions import demo as promotions_demo
    from cuncun.regions.models import RegionUnit
    from tests.conftest import township
    from tests.factories import site_in

    office = make_user("office", Role.COUNTY_OFFICE)
    make_user("finance", Role.FINANCE_BUREAU)
    county = RegionUnit.objects.get(level="county")
    site_in(county, SiteKind.COUNTY_CENTER, name="公共服务中心")
    site_in(county, SiteKind.COUNTY_WAREHOUSE, name="仓储中心")
    for name in ("嘎洒镇", "勐龙镇"):
        site_in(township(name), SiteKind.TOWNSHIP_STATION, name=f"{name}服务站")
    promotions_demo.load_demo()  # the running festival, whose program vouchers the fund pays
    demo.load_demo()
    return office
