"""The orders tests' small market, with a running festival: the office's 双十二 campaign, the tea
garden's 普洱茶 in it at ¥40 instead of ¥50 (3 per buyer, 8 units set aside); and a line of the
special fund that pays program vouchers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.accounts.roles import Role
from cuncun.funds.services import ProjectDraft, add_project, ensure_fund
from cuncun.plans.models import MemberUnitTask
from cuncun.plans.queries import member_units_carrying_out
from cuncun.promotions.models import CampaignKind
from cuncun.promotions.services import (
    VoucherTermsInput,
    create_campaign,
    issue_vouchers,
    join_campaign,
)
from tests.orders.conftest import forget_cached_hints, market  # noqa: F401  (fixtures)


@pytest.fixture
def office(make_user):
    return make_user("office", Role.COUNTY_OFFICE)


@pytest.fixture
def festival(market, county, office):  # noqa: F811  (the imported fixture)
    now = timezone.now()
    campaign = create_campaign(
        actor=office,
        name="双十二网络购物节",
        kind=CampaignKind.FESTIVAL,
        region=county,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )
    item = join_campaign(
        actor=market.tea_owner,
        campaign=campaign,
        sku=market.tea,
        festival_price="40.00",
        per_buyer_limit=3,
        set_aside=8,
    )
    market.campaign, market.item, market.office = campaign, item, office
    return market


@pytest.fixture
def budget_line(plan):
    """The code of a project of the special fund that pays program vouchers: the county's
    festival promotion, ¥100,000 of support (local money) on ¥200,000 invested."""
    return promotion_line(plan, support="100000")


def promotion_line(plan, *, support: str) -> str:
    [unit] = member_units_carrying_out(MemberUnitTask.FUND_PROJECTS, plan)
    project = add_project(
        actor=None,
        fund=ensure_fund(actor=None, plan=plan),
        draft=ProjectDraft(
            name="网络购物节促销",
            category="brand_trace_quality",
            total_investment=Decimal(support) * 2,
            support=Decimal(support),
            source="local",
            use="购物节平台券",
            owner_unit=unit,
        ),
    )
    return project.code


def vouchers(actor, *, merchant=None, budget_line="", **terms):
    now = timezone.now()
    values = {
        "name": "满100减20",
        "kind": "threshold",
        "amount": "20",
        "threshold": "100",
        "budget": "1000",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=1),
        **terms,
    }
    return issue_vouchers(
        actor=actor,
        terms=VoucherTermsInput(**values),
        merchant=merchant,
        budget_line=budget_line,
    )
