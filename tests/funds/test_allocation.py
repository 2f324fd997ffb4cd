"""The competitive allocation to townships (竞争性分配资金): from the year's assessment when the
plan has one for that year, otherwise from the plan's indicators; proposed into the workflow."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.core.errors import Conflict, NotAllowed
from cuncun.funds.allocation import Basis, competitive_allocation
from cuncun.funds.awards import share_out
from cuncun.funds.models import DisbursementState
from cuncun.funds.services import (
    cancel_disbursement,
    propose_competitive_allocation,
    review_disbursement,
)
from cuncun.network.models import SiteKind
from cuncun.oversight.queries import assessment_scores
from tests.conftest import township
from tests.factories import site_in

D = Decimal
NO_ASSESSMENT_YEAR = 2018  # the plan's scheme has township items for 2017 only
DAY = date(2018, 12, 31)


def test_share_out_is_proportional_to_the_fen_and_adds_up_exactly():
    shares = share_out(D("100.00"), {"a": D(1), "b": D(1), "c": D(1), "d": D(0)})
    assert shares == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert sum(shares.values()) == D("100.00")


def test_without_an_assessment_the_plans_indicators_score_each_township(plan):
    # given a station operating in 嘎洒镇 only (a quarter of the four indicators, at 100%)
    site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 3, 1))

    # when the 2018 allocation of ¥100,000 is computed
    result = competitive_allocation(plan, NO_ASSESSMENT_YEAR, D("100000"), today=DAY)

    # then it is read from the indicators, and 嘎洒镇 takes it all
    assert result.basis == Basis.INDICATORS
    by_name = {s.township.name: s for s in result.shares}
    assert by_name["嘎洒镇"].score == D("25.00")
    assert by_name["嘎洒镇"].amount == D("100000.00")
    assert by_name["嘎洒镇"].percent == D("100.00")
    assert all(s.amount == 0 for n, s in by_name.items() if n != "嘎洒镇")
    assert "2018" in result.basis_label


def test_with_an_assessment_the_scores_of_the_year_are_the_weights(plan):
    # when the 2017 allocation is computed (the plan's scheme has township items for 2017)
    result = competitive_allocation(plan, 2017, D("1000000"), today=date(2017, 12, 31))

    # then each township's share is its assessment score against the sum of the scores
    assert result.basis == Basis.ASSESSMENT
    scores = {u.pk: s for u, s, _r in assessment_scores(year=2017, plan=plan) if hasattr(u, "path")}
    assert {s.township.pk: s.score for s in result.shares} == scores
    assert sum(s.amount for s in result.shares) == (D("1000000.00") if any(scores.values()) else 0)
    assert share_out(D("1000000"), scores) == {
        s.township.pk: s.amount for s in result.shares if s.amount
    }


@pytest.fixture
def station_in_gasa(plan):
    return site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 3, 1))


def test_proposing_the_allocation_makes_one_disbursement_per_township_with_a_share(
    plan, fund, commerce, new_project, station_in_gasa, office_user
):
    project = new_project(
        "township_station", support="100000", total="100000", site=station_in_gasa
    )

    proposed = propose_competitive_allocation(
        actor=commerce, project=project, year=NO_ASSESSMENT_YEAR, pool="80000"
    )

    [only] = proposed
    assert only.payee_township == township("嘎洒镇")
    assert only.amount == D("80000.00")
    assert only.state == DisbursementState.PROPOSED
    assert "嘎洒镇" in only.purpose
    # and it goes through the workflow like any other
    assert review_disbursement(actor=office_user, disbursement=only).state == "reviewed"


def test_a_year_is_proposed_once_until_its_disbursements_are_cancelled(
    plan, fund, commerce, new_project, station_in_gasa
):
    project = new_project(
        "township_station", support="100000", total="100000", site=station_in_gasa
    )
    [first] = propose_competitive_allocation(
        actor=commerce, project=project, year=NO_ASSESSMENT_YEAR, pool="50000"
    )

    with pytest.raises(Conflict, match="嘎洒镇"):
        propose_competitive_allocation(
            actor=commerce, project=project, year=NO_ASSESSMENT_YEAR, pool="50000"
        )

    cancel_disbursement(actor=commerce, disbursement=first, reason="重算")
    [again] = propose_competitive_allocation(
        actor=commerce, project=project, year=NO_ASSESSMENT_YEAR, pool="60000"
    )
    assert again.amount == D("60000.00")


def test_the_allocation_may_not_take_more_than_the_line_has_left(
    plan, fund, commerce, new_project, station_in_gasa
):
    project = new_project(
        "township_station", support="100000", total="100000", site=station_in_gasa
    )

    with pytest.raises(Conflict, match=r"100,000\.01"):
        propose_competitive_allocation(
            actor=commerce, project=project, year=NO_ASSESSMENT_YEAR, pool="100000.01"
        )
    assert not project.disbursements.exists()


def test_only_proposers_propose_an_allocation(plan, fund, finance, new_project, station_in_gasa):
    project = new_project(
        "township_station", support="100000", total="100000", site=station_in_gasa
    )
    with pytest.raises(NotAllowed):
        propose_competitive_allocation(
            actor=finance, project=project, year=NO_ASSESSMENT_YEAR, pool="1000"
        )
