"""A tea garden's base in 勐龙镇 with a harvested batch filling the market's tea stock at the
county warehouse, and the county testing center (on top of the orders tests' small market)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cuncun.catalog.models import Stock
from cuncun.trace import services
from cuncun.trace.models import StationKind, TestingStation
from tests.conftest import village
from tests.orders import conftest as orders_conftest

# The orders tests' small market and their cache reset, as fixtures here too.
market = orders_conftest.market
forget_cached_hints = orders_conftest.forget_cached_hints

HARVEST = timezone.localdate() - timedelta(days=3)


def base_of(merchant, name="曼栋茶园", place=("勐龙镇", "曼栋村委会"), **extra):
    return services.register_base(
        actor=None,
        merchant=merchant,
        details=services.BaseDetails(
            name=name,
            village=village(*place),
            area_mu="120.5",
            latitude="21.6",
            longitude="100.9",
            crops="普洱茶",
            **extra,
        ),
    )


def harvest(product, base, day=HARVEST, quantity="500"):
    return services.record_batch(
        actor=None, product=product, base=base, harvested_on=day, quantity=quantity, unit="斤"
    )


def inspection(station, *, value, limit="50", day=None):
    return services.InspectionDetails(
        station=station,
        item="有机磷和氨基甲酸酯类农药",
        method="酶抑制率法（速测卡）",
        value=value,
        limit=limit,
        value_unit="%",
        inspector="玉香",
        inspected_on=day or timezone.localdate(),
    )


@pytest.fixture
def farm(market, county):
    tea_product = market.tea.product
    base = base_of(
        market.tea_garden,
        certification="green",
        certificate_number="LB-53-1",
        certified_until=date(2030, 1, 1),
    )
    batch = harvest(tea_product, base)
    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    services.fill_stock(actor=None, batch=batch, stock=stock, quantity=10)
    station = TestingStation.objects.create(
        name="景洪市农产品质量安全检测中心",
        kind=StationKind.COUNTY_CENTER,
        region=county,
        equipment="农残速测仪",
        test_items="有机磷和氨基甲酸酯类农药",
        surveyed_on=date(2016, 9, 1),
    )
    return SimpleNamespace(market=market, base=base, batch=batch, stock=stock, station=station)
