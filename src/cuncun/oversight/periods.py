"""Reporting periods (the DHIS2 idea): a monthly, quarterly or yearly period, its code as people
write it (2017-03, 2017Q1, 2017), its first and last day, and the days after it by which a report
is on time and after which it is locked."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.core.errors import InvalidInput


class PeriodType:
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    choices = [
        (MONTHLY, gettext_lazy("monthly")),
        (QUARTERLY, gettext_lazy("quarterly")),
        (YEARLY, gettext_lazy("yearly")),
    ]
    MONTHS = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


PATTERNS = {
    PeriodType.MONTHLY: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodType.QUARTERLY: re.compile(r"^(\d{4})Q([1-4])$"),
    PeriodType.YEARLY: re.compile(r"^(\d{4})$"),
}


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    starts_on: date
    type: str

    @property
    def ends_on(self) -> date:
        return _add_months(self.starts_on, PeriodType.MONTHS[self.type]) - timedelta(days=1)

    @property
    def code(self) -> str:
        if self.type == PeriodType.MONTHLY:
            return f"{self.starts_on:%Y-%m}"
        if self.type == PeriodType.QUARTERLY:
            return f"{self.starts_on.year}Q{(self.starts_on.month - 1) // 3 + 1}"
        return str(self.starts_on.year)

    def day_after(self, day_of_month: int) -> date:
        """That day of the month after the period: the 10th after March is April 10th."""
        return _add_months(self.starts_on, PeriodType.MONTHS[self.type]).replace(day=day_of_month)

    def next(self) -> "Period":
        return Period(_add_months(self.starts_on, PeriodType.MONTHS[self.type]), self.type)

    def __str__(self) -> str:
        return self.code


def parse_period(code: str) -> Period:
    for kind, pattern in PATTERNS.items():
        found = pattern.match(code or "")
        if not found:
            continue
        year, part = int(found.group(1)), int(found.group(2)) if found.lastindex > 1 else 1
        month = part if kind == PeriodType.MONTHLY else (part - 1) * 3 + 1
        if 1 <= month <= 12:
            return Period(date(year, month, 1), kind)
    raise InvalidInput(
        _("A period is written 2017-03 (a month), 2017Q1 (a quarter) or 2017 (a year)."),
        details={"period": code},
    )


def period_containing(day: date, kind: str) -> Period:
    months = PeriodType.MONTHS[kind]
    first_month = (day.month - 1) // months * months + 1
    return Period(date(day.year, first_month, 1), kind)


def periods_between(first: date, last: date, kind: str) -> list[Period]:
    """Every period of a kind that touches [first, last]."""
    found, period = [], period_containing(first, kind)
    while period.starts_on <= last:
        found.append(period)
        period = period.next()
    return found
