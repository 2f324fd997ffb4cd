"""A park's request for support (对…电商创业园…给予适当扶持) flows into the fund: taken into the
budget as a project owned by the park, checked by the plan's rules, or declined with a reason."""

from decimal import Decimal

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.funds.models import FundSource
from cuncun.funds.services import (
    FundRuleBroken,
    decline_support_request,
    take_support_request,
)
from cuncun.merchants.models import SupportRequestStatus
from cuncun.merchants.services import request_park_support
from cuncun.network.models import SiteKind
from tests.conftest import township
from tests.factories import site_in


@pytest.fixture
def park(plan):
    return site_in(township("嘎洒镇"), SiteKind.INCUBATOR, name="嘎洒电商创业园")


@pytest.fixture
def center_staff(make_user):
    return make_user("center", Role.SERVICE_CENTER)


def _ask(center_staff, park, amount="300000", total="800000"):
    return request_park_support(
        actor=center_staff,
        site=park,
        purpose="闲置厂房改造为电商创业园：网络、仓储货架",
        total_investment=total,
        amount=amount,
    )


def test_a_park_request_taken_into_the_budget_becomes_a_project_of_the_park(
    fund, commerce, center_staff, park
):
    request = _ask(center_staff, park)

    project = take_support_request(
        actor=commerce, fund=fund, request=request, category="public_service_center"
    )

    assert project.owner_site == park and project.site == park
    assert (project.support, project.total_investment) == (Decimal("300000"), Decimal("800000"))
    assert project.source == FundSource.LOCAL
    request.refresh_from_db()
    assert request.status == SupportRequestStatus.TAKEN
    assert request.fund_project == project.code


def test_a_request_past_a_rule_of_the_plan_is_refused_and_stays_waiting(
    fund, commerce, center_staff, park
):
    request = _ask(center_staff, park, amount="3500000.01", total="9000000")

    with pytest.raises(FundRuleBroken):
        take_support_request(
            actor=commerce, fund=fund, request=request, category="public_service_center"
        )

    request.refresh_from_db()
    assert request.status == SupportRequestStatus.SUBMITTED
    assert not fund.projects.exists()


def test_a_declined_request_says_why_and_cannot_be_answered_twice(
    fund, commerce, center_staff, park
):
    request = _ask(center_staff, park)
    with pytest.raises(InvalidInput):
        decline_support_request(actor=commerce, request=request, reason=" ")

    decline_support_request(actor=commerce, request=request, reason="本年度预算已满")

    request.refresh_from_db()
    assert (request.status, request.decision_note) == (
        SupportRequestStatus.DECLINED,
        "本年度预算已满",
    )
    with pytest.raises(Conflict):
        take_support_request(
            actor=commerce, fund=fund, request=request, category="public_service_center"
        )


def test_only_the_center_and_the_office_file_requests_and_only_proposers_take_them(
    fund, finance, center_staff, park, make_user
):
    merchant_user = make_user("someone", Role.MERCHANT)
    with pytest.raises(NotAllowed):
        _ask(merchant_user, park)
    request = _ask(center_staff, park)
    with pytest.raises(NotAllowed):
        take_support_request(
            actor=finance, fund=fund, request=request, category="public_service_center"
        )


def test_a_request_asking_more_than_its_investment_is_refused(center_staff, park):
    with pytest.raises(InvalidInput):
        _ask(center_staff, park, amount="900000", total="800000")


def test_the_proposer_takes_a_request_on_the_fund_page(client, fund, commerce, center_staff, park):
    from tests.conftest import PASSWORD

    request = _ask(center_staff, park)
    client.login(username=commerce.username, password=PASSWORD)
    assert "嘎洒电商创业园" in client.get("/funds/").content.decode()

    response = client.post(
        f"/funds/support-requests/{request.pk}/",
        {"decision": "take", "category": "public_service_center", "source": "local"},
    )

    request.refresh_from_db()
    assert response.status_code == 302 and request.fund_project in response["Location"]
