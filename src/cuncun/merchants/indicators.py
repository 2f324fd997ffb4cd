"""Merchants' program indicators, computed from the merchant register."""

from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.merchants.models import Merchant


def incubated_enterprises(unit, day: date) -> Measurement:
    """Businesses moved into the incubator by `day` (孵化器招商入驻企业), in the unit's area."""
    count = (
        Merchant.objects.filter(region__path__startswith=unit.path, is_incubated=True)
        .filter(Q(incubated_since__isnull=True) | Q(incubated_since__lte=day))
        .count()
    )
    return Measurement(numerator=Decimal(count))


def register() -> None:
    registry.register(
        Indicator(
            code="incubated_enterprises",
            name=_("Enterprises moved into the incubator"),
            unit="count",
            description=_("Merchants flagged as incubated, from the day they moved in."),
            compute=incubated_enterprises,
        )
    )
