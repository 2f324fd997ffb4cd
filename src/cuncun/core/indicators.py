"""The indicator registry: apps register their program indicators; `monitoring` serves them.

An indicator is computed from operational records for a region unit on a day; its target is not
here but in the plan (plans.Target rows name the indicator code they measure).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Measurement:
    numerator: Decimal
    denominator: Decimal | None = None  # None for counts; a ratio's value is numerator/denominator
    factor: int = 100  # percent for ratios

    @property
    def value(self) -> Decimal | None:
        if self.denominator is None:
            return self.numerator
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) * self.factor / Decimal(self.denominator)).quantize(
            Decimal("0.01")
        )


@dataclass(frozen=True)
class Indicator:
    code: str  # English snake_case, stable: other tools read it
    name: str | Promise
    unit: str  # percent | count | person_times | …
    description: str | Promise
    compute: Callable[[Any, date], Measurement]  # (region unit, day) -> Measurement
    # Spending that the plan caps with a fund rule of this category (e.g. "training"): the cap is
    # then its at-most target, without writing the plan's number a second time as a target.
    fund_category: str = ""


class IndicatorRegistry:
    def __init__(self):
        self._by_code: dict[str, Indicator] = {}

    def register(self, indicator: Indicator) -> None:
        existing = self._by_code.get(indicator.code)
        if existing is not None and existing.compute is not indicator.compute:
            raise ValueError(f"indicator {indicator.code!r} is registered twice")
        self._by_code[indicator.code] = indicator

    def get(self, code: str) -> Indicator | None:
        return self._by_code.get(code)

    def all(self) -> list[Indicator]:
        return sorted(self._by_code.values(), key=lambda i: i.code)


# Filled at start-up by each app's AppConfig.ready(), identically in every process.
registry = IndicatorRegistry()
