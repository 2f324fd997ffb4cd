"""The online-sales subsidy and the yearly reward, from monthly sales figures shaped like
monitoring's `monthly_online_sales`, with hand-computed cases; applications go through the
disbursement workflow."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.core.errors import Conflict
from cuncun.funds.awards import allocate_reward, eligible_subsidies, threshold_crossings
from cuncun.funds.models import AwardKind, DisbursementState
from cuncun.funds.services import (
    FundRuleBroken,
    NotEligible,
    apply_for_sales_award,
    approve_disbursement,
    review_disbursement,
)
from cuncun.merchants.models import MerchantKind, Platform
from cuncun.merchants.services import MerchantDetails, register_merchant
from cuncun.monitoring.services import PlatformSales, accept_sales_report, submit_sales_report
from cuncun.plans.queries import subsidy_rules
from tests.conftest import township

D = Decimal
A, B, C, E = 1, 2, 3, 4
SALES = {
    A: {m: D("400000") for m in range(1, 13)},  # Apr 1.6M, Aug 3.2M, Nov 4.4M, year 4.8M
    B: {m: D("500000") for m in range(1, 13)},  # Apr 2.0M, Aug 4.0M, Nov 5.5M, year 6.0M
    C: {1: D("1499999.99"), 12: D("3600000.01")},  # a fen short in April; year 5.1M
    E: {5: D("5000000")},  # exactly the yearly threshold, reached in May
}


def test_who_crossed_each_application_threshold_by_its_month(plan):
    crossed = {(c.rule_key, c.merchant_id) for c in threshold_crossings(subsidy_rules(plan), SALES)}
    assert crossed == {
        ("apply_threshold_jan_apr", A),
        ("apply_threshold_jan_apr", B),
        ("apply_threshold_jan_aug", A),
        ("apply_threshold_jan_aug", B),
        ("apply_threshold_jan_aug", E),
        ("apply_threshold_jan_nov", B),
        ("apply_threshold_jan_nov", E),
    }


def test_the_subsidy_is_the_rate_on_the_year_for_those_who_reach_the_threshold(plan):
    subsidies = eligible_subsidies(subsidy_rules(plan), SALES)
    assert {m: s.amount for m, s in subsidies.items()} == {
        B: D("120000.00"),
        C: D("102000.00"),
        E: D("100000.00"),  # exactly at the threshold passes
    }


def test_the_reward_pool_is_shared_by_sales_and_adds_up_to_the_pool(plan):
    shares = allocate_reward(D("1000000"), subsidy_rules(plan), SALES)
    # 6.0 : 5.1 : 5.0 of 16.1M, rounded down to the fen; the 2 fen left go to the largest sales
    assert shares == {B: D("372670.81"), C: D("316770.19"), E: D("310559.00")}
    assert sum(shares.values()) == D("1000000.00")


def test_no_one_over_the_threshold_shares_nothing(plan):
    assert allocate_reward(D("1000000"), subsidy_rules(plan), {A: SALES[A]}) == {}


@pytest.fixture
def shop(county):
    def make(name):
        return register_merchant(
            actor=None,
            details=MerchantDetails(
                name=name, kind=MerchantKind.ENTERPRISE, region=township("嘎洒镇")
            ),
        )

    return make


def reported(office, merchant, months: dict[int, Decimal], year=2017):
    """The business's monthly online sales, reported and accepted by the office (for a business
    without an account of its own)."""
    for month, amount in months.items():
        line = PlatformSales(
            platform=Platform.TAOBAO, farm_sales=amount, other_sales=D(0), orders=1, b2b_sales=D(0)
        )
        report = submit_sales_report(
            actor=office, merchant=merchant, month=date(year, month, 1), lines=[line]
        )
        accept_sales_report(actor=office, report=report)


def test_an_award_application_goes_through_the_workflow_once_a_year(
    plan, new_project, commerce, office_user, finance, shop
):
    line = new_project("sales_reward", support="1000000", total="1000000", source="local")
    first, second, small = shop("茶叶公司"), shop("水果公司"), shop("小店")
    for merchant, sales in ((first, SALES[B]), (second, SALES[C]), (small, SALES[A])):
        reported(office_user, merchant, sales)
    reward = apply_for_sales_award(
        actor=commerce, project=line, merchant=first, year=2017, kind=AwardKind.REWARD
    )
    # 6.0M and 5.1M of 11.1M: 540,540.54 + 459,459.45, and the fen left to the larger
    assert (reward.amount, reward.payee_merchant, reward.state) == (
        D("540540.55"),
        first,
        DisbursementState.PROPOSED,
    )
    approved = approve_disbursement(
        actor=finance, disbursement=review_disbursement(actor=office_user, disbursement=reward)
    )
    assert approved.state == DisbursementState.APPROVED
    with pytest.raises(NotEligible) as refused:
        apply_for_sales_award(
            actor=commerce,
            project=line,
            merchant=small,
            year=2017,
            kind=AwardKind.REWARD,
        )
    assert "¥4,800,000.00" in str(refused.value.message)
    with pytest.raises(Conflict):  # the same business twice in a year
        apply_for_sales_award(
            actor=commerce,
            project=line,
            merchant=first,
            year=2017,
            kind=AwardKind.REWARD,
        )


def test_rewards_of_a_year_stay_within_the_pool(plan, new_project, commerce, office_user, shop):
    line = new_project("sales_reward", support="3000000", total="3000000", source="local")
    rich = shop("大企业")
    reported(office_user, rich, SALES[B])
    apply_for_sales_award(
        actor=commerce, project=line, merchant=rich, year=2017, kind=AwardKind.REWARD
    )
    # a second business's report accepted later: its share and the first one's pass the pool
    other = shop("另一企业")
    reported(office_user, other, SALES[C])
    with pytest.raises(FundRuleBroken) as refused:
        apply_for_sales_award(
            actor=commerce, project=line, merchant=other, year=2017, kind=AwardKind.REWARD
        )
    assert "每年市财政安排100万元" in str(refused.value.message)


def test_the_office_sees_who_earns_an_award_and_applies_through_the_page(
    client, plan, new_project, office_user, shop
):
    line = new_project("sales_reward", support="1000000", total="1000000", source="local")
    big, small = shop("茶叶公司"), shop("小店")
    reported(office_user, big, SALES[B])
    reported(office_user, small, SALES[A])
    client.force_login(office_user)
    page = client.get("/funds/awards/?year=2017").content.decode()
    assert "茶叶公司" in page and "小店" in page  # both reached the January–April threshold
    assert "¥120,000.00" in page  # 2% of the big one's 6.0M; the small one's 4.8M earns none
    client.post(
        "/funds/awards/apply/",
        {"year": 2017, "merchant": big.pk, "kind": AwardKind.REWARD, "project": line.code},
    )
    reward = line.disbursements.get()
    assert (reward.payee_merchant, reward.amount, reward.state) == (
        big,
        D("1000000.00"),  # the only one over the yearly threshold takes the whole pool
        DisbursementState.PROPOSED,
    )
