import tomllib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from cuncun.core.errors import InvalidInput
from cuncun.core.models import AuditEntry
from cuncun.plans.models import (
    FundRule,
    MemberUnit,
    MemberUnitTask,
    Milestone,
    Plan,
    SubsidyRule,
    Target,
)
from cuncun.plans.plan_file import PlanFileError
from cuncun.plans.progress import evaluate
from cuncun.plans.queries import member_units_carrying_out, plan_in_force, target, targets_for
from cuncun.plans.services import bundled_plan_file, load_plan

PLAN_FILE = bundled_plan_file("jinghong-2016")


def test_the_plan_loads_with_its_targets_milestones_rules_and_member_units(plan):
    assert plan.title == "景洪市电子商务进农村三年发展规划及实施方案"
    assert plan.county.name == "景洪市"
    assert Target.objects.filter(plan=plan).count() >= 15
    assert Milestone.objects.filter(plan=plan).count() >= 9
    assert MemberUnit.objects.filter(plan=plan).count() >= 30
    assert SubsidyRule.objects.filter(plan=plan).count() == 4


def test_every_entry_quotes_the_plan_word_for_word(plan):
    entries = [
        *plan.targets.all(),
        *plan.milestones.all(),
        *plan.fund_rules.all(),
        *plan.subsidy_rules.all(),
        *plan.member_units.all(),
        *plan.phases.all(),
    ]
    assert all(e.sentence and e.sentence in plan.text for e in entries)


def test_the_plan_figures_are_read_from_the_file(plan):
    assert target("training_person_times", plan).value == 10000
    village_targets = targets_for("village_point_coverage", plan)
    assert (village_targets[0].comparison, village_targets[0].value) == (">=", 50)
    assert str(village_targets[0].deadline) == "2017-04-01"
    carriers = targets_for("carrier_township_coverage", plan)[0]
    assert (carriers.comparison, carriers.value) == (">", 80)
    assert carriers.is_met_by(Decimal("80.01")) and not carriers.is_met_by(Decimal(80))


def test_fund_caps_and_subsidy_thresholds(plan):
    size = FundRule.objects.get(plan=plan, kind="fund_size")
    assert size.amount == Decimal("15000000.00")
    village_cap = FundRule.objects.get(plan=plan, category="village_point", kind="cap_amount")
    assert (village_cap.amount, village_cap.per) == (Decimal("30000.00"), "site")
    logistics = FundRule.objects.get(plan=plan, kind="min_share_of_fund")
    assert logistics.share == Decimal("0.3")
    rate = SubsidyRule.objects.get(plan=plan, kind="rate_on_sales")
    assert (rate.threshold, rate.rate, rate.through_month) == (
        Decimal("5000000"),
        Decimal("0.02"),
        12,
    )
    thresholds = SubsidyRule.objects.filter(plan=plan, kind="application_threshold")
    assert sorted((r.through_month, r.threshold) for r in thresholds) == [
        (4, Decimal("1500000")),
        (8, Decimal("3000000")),
        (11, Decimal("4500000")),
    ]


def test_the_three_leading_units_are_marked(plan):
    leads = set(plan.member_units.filter(leads_implementation=True).values_list("name", flat=True))
    assert leads == {"市商务外事侨务局", "市财政局", "市人民政府扶贫开发办公室"}


def test_loading_the_plan_again_changes_nothing(plan):
    before = AuditEntry.objects.count()
    load_plan(actor=None, path=PLAN_FILE)
    assert AuditEntry.objects.count() == before
    assert Plan.objects.count() == 1


def test_plan_in_force_finds_the_plan_for_a_day(plan):
    from datetime import date

    assert plan_in_force(on=date(2017, 5, 1)) == plan


def _copy_with(tmp_path, old: str, new: str):
    text = PLAN_FILE.read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "jinghong-2016.txt").write_text(
        (PLAN_FILE.parent / "jinghong-2016.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "plan.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_sentence_not_in_the_plan_text_is_refused_and_nothing_loads(county, tmp_path):
    path = _copy_with(tmp_path, 'sentence = "', 'sentence = "不在规划里的话')
    with pytest.raises(PlanFileError) as caught:
        load_plan(actor=None, path=path)
    assert any(r["code"] == "not_quoted" for r in caught.value.details["rows"])
    assert not Plan.objects.exists() and not Target.objects.exists()


def test_an_unknown_comparison_is_refused(county, tmp_path):
    path = _copy_with(tmp_path, 'comparison = ">="', 'comparison = "about"')
    with pytest.raises(PlanFileError):
        load_plan(actor=None, path=path)


def test_a_malformed_file_is_refused_with_the_parser_message(county, tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("[plan\ncode = 1", encoding="utf-8")
    with pytest.raises(PlanFileError):
        load_plan(actor=None, path=path)


def test_a_plan_needs_its_county_loaded_first(db):
    with pytest.raises(InvalidInput):
        load_plan(actor=None, path=PLAN_FILE)


def test_load_plan_command_prints_what_it_loaded(county, capsys, tmp_path):
    call_command("load_plan", str(PLAN_FILE))
    assert "targets" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("load_plan", str(tmp_path / "missing.toml"))


def test_the_bundled_file_is_valid_toml_with_unique_keys():
    data = tomllib.loads(PLAN_FILE.read_text(encoding="utf-8"))
    for section in ("target", "milestone", "fund_rule", "subsidy_rule", "member_unit"):
        keys = [e["key"] for e in data[section]]
        assert len(keys) == len(set(keys)), section


def test_a_section_written_as_one_table_is_refused_with_how_to_write_it(county, tmp_path):
    path = _copy_with(tmp_path, "[[target]]", "[target]")
    path.write_text(path.read_text(encoding="utf-8").replace("[[target]]", "[[targetx]]"), "utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan(actor=None, path=path)
    codes = {r["code"] for r in caught.value.details["rows"]}
    assert "not_an_array_of_tables" in codes
    assert not Plan.objects.exists()


def test_responsible_units_must_be_a_list_and_reported_once(county, tmp_path):
    path = _copy_with(
        tmp_path,
        'responsible = ["ecommerce_office", "hrss_bureau"]',
        'responsible = "hrss_bureau"',
    )
    with pytest.raises(PlanFileError) as caught:
        load_plan(actor=None, path=path)
    rows = caught.value.details["rows"]
    assert [r["code"] for r in rows] == ["wrong_type"]


def test_the_plan_names_the_unit_that_runs_the_training(plan, county, tmp_path):
    assert [u.key for u in member_units_carrying_out(MemberUnitTask.TRAINING, plan)] == [
        "hrss_bureau"
    ]
    unknown = _copy_with(tmp_path, 'carries_out = ["training"]', 'carries_out = ["juggling"]')
    with pytest.raises(PlanFileError) as caught:
        load_plan(actor=None, path=unknown)
    assert [r["code"] for r in caught.value.details["rows"]] == ["unknown_task"]


def test_a_total_is_asked_of_the_county_and_a_share_of_every_township(plan, county):
    from datetime import date

    from tests.conftest import township

    gasa = township("嘎洒镇")
    day = date(2017, 3, 1)
    assert evaluate("training_person_times", county, day).target.value == 10000
    assert evaluate("training_person_times", gasa, day).target is None
    assert evaluate("village_point_coverage", gasa, day).target.value == 50


def test_a_per_village_bound_is_asked_of_every_township_too(plan, county):
    from datetime import date

    from tests.conftest import township

    talents = evaluate("village_talents_max", township("嘎洒镇"), date(2017, 6, 1))
    assert (talents.target.comparison, talents.target.value) == ("<=", 3)


def test_the_training_cap_of_the_fund_rules_is_the_spending_indicators_target(plan, county):
    from datetime import date

    from tests.conftest import township

    day = date(2017, 6, 1)
    spending = evaluate("training_fund_spending", county, day)
    assert (spending.target.comparison, spending.target.value) == ("<=", Decimal("2000000.00"))
    assert spending.as_dict()["target_sentence"] == "支持培训体系建设不超过200万元"
    assert spending.met is True
    assert evaluate("training_fund_spending", township("嘎洒镇"), day).target is None
