"""Figures of apps lower in the list on the program dashboard, which `monitoring` draws and may
not import them (the special fund's position lives in `funds`). An app registers at ready() a
function that gives a person their glance, or None when they may not read it. Like the indicator
registry: filled identically in every process at start-up, never changed afterwards.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Glance:
    """A card of big figures and the page they were counted from."""

    title: str
    url: str
    figures: list[tuple[str, str]]  # (what, how much), as shown
    warnings: list[str]  # what stands against the plan's rules, in words


# (user) -> their glance, or None when the figures are not theirs to read
GlanceSource = Callable[[Any], Glance | None]

_sources: list[GlanceSource] = []


def register_glance(source: GlanceSource) -> None:
    if source not in _sources:
        _sources.append(source)


def glances_for(user) -> list[Glance]:
    return [glance for source in _sources if (glance := source(user)) is not None]
