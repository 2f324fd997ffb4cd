"""The fund's demo keeps every rule but the logistics minimum (its warning shows), has a
disbursement at each step, pays the running festival's program vouchers from a line of its own,
and loading it twice changes nothing."""

from cuncun.funds import demo, queries
from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry, Project
from cuncun.promotions.models import Funder, VoucherBatch


def test_the_demo_budget_keeps_the_rules_and_loading_it_twice_changes_nothing(fund_demo):
    demo.load_demo()

    fund = queries.current_fund()
    # its projects, two township stations and the festival's promotion
    assert Project.objects.filter(is_demo=True).count() == len(demo.DEMO_PROJECTS) + 3
    promotion = Project.objects.get(name=demo.PROMOTION[0])
    batches = VoucherBatch.objects.filter(funder=Funder.PROGRAM)
    assert sorted(batches.values_list("kind", "budget_line")) == [
        ("direct", promotion.code),
        ("free_pickup", promotion.code),
    ]
    [line] = queries.line_positions(Project.objects.filter(pk=promotion.pk))
    assert line.committed == sum(b.budget for b in batches)
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
