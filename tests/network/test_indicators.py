from datetime import date

import pytest

from cuncun.network.indicators import village_point_coverage
from cuncun.network.models import SiteStatus
from cuncun.network.services import change_site_status
from cuncun.plans.progress import evaluate
from cuncun.regions.models import RegionUnit
from tests.conftest import township
from tests.factories import site_in


@pytest.fixture
def gasa(county):
    return township("嘎洒镇")


def test_a_point_counts_from_the_day_it_opens(gasa):
    village = gasa.children.administrative_villages().first()
    site_in(village, opened_on=date(2017, 3, 1))
    before = village_point_coverage(gasa, date(2017, 2, 28))
    after = village_point_coverage(gasa, date(2017, 3, 1))
    total = gasa.children.administrative_villages().count()
    assert (before.numerator, before.denominator) == (0, total)
    assert (after.numerator, after.denominator) == (1, total)


def test_a_closed_point_stops_counting_from_its_closing_day(gasa):
    village = gasa.children.administrative_villages().first()
    site = site_in(village, opened_on=date(2017, 3, 1))
    change_site_status(
        actor=None,
        site=site,
        to_status=SiteStatus.CLOSED,
        effective_on=date(2018, 1, 1),
        reason="停业",
    )
    assert village_point_coverage(gasa, date(2017, 12, 31)).numerator == 1
    assert village_point_coverage(gasa, date(2018, 1, 1)).numerator == 0


def test_communities_are_not_in_the_denominator(county):
    yunjinghong = township("允景洪街道")
    community = yunjinghong.children.get(name="曼阁社区居委会")
    site_in(community, opened_on=date(2017, 3, 1))
    m = village_point_coverage(yunjinghong, date(2017, 6, 1))
    assert (m.numerator, m.denominator) == (0, 2)


def test_the_api_compares_with_the_target_in_force(client, gasa, plan):
    village = gasa.children.administrative_villages().first()
    site_in(village, opened_on=date(2017, 3, 1))
    body = client.get(
        "/api/indicators/village_point_coverage/", {"region": "532801102", "on": "2017-03-15"}
    ).json()
    total = gasa.children.administrative_villages().count()
    assert body["numerator"] == 1 and body["denominator"] == total
    assert body["target"] == 50 and body["deadline"] == "2017-04-01" and body["met"] is False
    county_wide = evaluate(
        "village_point_coverage", RegionUnit.objects.get(level="county"), date(2019, 1, 1)
    )
    assert county_wide.target.value == 100  # the later target takes over after 2017-04-01
