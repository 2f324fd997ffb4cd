"""Races, on PostgreSQL with real transactions: applications made at the same moment each get
their own site code."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection, connections

from cuncun.network.models import Site, SiteKind
from cuncun.network.services import SiteApplication, apply_for_site
from tests.conftest import village

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL's row locks and real concurrent transactions")


def at_once(work, times: int):
    def run(i):
        try:
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))


def _apply(region, i: int) -> str:
    return apply_for_site(
        actor=None,
        application=SiteApplication(
            kind=SiteKind.VILLAGE_POINT,
            name=f"点{i}",
            region=region,
            address="村委会旁",
            applied_on=date(2017, 1, 1),
        ),
    ).code


def test_applications_at_once_get_different_codes(county):
    manda = village("嘎洒镇", "曼达村委会")

    # the very first applications of a prefix also race to make its counter
    codes = at_once(lambda i: _apply(manda, i), 8)

    assert len(set(codes)) == 8 and Site.objects.count() == 8
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, 9))


def test_applications_at_once_after_earlier_ones_continue_the_numbers(county):
    manda = village("嘎洒镇", "曼达村委会")
    _apply(manda, 0)

    codes = at_once(lambda i: _apply(manda, i + 1), 6)

    assert sorted(int(code[-4:]) for code in codes) == list(range(2, 8))
