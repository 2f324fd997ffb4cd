"""The fund's demo keeps every rule but the logistics minimum (its warning shows), has a
disbursement at each step, and loading it twice changes nothing."""

from cuncun.accounts.models import Role
from cuncun.funds import demo, queries
from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry, Project
from cuncun.network.models import SiteKind
from cuncun.regions.models import RegionUnit
from tests.conftest import township
from tests.factories import site_in


def test_the_demo_budget_keeps_the_rules_and_loading_it_twice_changes_nothing(
    plan, make_user, commerce
):
    make_user("office", Role.COUNTY_OFFICE)
    make_user("finance", Role.FINANCE_BUREAU)
    county = RegionUnit.objects.get(level="county")
    site_in(county, SiteKind.COUNTY_CENTER, name="公共服务中心")
    site_in(county, SiteKind.COUNTY_WAREHOUSE, name="仓储中心")
    for name in ("嘎洒镇", "勐龙镇"):
        site_in(township(name), SiteKind.TOWNSHIP_STATION, name=f"{name}服务站")

    demo.load_demo()
    demo.load_demo()

    fund = queries.current_fund()
    assert Project.objects.filter(is_demo=True).count() == len(demo.DEMO_PROJECTS) + 2
    violations = queries.budget_violations(fund)
    assert [v.rule for v in violations] == ["logistics_min_share"]
    assert violations[0].standing
    states = set(Disbursement.objects.values_list("state", flat=True))
    assert states == {
        DisbursementState.PAID,
        DisbursementState.APPROVED,
        DisbursementState.REVIEWED,
        DisbursementState.PROPOSED,
    }
    assert LedgerEntry.objects.count() == 3  # two commitments, one payment
    assert all(line.reconciles for line in queries.line_positions(Project.objects.all()))
