"""The training sessions paid from the special fund count against the plan's training cap in the
fund's rule checker, as a line of the training category."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.funds.queries import TRAINING_SESSIONS_KEY, budget_lines, fund_position
from cuncun.funds.services import FundRuleBroken
from cuncun.training.models import FundingSource
from cuncun.training.queries import training_fund
from cuncun.training.services import TrainingFundCapExceeded
from tests.training.conftest import awareness, make_session  # noqa: F401 (the fixture)


def test_sessions_paid_from_the_fund_are_a_line_of_the_training_category(
    plan,
    fund,
    awareness,  # noqa: F811
):
    make_session(awareness, code="2017-001", first=date(2017, 5, 12), cost="300000")
    make_session(
        awareness,
        code="2017-002",
        first=date(2017, 6, 1),
        cost="90000",
        funding_source=FundingSource.EMPLOYMENT_FUND,  # not the special fund: not counted
    )

    [line] = [line for line in budget_lines(fund) if line.key == TRAINING_SESSIONS_KEY]
    assert (line.category, line.support) == ("training", Decimal("300000.00"))
    training = next(c for c in fund_position(None, fund)["categories"] if c.key == "training")
    assert training.sessions == Decimal("300000.00")


def test_a_training_project_may_take_only_what_the_sessions_left_of_the_cap(
    plan,
    fund,
    new_project,
    awareness,  # noqa: F811
):
    make_session(awareness, code="2017-001", first=date(2017, 5, 12), cost="300000")

    new_project("training", support="1700000", total="1700000")  # exactly the cap with them
    with pytest.raises(FundRuleBroken, match="培训"):
        new_project("training", support="0.01", total="0.01")


def test_a_session_may_take_only_what_the_funds_training_projects_left_of_the_cap(
    plan,
    fund,
    new_project,
    awareness,  # noqa: F811
):
    # Given the fund's own training projects take 1,900,000 of the 2,000,000 cap
    new_project("training", support="1900000", total="1900000")

    # then a session paid from the fund may take the 100,000 left, and not a fen more
    with pytest.raises(TrainingFundCapExceeded, match=r"100,000\.00") as refused:
        make_session(awareness, code="2017-001", first=date(2017, 5, 12), cost="100000.01")
    assert refused.value.details["committed"] == Decimal("1900000.00")
    make_session(awareness, code="2017-002", first=date(2017, 5, 12), cost="100000")

    fund_left = training_fund(plan)
    assert (fund_left.sessions, fund_left.elsewhere, fund_left.left) == (
        Decimal("100000.00"),
        Decimal("1900000.00"),
        Decimal("0.00"),
    )
