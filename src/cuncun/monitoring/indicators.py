"""The program's sales indicators (from the rollup), the county platform count (from the sites)
and the reported indicators: targets the records cannot hold, entered by their member unit."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.monitoring.models import Goods
from cuncun.monitoring.periods import add_months, year_to_date
from cuncun.monitoring.queries import latest_reported_value, total_sales
from cuncun.network.models import Site, SiteKind


def _growth(goods):
    """Growth of sales of `goods` over the same months of the year before, as a share: the
    numerator is the difference, the denominator last year's figure (0.30 is +30%)."""

    def compute(region, day: date) -> Measurement:
        first, last = year_to_date(day)
        this_year = total_sales(region, first, last, goods)
        year_before = total_sales(region, add_months(first, -12), add_months(last, -12), goods)
        return Measurement(numerator=this_year - year_before, denominator=year_before, factor=1)

    return compute


ecommerce_transaction_growth = _growth(None)
online_retail_growth = _growth(Goods.RETAIL)


def agri_online_sales(region, day: date) -> Measurement:
    """Farm products sold online (yuan), from January to the last month that is over."""
    first, last = year_to_date(day)
    return Measurement(numerator=total_sales(region, first, last, [Goods.FARM]))


def county_platform_count(region, day: date) -> Measurement:
    """County-level e-commerce platforms operating on the day: the county public service
    centre that runs the platform (市级农村电子商务平台)."""
    count = (
        Site.objects.serving_on(day)
        .filter(kind=SiteKind.COUNTY_CENTER, region__path__startswith=region.path)
        .count()
    )
    return Measurement(numerator=Decimal(count))


def reported(code: str):
    """The newest accepted value its member unit reported for a period begun by the day. No
    value yet: numerator 0 over denominator 0, so the value is None (not reported)."""

    def compute(region, day: date) -> Measurement:
        entry = latest_reported_value(code, day)
        if entry is None:
            return Measurement(numerator=Decimal(0), denominator=Decimal(0))
        return Measurement(numerator=entry.value)

    return compute


# Targets of the plan that no record holds: their values are reported (plans [[reporting]]).
# Homestay points are counted from tourism's certification records, so they are not here.
REPORTED = {
    "broadband_mbps": (_("Broadband access capacity"), "mbps"),
}


def is_reported(code: str) -> bool:
    return code in REPORTED


def register() -> None:
    for code, name, unit, description, compute in [
        (
            "ecommerce_transaction_growth",
            _("E-commerce transaction growth"),
            "share",
            _("Online sales incl. B2B, January to last month, over the same months a year before."),
            ecommerce_transaction_growth,
        ),
        (
            "online_retail_growth",
            _("Online retail growth"),
            "share",
            _("Online retail, January to last month, over the same months a year before."),
            online_retail_growth,
        ),
        (
            "agri_online_sales",
            _("Farm products sold online"),
            "cny",
            _("Farm products sold online this year, January to last month."),
            agri_online_sales,
        ),
        (
            "county_platform_count",
            _("County e-commerce platforms"),
            "count",
            _("County public service centres operating the county's platform."),
            county_platform_count,
        ),
        *(
            (
                code,
                name,
                unit,
                _("Reported by its member unit, accepted by the office."),
                reported(code),
            )
            for code, (name, unit) in REPORTED.items()
        ),
    ]:
        registry.register(
            Indicator(code=code, name=name, unit=unit, description=description, compute=compute)
        )
