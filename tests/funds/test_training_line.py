"""The training sessions paid from the special fund count against the plan's training cap in the
fund's rule checker, as a line of the training category."""

from datetime import date
from decimal import Decimal

import pytest

from cuncun.funds.queries import TRAINING_SESSIONS_KEY, budget_lines, fund_position
from cuncun.funds.services import FundRuleBroken
from cuncun.training.models import FundingSource
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
