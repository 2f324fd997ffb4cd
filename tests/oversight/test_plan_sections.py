from pathlib import Path

import pytest

from cuncun.oversight.models import AssessmentItem, MilestoneCheck, ReportForm
from cuncun.plans.plan_file import PlanFileError
from cuncun.plans.services import bundled_plan_file, load_plan


def test_loading_the_plan_brings_its_report_forms_checks_and_assessment_scheme(plan):
    work = ReportForm.objects.get(plan=plan, key="work_information")
    assert work.period_type == "monthly" and (work.due_day, work.lock_day) == (10, 25)
    assert work.obliged.filter(key="townships").exists()
    assert not work.obliged.filter(key="commerce_bureau").exists()  # it does not report regularly
    assert MilestoneCheck.objects.filter(plan=plan, milestone="station_coverage_half").exists()
    items = AssessmentItem.objects.filter(plan=plan, year=2017)
    assert sum(i.points for i in items if i.assessed == "township") == 100
    assert sum(i.points for i in items if i.assessed == "department") == 100


def test_loading_the_plan_twice_changes_nothing(plan):
    before = list(ReportForm.objects.values_list("pk", "title"))
    load_plan(actor=None, path=bundled_plan_file("jinghong-2016"))
    assert list(ReportForm.objects.values_list("pk", "title")) == before


def _plan_copy(tmp_path: Path, extra: str) -> Path:
    source = bundled_plan_file("jinghong-2016")
    (tmp_path / "jinghong-2016.txt").write_text(
        source.with_suffix(".txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    copy = tmp_path / "plan.toml"
    copy.write_text(source.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return copy


def test_a_report_form_naming_an_unknown_unit_or_bad_field_is_refused_whole(county, tmp_path):
    bad = _plan_copy(
        tmp_path,
        """
[[report_form]]
key = "bad"
title = "坏表"
period_type = "monthly"
due_day = 20
lock_day = 10
fields = [{ key = "x", label = "X", type = "colour", unit = "" }]
obliged = ["no_such_unit"]
sentence = "定期向领导小组报送有关工作信息"
""",
    )
    with pytest.raises(PlanFileError) as error:
        load_plan(actor=None, path=bad)
    codes = {p["code"] for p in error.value.details["rows"]}
    assert {"unknown_member_unit", "invalid_entry"} <= codes
    assert not ReportForm.objects.exists()
