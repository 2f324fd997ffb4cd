"""Months as the statistics count them: a month is its first day."""

from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def reportable(month: date, today: date) -> bool:
    """A month can be reported once it is over."""
    return month_start(month) < month_start(today)


def year_to_date(day: date) -> tuple[date, date]:
    """The months a year-on-year figure compares on `day`: January to the last month that is
    over (the whole year before, in January)."""
    last = add_months(month_start(day), -1)
    return date(last.year, 1, 1), last


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
