"""Each rule kind of the plan, at its edge: exactly at the limit passes, a fen past it is refused
with the rule's sentence and figures."""

from decimal import Decimal

import pytest

from cuncun.funds.models import ProjectStatus
from cuncun.funds.queries import budget_violations
from cuncun.funds.services import FundRuleBroken, change_project
from tests.conftest import township
from tests.factories import site_in
from tests.funds.conftest import draft


def test_category_cap_passes_exactly_at_the_cap_and_refuses_a_fen_over(new_project):
    new_project("training", support="1500000", total="1500000")
    at_cap = new_project("training", support="500000", total="500000")
    assert at_cap.status == ProjectStatus.ACTIVE
    with pytest.raises(FundRuleBroken) as refused:
        new_project("training", support="0.01", total="1")
    message = str(refused.value.message)
    assert "支持培训体系建设不超过200万元" in message
    assert "¥2,000,000.01" in message and "¥2,000,000.00" in message
    assert "¥0.00 of it is left" in message or "¥0.00" in message
    assert refused.value.details["violations"][0]["rule"] == "training_cap"


def test_per_project_cap_and_share_of_investment(new_project):
    new_project("brand_trace_quality", support="1000000", total="2000000")
    with pytest.raises(FundRuleBroken) as over_cap:
        new_project("brand_trace_quality", support="1000000.01", total="3000000")
    assert over_cap.value.details["violations"][0]["rule"] == "brand_trace_quality_project_cap"
    with pytest.raises(FundRuleBroken) as over_share:
        new_project("brand_trace_quality", support="500000.01", total="1000000")
    assert over_share.value.details["violations"][0]["rule"] == "brand_trace_quality_project_share"
    assert "不超过单个项目投资总额的50%" in str(over_share.value.message)
    assert "¥500,000.00" in str(over_share.value.message)


def test_per_site_cap_adds_up_the_projects_of_one_site(county, new_project):
    point = site_in(township("嘎洒镇").children.first())
    new_project("village_point", support="20000", total="40000", site=point)
    new_project("village_point", support="10000", total="20000", site=point)
    with pytest.raises(FundRuleBroken) as refused:
        new_project("village_point", support="0.01", total="1", site=point)
    assert refused.value.details["violations"][0]["rule"] == "village_point_cap"
    assert f"site {point.code}" in str(refused.value.message) or point.code in str(
        refused.value.message
    )


def test_warehouse_count_allows_two_and_refuses_a_third(new_project):
    new_project("logistics_warehouse", support="1000000", total="2000000")
    new_project("logistics_warehouse", support="1000000", total="2000000")
    with pytest.raises(FundRuleBroken) as refused:
        new_project("logistics_warehouse", support="1", total="2")
    assert refused.value.details["violations"][0]["rule"] == "logistics_warehouse_count"
    assert "支持1－2个物流仓储配送中心建设" in str(refused.value.message)


def test_forbidden_use_is_refused_for_any_amount_of_support(new_project):
    with pytest.raises(FundRuleBroken) as refused:
        new_project("land_purchase", support="0.01", total="100")
    assert refused.value.details["violations"][0]["rule"] == "land_purchase_forbidden"
    assert new_project("land_purchase", support="0", total="100").support == Decimal("0.00")


def test_forbidden_for_the_fund_applies_to_central_money_only(new_project):
    with pytest.raises(FundRuleBroken):
        new_project("trading_platform", support="1", total="100")
    local = new_project("trading_platform", support="1", total="100", source="local")
    assert local.status == ProjectStatus.ACTIVE


def test_fund_size_caps_central_support(new_project):
    # 14 warehouses would break the count rule; the center, logistics and brand lines add up.
    new_project("public_service_center", support="3500000", total="8000000")
    for _ in range(11):
        new_project("logistics", support="1000000", total="2000000")
    new_project("logistics", support="500000", total="1000000")
    with pytest.raises(FundRuleBroken) as refused:
        new_project("logistics", support="0.01", total="1")
    assert refused.value.details["violations"][0]["rule"] == "fund_size"
    assert "综合示范启动时拨付1500万元" in str(refused.value.message)
    assert new_project("logistics", support="1", total="1", source="local").support == 1


def test_annual_budget_holds_its_sum_once_a_plan_year(new_project, plan):
    years = plan.ends_on.year - plan.starts_on.year + 1
    new_project("sales_reward", support=str(1000000 * years), total=str(1000000 * years))
    with pytest.raises(FundRuleBroken) as refused:
        new_project("sales_reward", support="0.01", total="1")
    assert refused.value.details["violations"][0]["rule"] == "online_sales_reward_budget"


def test_logistics_minimum_share_is_a_standing_warning_until_met(fund, new_project):
    [warning] = [v for v in budget_violations(fund) if v.standing]
    assert warning.rule == "logistics_min_share"
    assert warning.limit == Decimal("4500000.00")
    new_project("logistics_warehouse", support="2000000", total="4000000")
    new_project("logistics", support="2499999.99", total="5000000")
    [still] = [v for v in budget_violations(fund) if v.standing]
    assert still.over == Decimal("0.01")
    new_project("logistics", support="0.01", total="1")
    assert [v for v in budget_violations(fund) if v.standing] == []


def test_moving_a_line_to_another_category_is_checked_there(new_project, commerce, unit):
    new_project("training", support="2000000", total="2000000")
    other = new_project("logistics", support="10", total="10")
    with pytest.raises(FundRuleBroken):
        change_project(actor=commerce, project=other, draft=draft(unit, "training", "10", "10"))


def test_a_budget_already_past_a_lowered_cap_may_still_come_down(new_project, commerce, unit, plan):
    line = new_project("training", support="2000000", total="2000000")
    plan.fund_rules.filter(key="training_cap").update(amount=Decimal("1000000"))
    lower = change_project(
        actor=commerce, project=line, draft=draft(unit, "training", "1500000", "2000000")
    )
    assert lower.support == Decimal("1500000.00")
    with pytest.raises(FundRuleBroken):
        change_project(
            actor=commerce, project=line, draft=draft(unit, "training", "1600000", "2000000")
        )
