"""Fixtures for logistics: the carriers, a county warehouse, 嘎洒镇's station and 曼达村's
point with its operator."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from cuncun.accounts.models import Role
from cuncun.logistics.carriers import install_standard_carriers
from cuncun.logistics.services import ParcelDetails
from cuncun.network.models import SiteKind
from cuncun.network.services import assign_operator
from tests.conftest import PASSWORD, township, village
from tests.factories import site_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the recent past: `day` days ago, at hour:minute local time."""
    base = datetime.now(SHANGHAI).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return base - timedelta(days=day)


@pytest.fixture
def carriers(county):
    # The migration installed them; a transactional test's flush may have emptied the table.
    return install_standard_carriers()


@pytest.fixture
def warehouse(county):
    return site_in(county, SiteKind.COUNTY_WAREHOUSE, name="景洪市物流仓储配送中心")


@pytest.fixture
def gasa_station(county):
    return site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, name="嘎洒镇电商服务站")


@pytest.fixture
def manda_point(county):
    return site_in(village("嘎洒镇", "曼达村委会"), name="曼达村服务点")


@pytest.fixture
def manda_operator(make_user, manda_point):
    user = make_user("manda", Role.VILLAGE_OPERATOR, manda_point.region, phone="13900000123")
    assign_operator(
        actor=None, site=manda_point, name="岩罕", since=manda_point.created_at.date(), user=user
    )
    return user


@pytest.fixture
def to_manda(manda_point):
    return ParcelDetails(point=manda_point, person_name="玉香南", person_phone="13812345678")
