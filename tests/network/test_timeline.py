from datetime import date

from cuncun.core.indicators import registry
from cuncun.network.models import SiteKind, SiteStatus
from cuncun.network.services import change_site_status, ensure_carrier, start_carrier_service
from cuncun.network.timeline import CoverageTimeline
from cuncun.regions.models import GroupCode
from cuncun.regions.services import add_to_group, ensure_group
from tests.conftest import township, village
from tests.factories import site_in

DAYS = [
    date(2016, 12, 1),
    date(2017, 1, 9),
    date(2017, 1, 10),
    date(2017, 3, 1),
    date(2017, 6, 30),
    date(2017, 7, 1),
    date(2017, 9, 1),
    date(2018, 1, 1),
    date(2019, 5, 5),
]


def test_the_timeline_agrees_with_the_indicators_every_day(county):
    """Points opening, suspended and resumed, closed; a station; carriers starting and ending."""
    gasa = township("嘎洒镇")
    poor = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    add_to_group(actor=None, group=poor, unit=village("嘎洒镇", "曼达村委会"))
    manda = site_in(village("嘎洒镇", "曼达村委会"), opened_on=date(2017, 1, 10))
    change_site_status(
        actor=None,
        site=manda,
        to_status=SiteStatus.SUSPENDED,
        effective_on=date(2017, 7, 1),
        reason="x",
    )
    change_site_status(
        actor=None, site=manda, to_status=SiteStatus.OPERATING, effective_on=date(2017, 9, 1)
    )
    closed = site_in(village("嘎洒镇", "曼勉村委会"), opened_on=date(2017, 3, 1))
    change_site_status(
        actor=None,
        site=closed,
        to_status=SiteStatus.CLOSED,
        effective_on=date(2018, 1, 1),
        reason="x",
    )
    site_in(
        village("允景洪街道", "曼阁社区居委会"), opened_on=date(2017, 3, 1)
    )  # a community: not counted
    site_in(gasa, kind=SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 1, 9))
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    service = start_carrier_service(actor=None, carrier=post, township=gasa, since=date(2017, 3, 1))
    from cuncun.network.services import end_carrier_service

    end_carrier_service(actor=None, service=service, until=date(2018, 1, 1))

    timeline = CoverageTimeline.build(county)
    for day in DAYS:
        batch = timeline.on(day)
        for code, measurement in batch.items():
            single = registry.get(code).compute(county, day)
            assert (measurement.numerator, measurement.denominator) == (
                single.numerator,
                single.denominator,
            ), (code, day)
