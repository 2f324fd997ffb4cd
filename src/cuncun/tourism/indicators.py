"""Tourism's program indicators, computed from the homestays' certification history."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.tourism.models import Homestay


def homestay_points(unit, day: date) -> Measurement:
    """E-commerce homestay points (电商民宿点) in the unit's area certified on `day`."""
    count = Homestay.objects.filter(region__path__startswith=unit.path).certified_on(day).count()
    return Measurement(numerator=Decimal(count))


def register() -> None:
    registry.register(
        Indicator(
            code="homestay_points",
            name=_("Modern e-commerce homestay points"),
            unit="count",
            description=_("Homestays certified as e-commerce homestay points on the day."),
            compute=homestay_points,
        )
    )
