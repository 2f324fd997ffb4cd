"""The fund's demo keeps every rule but the logistics minimum (its warning shows), has a
disbursement at each step, and loading it twice changes nothing."""

from cuncun.funds import demo, queries
from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry, Project


def test_the_demo_budget_keeps_the_rules_and_loading_it_twice_changes_nothing(fund_demo):
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
