"""The training plan's indicators, computed from attendance and certificates for a region unit
on a day. Their targets are the plan's (targets whose `indicator` is the code)."""

from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cuncun.core.indicators import Indicator, Measurement, registry
from cuncun.regions.models import GroupCode, RegionUnit
from cuncun.training import queries
from cuncun.training.models import Attendance, CourseKind, FundingSource, TraineeCategory


def training_person_times(region: RegionUnit, day: date) -> Measurement:
    """Person-times of people living in the unit, from the plan's start to the day."""
    return Measurement(
        numerator=Decimal(queries.person_times(region, queries.plan_start(region, day), day))
    )


def training_persons_per_year(region: RegionUnit, day: date) -> Measurement:
    """Persons trained in the day's calendar year, up to the day."""
    return Measurement(numerator=Decimal(queries.persons(region, date(day.year, 1, 1), day)))


def _startup_awareness(region: RegionUnit, day: date):
    phase = queries.startup_phase(region, day)
    if phase is None:
        return Attendance.objects.none()
    first, last = phase
    return Attendance.objects.filter(
        session__course__kind=CourseKind.AWARENESS,
        session__starts_on__gte=first,
        session__starts_on__lte=last,
        day__lte=day,
    )


def startup_training_sessions(region: RegionUnit, day: date) -> Measurement:
    """Awareness (普及) sessions of the startup phase held in the unit, with someone there."""
    held = _startup_awareness(region, day).filter(session__region__path__startswith=region.path)
    return Measurement(numerator=Decimal(held.values("session_id").distinct().count()))


def startup_training_persons(region: RegionUnit, day: date) -> Measurement:
    """Persons living in the unit reached by the startup phase's awareness sessions."""
    reached = _startup_awareness(region, day).filter(trainee__region__path__startswith=region.path)
    return Measurement(numerator=Decimal(reached.persons()))


def _talents_by_village(region: RegionUnit, day: date) -> dict[int, int]:
    return dict(
        queries.talent_certificates(region, day)
        .values("trainee__region_id")
        .annotate(n=Count("trainee", distinct=True))
        .values_list("trainee__region_id", "n")
    )


def _villages(region: RegionUnit, day: date):
    return RegionUnit.objects.within(region).administrative_villages().open_on(day)


def village_talent_coverage(region: RegionUnit, day: date) -> Measurement:
    """Share of administrative villages with at least one e-commerce talent, as a fraction
    (1 = every village): the plan's target is at least one talent in each village."""
    villages = set(_villages(region, day).values_list("pk", flat=True))
    covered = {pk for pk, n in _talents_by_village(region, day).items() if n and pk in villages}
    return Measurement(
        numerator=Decimal(len(covered)), denominator=Decimal(len(villages)), factor=1
    )


def village_talents_max(region: RegionUnit, day: date) -> Measurement:
    """The most e-commerce talents any administrative village has (the plan says 1-3)."""
    villages = set(_villages(region, day).values_list("pk", flat=True))
    counted = [n for pk, n in _talents_by_village(region, day).items() if pk in villages]
    return Measurement(numerator=Decimal(max(counted, default=0)))


def poor_village_talents(region: RegionUnit, day: date) -> Measurement:
    """Poor administrative villages with at least one e-commerce talent."""
    poor = set(
        _villages(region, day)
        .filter(memberships__group__code=GroupCode.POOR_VILLAGE)
        .values_list("pk", flat=True)
    )
    covered = {pk for pk, n in _talents_by_village(region, day).items() if n and pk in poor}
    return Measurement(numerator=Decimal(len(covered)))


def poverty_registered_trainees(region: RegionUnit, day: date) -> Measurement:
    """Poverty-registered (建档立卡) persons trained since the plan started."""
    return Measurement(
        numerator=Decimal(
            queries.persons(
                region,
                queries.plan_start(region, day),
                day,
                category=TraineeCategory.POVERTY_REGISTERED,
            )
        )
    )


def training_fund_spending(region: RegionUnit, day: date) -> Measurement:
    """Yuan of the e-commerce special fund spent on sessions held in the unit since the plan
    started; the plan caps training (fund rule of category "training")."""
    return Measurement(
        numerator=queries.spending(region, queries.plan_start(region, day), day)["special_fund"]
    )


INDICATORS = [
    (
        "training_person_times",
        _("E-commerce training (person-times)"),
        "person_times",
        _("Person-times trained since the plan started: one person at one session counts once."),
        training_person_times,
    ),
    (
        "training_persons_per_year",
        _("Persons trained this year"),
        "persons",
        _("Different persons trained in the calendar year, up to the day."),
        training_persons_per_year,
    ),
    (
        "startup_training_sessions",
        _("Awareness sessions in the startup phase"),
        "sessions",
        _("Awareness (普及) sessions of the startup phase held, with attendance."),
        startup_training_sessions,
    ),
    (
        "startup_training_persons",
        _("Persons reached in the startup phase"),
        "persons",
        _("Different persons at the awareness sessions of the startup phase."),
        startup_training_persons,
    ),
    (
        "village_talent_coverage",
        _("Villages with an e-commerce talent"),
        "fraction",
        _(
            "Share of administrative villages (1 = all) with at least one resident who holds a "
            "valid certificate of a course that forms e-commerce talents."
        ),
        village_talent_coverage,
    ),
    (
        "village_talents_max",
        _("Most e-commerce talents in one village"),
        "persons",
        _("The largest number of e-commerce talents in any administrative village."),
        village_talents_max,
    ),
    (
        "poor_village_talents",
        _("Poor villages with an e-commerce talent"),
        "count",
        _("Poor administrative villages with at least one e-commerce talent."),
        poor_village_talents,
    ),
    (
        "poverty_registered_trainees",
        _("Poverty-registered persons trained"),
        "persons",
        _("Different poverty-registered (建档立卡) persons trained since the plan started."),
        poverty_registered_trainees,
    ),
    (
        "training_fund_spending",
        _("Special fund spent on training"),
        "cny",
        _("Cost of the sessions paid from the e-commerce special fund since the plan started."),
        training_fund_spending,
    ),
]
INDICATOR_CODES = [code for code, *_rest in INDICATORS]


# Spending the plan caps with a fund rule: the cap is the indicator's target.
FUND_CATEGORIES = {
    "training_fund_spending": FundingSource.FUND_CATEGORY[FundingSource.SPECIAL_FUND]
}


def register() -> None:
    for code, name, unit, description, compute in INDICATORS:
        registry.register(
            Indicator(
                code=code,
                name=name,
                unit=unit,
                description=description,
                compute=compute,
                fund_category=FUND_CATEGORIES.get(code, ""),
            )
        )
