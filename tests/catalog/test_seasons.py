"""The season rule is written twice: in the ORM (`ProductQuerySet.with_season`, for the market's
pages) and in SQL (`queries.checkout_items`, for the checkout's speed). Every day of a leap year,
for windows inside a year, across the year end, of one day and the whole year, they agree, and
both say what the windows mean."""

from datetime import date, timedelta

import pytest

from cuncun.catalog.models import Product, month_day
from cuncun.catalog.queries import checkout_items
from tests.merchants import factories as f

WINDOWS = {
    "all year (no window)": (),
    "May to August": ((501, 831),),
    "November to February": ((1101, 228),),
    "the leap day only": ((229, 229),),
    "New Year's Eve to New Year's Day": ((1231, 101),),
    "spring and autumn": ((301, 430), (901, 1031)),
}


def meant(windows, day: date) -> bool:
    """What a window means, written out for the test: from its first to its last month-day,
    wrapping the year end when it starts after it ends."""
    md = month_day(day)
    return not windows or any(
        (s <= md <= e) if s <= e else (md >= s or md <= e) for s, e in windows
    )


@pytest.fixture
def products(county):
    seller = f.merchant("季节测试农场")
    made = {}
    for label, windows in WINDOWS.items():
        product = f.product(seller, label, seasons=windows)
        made[product.skus.get().pk] = (product.pk, windows)
    return made


def test_the_orm_and_the_checkouts_sql_agree_on_every_day_of_a_leap_year(products):
    day = date(2016, 1, 1)
    while day.year == 2016:
        orm = dict(Product.objects.with_season(day).values_list("pk", "in_season_flag"))
        skus, _stocks = checkout_items(list(products), day)
        for sku_id, (product_id, windows) in products.items():
            expected = meant(windows, day)
            assert orm[product_id] is expected, (day, windows)
            assert skus[sku_id].in_season_flag is expected, (day, windows)
        day += timedelta(days=1)
