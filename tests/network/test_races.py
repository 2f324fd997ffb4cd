"""Races, on PostgreSQL with real transactions: applications made at the same moment each get
their own site code."""

from datetime import date

import pytest

from cuncun.network.models import Site, SiteKind
from cuncun.network.services import SiteApplication, apply_for_site
from tests.conftest import village
from tests.races import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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
