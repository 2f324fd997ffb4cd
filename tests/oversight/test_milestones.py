from datetime import date, timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, NotAllowed
from cuncun.network.models import SiteKind
from cuncun.oversight import services
from cuncun.oversight.queries import MilestoneStatus, milestone_states
from tests.factories import site_in
from tests.oversight.conftest import evidence

TODAY = date(2017, 3, 1)


def _state(plan, key, today=TODAY):
    return next(s for s in milestone_states(plan, today) if s.milestone.key == key)


def test_a_milestone_turns_done_from_records_when_its_site_operates_by_the_due_date(plan, county):
    assert _state(plan, "public_service_center_opened").status == MilestoneStatus.OVERDUE

    site_in(county, SiteKind.COUNTY_CENTER, opened_on=date(2016, 12, 20), name="市电商公共服务中心")

    state = _state(plan, "public_service_center_opened")
    assert state.status == MilestoneStatus.DONE
    assert state.source == "records"


def test_a_site_opened_after_the_due_date_makes_the_milestone_done_late(plan, county):
    site_in(county, SiteKind.COUNTY_CENTER, opened_on=date(2017, 1, 10), name="市电商公共服务中心")

    state = _state(plan, "public_service_center_opened")
    assert state.status == MilestoneStatus.DONE_LATE
    assert state.late


def test_a_milestone_not_yet_due_is_open(plan):
    assert _state(plan, "station_coverage_half").status == MilestoneStatus.OPEN


def test_a_unit_reports_a_milestone_done_and_the_office_accepts_it(plan, staff_of, office_user):
    commerce = staff_of("commerce_bureau")
    milestone = plan.milestones.get(key="plan_published_on_portal")  # due 2016-10-20
    unit = plan.member_units.get(key="commerce_bureau")

    completion = services.complete_milestone(
        actor=commerce,
        milestone=milestone,
        unit=unit,
        completed_on=date(2016, 10, 18),
        note="已在市政府门户网站公示",
        evidence=evidence(),
    )
    assert _state(plan, milestone.key).status == MilestoneStatus.AWAITING

    services.accept_milestone_completion(actor=office_user, completion=completion)

    assert _state(plan, milestone.key).status == MilestoneStatus.DONE


def test_a_returned_completion_leaves_the_milestone_overdue_with_the_reason(
    plan, staff_of, office_user
):
    commerce = staff_of("commerce_bureau")
    milestone = plan.milestones.get(key="contractors_selected")
    completion = services.complete_milestone(
        actor=commerce,
        milestone=milestone,
        unit=plan.member_units.get(key="commerce_bureau"),
        completed_on=date(2016, 12, 1),
        note="完成招标",
        evidence=evidence(),
    )

    services.return_milestone_completion(
        actor=office_user, completion=completion, note="缺少中标通知书"
    )

    state = _state(plan, milestone.key)
    assert state.status == MilestoneStatus.OVERDUE
    assert state.detail == "缺少中标通知书"


def test_a_unit_not_responsible_may_not_complete_a_milestone(plan, staff_of):
    tourism = staff_of("tourism_bureau")
    with pytest.raises(NotAllowed):
        services.complete_milestone(
            actor=tourism,
            milestone=plan.milestones.get(key="plan_published_on_portal"),
            unit=plan.member_units.get(key="tourism_bureau"),
            completed_on=date(2016, 10, 18),
            note="x",
            evidence=evidence(),
        )


def test_a_milestone_the_records_tell_cannot_be_reported_done_by_hand(plan, office_user):
    with pytest.raises(Conflict):
        services.complete_milestone(
            actor=office_user,
            milestone=plan.milestones.get(key="public_service_center_opened"),
            unit=plan.member_units.get(key="commerce_bureau"),
            completed_on=timezone.localdate() - timedelta(days=1),
            note="x",
            evidence=evidence(),
        )
