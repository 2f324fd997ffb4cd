"""Demo oversight data for 景洪市: a year (2017) of the member units' and townships' reports, some
late, some missing, a few returned; milestones reported done in every state; the 2017 assessment
scored and published. Invented, marked demo on every page; running it again adds nothing.

Reports go in through the same service the office uses for reports received on paper.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile

from cuncun.oversight import services
from cuncun.oversight.access import Reporter
from cuncun.oversight.models import (
    AssessmentPublication,
    FieldType,
    MilestoneCompletion,
    ReviewStatus,
    ScoringMethod,
    Submission,
)
from cuncun.oversight.periods import periods_between
from cuncun.oversight.queries import expected_reporters, forms_of, record_derived
from cuncun.oversight.scoring import assessed_departments, assessed_townships, measuring_day
from cuncun.plans.queries import plan_in_force

SEED = 2017
YEAR = 2017
# Of the reports owed: about this share on time, then late, the rest missing.
ON_TIME, LATE = 0.74, 0.14
RETURNED = 0.05  # of those received, sent back by the office and not yet corrected
WORK_DONE = [
    "组织电商进村宣传，发放宣传资料（演示）",
    "对接农特产品上行企业，开展网货培育（演示）",
    "配合开展村级服务站点建设验收（演示）",
    "组织干部参加电子商务知识培训（演示）",
]
# Milestones the demo's units report done (the others are overdue or told by the records):
# (key, unit, days after the due date it was completed, what the office did)
COMPLETIONS = [
    ("plan_adopted", "ecommerce_office", -5, ReviewStatus.ACCEPTED),
    ("implementers_and_schedule_set", "ecommerce_office", -2, ReviewStatus.ACCEPTED),
    ("plan_published_on_portal", "commerce_bureau", -3, ReviewStatus.ACCEPTED),
    ("fund_rules_published_on_portal", "finance_bureau", 12, ReviewStatus.ACCEPTED),
    ("filed_with_province_prefecture", "commerce_bureau", 30, ReviewStatus.ACCEPTED),
    ("contractors_selected", "commerce_bureau", 20, ReviewStatus.ACCEPTED),
    ("project_construction_started", "commerce_bureau", 5, ReviewStatus.ACCEPTED),
    ("third_party_evaluation", "finance_bureau", 40, ReviewStatus.SUBMITTED),
    ("quality_standard_process", "agriculture_bureau", -10, ReviewStatus.ACCEPTED),
    ("traceability_project_completed", "agriculture_bureau", 45, ReviewStatus.RETURNED),
    ("enterprise_statistics_compiled", "public_service_center", -1, ReviewStatus.ACCEPTED),
    ("rural_ecommerce_publicity", "publicity_dept", 0, ReviewStatus.SUBMITTED),
    ("logistics_association_founded", "commerce_bureau", 60, ReviewStatus.ACCEPTED),
]


def load_demo() -> None:
    plan = plan_in_force()
    if plan is None or not plan.report_forms.exists():
        return
    rng = random.Random(SEED)
    _reports(plan, rng)
    _milestones(plan)
    _assessment(plan, rng)


def _values(form, rng) -> dict:
    values = {}
    for field in form.fields:
        if field["type"] == FieldType.TEXT:
            values[field["key"]] = rng.choice(WORK_DONE)
        elif field["type"] == FieldType.INTEGER:
            values[field["key"]] = str(rng.randint(0, 40))
        else:
            values[field["key"]] = str(Decimal(rng.randint(0, 500000)) / 100)
    return values


def _reports(plan, rng) -> None:
    if Submission.objects.filter(form__plan=plan).exists():
        return
    for form in forms_of(plan):
        for period in periods_between(date(YEAR, 1, 1), date(YEAR, 12, 31), form.period_type):
            due, locked = form.due_on(period), form.locked_after(period)
            for reporter in expected_reporters(form, period):
                draw = rng.random()
                if draw >= ON_TIME + LATE:
                    continue  # missing
                first_day = period.ends_on + timedelta(days=1)
                received_on = (
                    first_day + timedelta(days=rng.randint(0, (due - first_day).days))
                    if draw < ON_TIME
                    else due + timedelta(days=rng.randint(1, (locked - due).days))
                )
                _submit(plan, form, period, reporter, received_on, rng)


def _submit(plan, form, period, reporter: Reporter, received_on, rng) -> None:
    submission = services.submit_report(
        actor=None,
        form=form,
        period=period.code,
        unit=reporter.unit,
        township=reporter.township,
        values=_values(form, rng),
        received_on=received_on,
    )
    if period.next().starts_on.year > YEAR:
        return  # the year's last reports still wait for the office
    if rng.random() < RETURNED:
        services.return_report(
            actor=None, submission=submission, note="数据口径与统计局不一致，请核实后重报（演示）"
        )
    else:
        services.accept_report(actor=None, submission=submission)


def _milestones(plan) -> None:
    if MilestoneCompletion.objects.filter(milestone__plan=plan).exists():
        return
    for key, unit_key, days_after, outcome in COMPLETIONS:
        milestone = plan.milestones.filter(key=key).first()
        if milestone is None or record_derived(milestone):
            continue
        completion = services.complete_milestone(
            actor=None,
            milestone=milestone,
            unit=plan.member_units.get(key=unit_key),
            completed_on=milestone.due_on + timedelta(days=days_after),
            note=f"{milestone.title}：已完成（演示）",
            evidence=ContentFile(
                f"{milestone.title}\n佐证材料（演示数据）\n".encode(), name=f"{key}-demo.txt"
            ),
        )
        if outcome == ReviewStatus.ACCEPTED:
            services.accept_milestone_completion(actor=None, completion=completion)
        elif outcome == ReviewStatus.RETURNED:
            services.return_milestone_completion(
                actor=None, completion=completion, note="佐证材料不全，请补充验收报告（演示）"
            )


def _assessment(plan, rng) -> None:
    if AssessmentPublication.objects.filter(plan=plan, year=YEAR).exists():
        return
    manual = plan.assessment_items.filter(year=YEAR, method=ScoringMethod.MANUAL)
    subjects = {
        "township": assessed_townships(plan, measuring_day(YEAR)),
        "department": assessed_departments(plan),
    }
    for item in manual:
        for subject in subjects[item.assessed]:
            share = Decimal(rng.randint(5, 10)) / 10
            services.score_manually(
                actor=None,
                item=item,
                subject=subject,
                points=(item.points * share).quantize(Decimal("0.5")),
                reason="根据年终督查和现场核查情况评分（演示）",
            )
    services.publish_assessment(actor=None, plan=plan, year=YEAR)
