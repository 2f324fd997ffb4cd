"""Merchants' program indicators, computed from the merchant register."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.merchants.models import Tenancy, TenancyProgramme, TenancyStage


def incubated_enterprises(unit, day: date) -> Measurement:
    """Businesses moved into the incubator by `day` (孵化器招商入驻企业), in the unit's area, from
    the tenancy records: those incubating or graduated on that day (one that left before
    graduating no longer counts)."""
    count = (
        Tenancy.objects.filter(
            programme=TenancyProgramme.INCUBATION,
            merchant__region__path__startswith=unit.path,
            lease_from__lte=day,
        )
        .exclude(stage=TenancyStage.LEFT, stage_since__lte=day)
        .values("merchant")
        .distinct()
        .count()
    )
    return Measurement(numerator=Decimal(count))


def register() -> None:
    registry.register(
        Indicator(
            code="incubated_enterprises",
            name=_("Enterprises moved into the incubator"),
            unit="count",
            description=_(
                "Merchants with a tenancy at the incubation center, from the day they moved in."
            ),
            compute=incubated_enterprises,
        )
    )
