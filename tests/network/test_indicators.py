from datetime import date
from decimal import Decimal

import pytest

from cuncun.network.indicators import (
    carrier_township_coverage,
    poor_village_coverage,
    township_station_coverage,
    village_point_coverage,
)
from cuncun.network.models import SiteKind, SiteStatus
from cuncun.network.services import (
    change_site_status,
    end_carrier_service,
    ensure_carrier,
    start_carrier_service,
)
from cuncun.plans.progress import evaluate
from cuncun.regions.models import GroupCode, RegionUnit
from cuncun.regions.services import add_to_group, ensure_group
from tests.conftest import township, village
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


def _stop(site, status, day):
    change_site_status(actor=None, site=site, to_status=status, effective_on=day, reason="停")


def test_township_station_coverage_by_hand(county):
    # given 11 towns, townships and subdistricts; a station open in 嘎洒镇, one suspended in
    # 勐龙镇 and one that opens only in July in 允景洪街道
    site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 1, 10))
    menglong = site_in(township("勐龙镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 1, 10))
    _stop(menglong, SiteStatus.SUSPENDED, date(2017, 5, 1))
    site_in(township("允景洪街道"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 7, 1))

    # then on 1 June one of 11 is covered (1/11 = 9.09%), on 1 April two, before any opening none
    june = township_station_coverage(county, date(2017, 6, 1))
    april = township_station_coverage(county, date(2017, 4, 1))
    before = township_station_coverage(county, date(2017, 1, 9))
    assert (june.numerator, june.denominator, june.value) == (1, 11, Decimal("9.09"))
    assert (april.numerator, april.value) == (2, Decimal("18.18"))
    assert (before.numerator, before.value) == (0, Decimal("0.00"))


def test_poor_village_coverage_by_hand(county):
    # given three poor villages: one with an operating point, one whose point closed, one with
    # none; and a point in a village that is not poor
    poor = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    covered, closed, bare = (
        village("勐龙镇", "景龙村委会"),
        village("勐龙镇", "曼兵村委会"),
        village("勐龙镇", "曼栋村委会"),
    )
    for unit in (covered, closed, bare):
        add_to_group(actor=None, group=poor, unit=unit)
    site_in(covered, opened_on=date(2017, 2, 1))
    _stop(site_in(closed, opened_on=date(2017, 2, 1)), SiteStatus.CLOSED, date(2017, 5, 1))
    site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 2, 1))

    # then 1 of 3 in June (33.33%), 2 of 3 in March
    june = poor_village_coverage(county, date(2017, 6, 1))
    march = poor_village_coverage(county, date(2017, 3, 1))
    assert (june.numerator, june.denominator, june.value) == (1, 3, Decimal("33.33"))
    assert (march.numerator, march.value) == (2, Decimal("66.67"))


def test_carrier_township_coverage_by_hand(county):
    # given two carriers in 嘎洒镇 (counted once), one in 勐龙镇 that ended in May, and a carrier
    # that only drops at a village point (not a township's coverage)
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    sf = ensure_carrier(actor=None, code="SF", name="顺丰速运")
    gasa, menglong = township("嘎洒镇"), township("勐龙镇")
    start_carrier_service(actor=None, carrier=post, township=gasa, since=date(2017, 1, 1))
    start_carrier_service(actor=None, carrier=sf, township=gasa, since=date(2017, 3, 1))
    ended = start_carrier_service(
        actor=None, carrier=post, township=menglong, since=date(2017, 1, 1)
    )
    end_carrier_service(actor=None, service=ended, until=date(2017, 5, 1))
    point = site_in(village("勐龙镇", "景龙村委会"), opened_on=date(2017, 1, 10))
    start_carrier_service(actor=None, carrier=sf, site=point, since=date(2017, 2, 1))

    # then 2 of 11 townships in April (18.18%), 1 of 11 in June (9.09%)
    april = carrier_township_coverage(county, date(2017, 4, 1))
    june = carrier_township_coverage(county, date(2017, 6, 1))
    assert (april.numerator, april.denominator, april.value) == (2, 11, Decimal("18.18"))
    assert (june.numerator, june.value) == (1, Decimal("9.09"))
