"""The network's demo tells the plan's story on the coverage chart."""

from datetime import timedelta

from cuncun.network import demo
from cuncun.network.models import Site, SiteKind, SiteStatus
from cuncun.network.timeline import CoverageTimeline
from cuncun.plans.queries import plan_in_force, targets_for
from cuncun.regions.models import RegionUnit


def test_the_demo_chart_tells_the_plans_story(plan):
    # given the plan's dates and its first village target
    county = RegionUnit.objects.get(level="county")
    plan = plan_in_force(county)
    target = next(t for t in targets_for("village_point_coverage", plan) if t.deadline)

    # when the demo is loaded
    demo.load_demo()
    timeline = CoverageTimeline.build(county)

    def value(code, day):
        return timeline.on(day)[code].value

    # then the stations all open in the first months after the plan takes force
    assert value("township_station_coverage", plan.effective_on) == 0
    assert value("township_station_coverage", plan.effective_on.replace(month=3, day=31)) == 100
    # the village points pass the target shortly before its deadline
    assert value("village_point_coverage", target.deadline - timedelta(days=30)) < target.value
    assert target.value <= value("village_point_coverage", target.deadline) < target.value + 5
    # and reach most, not all, villages by the plan's end, a few points stopped
    assert 75 <= value("village_point_coverage", plan.ends_on) < 100
    stopped = Site.objects.filter(
        kind=SiteKind.VILLAGE_POINT, status__in=[SiteStatus.SUSPENDED, SiteStatus.CLOSED]
    )
    assert 1 <= stopped.count() <= 10
    assert not Site.objects.filter(is_demo=False).exists()


def test_loading_the_network_demo_twice_changes_nothing(plan):
    demo.load_demo()
    count = Site.objects.count()

    demo.load_demo()

    assert Site.objects.count() == count
