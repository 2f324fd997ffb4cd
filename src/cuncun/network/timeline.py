"""Coverage over time in one pass over the history, for charts.

The indicators in indicators.py answer for one day with a query each; a chart of 100 months would
run hundreds of them. Here the status history and carrier coverage are read once and turned into
serving intervals, then counted per day. tests/network/test_timeline.py proves both agree.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from cuncun.core.indicators import Measurement
from cuncun.network.indicators import townships_counted_in, villages_counted_in
from cuncun.network.models import CarrierService, SiteKind, SiteStatus, SiteStatusChange
from cuncun.regions.models import GroupCode, RegionUnit

Interval = tuple[date, date | None]  # [start, end)


def _covers(intervals: list[Interval], day: date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in intervals)


@dataclass
class CoverageTimeline:
    villages: dict[int, tuple]  # village id -> (opening, closing, is_poor)
    townships: dict[int, tuple]  # township id -> (opening, closing)
    serving: dict[tuple[str, int], list[Interval]]  # (kind, region id) -> serving intervals
    carriers: dict[int, list[Interval]]  # township id -> carrier intervals

    @classmethod
    def build(cls, region: RegionUnit) -> "CoverageTimeline":
        villages = villages_counted_in(region)
        poor = set(
            villages.filter(memberships__group__code=GroupCode.POOR_VILLAGE).values_list(
                "pk", flat=True
            )
        )
        return cls(
            villages={
                pk: (o, c, pk in poor)
                for pk, o, c in villages.values_list("pk", "opening_date", "closing_date")
            },
            townships={
                pk: (o, c)
                for pk, o, c in townships_counted_in(region).values_list(
                    "pk", "opening_date", "closing_date"
                )
            },
            serving=_serving_intervals(region),
            carriers=_carrier_intervals(region),
        )

    def on(self, day: date) -> dict[str, Measurement]:
        def open_on(opening, closing):
            return (opening is None or opening <= day) and (closing is None or closing > day)

        villages = [(pk, poor) for pk, (o, c, poor) in self.villages.items() if open_on(o, c)]
        townships = [pk for pk, (o, c) in self.townships.items() if open_on(o, c)]
        has_point = {
            pk
            for pk, _poor in villages
            if _covers(self.serving.get((SiteKind.VILLAGE_POINT, pk), []), day)
        }
        poor = [pk for pk, is_poor in villages if is_poor]
        return {
            "township_station_coverage": Measurement(
                sum(
                    _covers(self.serving.get((SiteKind.TOWNSHIP_STATION, t), []), day)
                    for t in townships
                ),
                len(townships),
            ),
            "village_point_coverage": Measurement(len(has_point), len(villages)),
            "poor_village_coverage": Measurement(len(has_point.intersection(poor)), len(poor)),
            "carrier_township_coverage": Measurement(
                sum(_covers(self.carriers.get(t, []), day) for t in townships), len(townships)
            ),
        }


def _serving_intervals(region: RegionUnit) -> dict[tuple[str, int], list[Interval]]:
    changes = (
        SiteStatusChange.objects.filter(
            site__kind__in=[SiteKind.VILLAGE_POINT, SiteKind.TOWNSHIP_STATION],
            site__region__path__startswith=region.path,
        )
        .order_by("site_id", "effective_on", "id")
        .values_list("site_id", "site__kind", "site__region_id", "to_status", "effective_on")
    )
    intervals: dict[tuple[str, int], list[Interval]] = defaultdict(list)
    open_since: dict[int, date] = {}
    where: dict[int, tuple[str, int]] = {}
    for site_id, kind, region_id, status, day in changes:
        where[site_id] = (kind, region_id)
        serving = status in SiteStatus.SERVING
        if serving and site_id not in open_since:
            open_since[site_id] = day
        elif not serving and site_id in open_since:
            intervals[where[site_id]].append((open_since.pop(site_id), day))
    for site_id, start in open_since.items():
        intervals[where[site_id]].append((start, None))
    return intervals


def _carrier_intervals(region: RegionUnit) -> dict[int, list[Interval]]:
    out: dict[int, list[Interval]] = defaultdict(list)
    rows = CarrierService.objects.filter(township__path__startswith=region.path).values_list(
        "township_id", "since", "until"
    )
    for township_id, since, until in rows:
        out[township_id].append((since, until))
    return out
