"""The dashboard's panels (数据大屏): every target of the plan against its value and deadline, sales
by township over time, by goods and by channel, parcels per village and training against plan.
Sales come from the rollup; each figure names the page it was counted from."""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.core.errors import NotFound
from cuncun.core.glances import Glance, glances_for
from cuncun.monitoring.models import DailyParcels
from cuncun.monitoring.periods import add_months, days, month_start, year_to_date
from cuncun.monitoring.queries import from_rollup, last_rollup_at, rollup_rows, sales_by
from cuncun.network.indicators import administrative_villages
from cuncun.network.models import Site, SiteKind
from cuncun.plans.models import Target
from cuncun.plans.progress import evaluate, indicator
from cuncun.plans.queries import plan_in_force
from cuncun.regions.models import RegionUnit
from cuncun.regions.queries import browse_root

# Where each indicator's figure is counted from: the page listing its records.
SOURCES = {
    "township_station_coverage": "network:coverage",
    "village_point_coverage": "network:coverage",
    "carrier_township_coverage": "network:coverage",
    "carrier_village_point_coverage": "network:coverage",
    "county_platform_count": "network:finder",
    "incubated_enterprises": "merchants:list",
    "ecommerce_transaction_growth": "monitoring:reports",
    "online_retail_growth": "monitoring:reports",
    "agri_online_sales": "monitoring:reports",
    "broadband_mbps": "monitoring:reported_values",
    "homestay_points": "tourism:list",
}
TRAINING_PAGE = "training:home"
MONTHS_SHOWN = 24
DAYS_SHOWN = 30
QUARTERS_SHOWN = 8
TOWNSHIPS_CHARTED = 8


class Standing:
    MET = "met"  # 已达成
    AT_RISK = "at_risk"  # 未达成, deadline ahead
    BEHIND = "behind"  # 滞后: deadline passed, not met (or no value)
    labels = {
        MET: gettext_lazy("met"),
        AT_RISK: gettext_lazy("at risk"),
        BEHIND: gettext_lazy("behind"),
    }


@dataclass
class TargetRow:
    target: Target
    value: object
    deadline: date
    standing: str
    link: str | None

    @property
    def standing_label(self) -> str:
        return str(Standing.labels[self.standing])


@dataclass
class Board:
    region: RegionUnit
    day: date
    targets: list[TargetRow]
    township_sales: dict
    goods_sales: list[dict]
    channel_sales: list[dict]
    parcels: list[dict]
    parcels_daily: dict
    coverage: dict
    rolled_up_at: object
    glances: list[Glance]  # lower apps' figures (the special fund), `core.glances`

    def as_json(self) -> dict:
        return {
            "region": self.region.name,
            "day": self.day.isoformat(),
            "rolled_up_at": self.rolled_up_at.isoformat() if self.rolled_up_at else None,
            "targets": [
                {
                    "key": row.target.key,
                    "label": row.target.label,
                    "indicator": row.target.indicator,
                    "value": _number(row.value),
                    "target": _number(row.target.value),
                    "comparison": row.target.comparison,
                    "unit": row.target.unit,
                    "deadline": row.deadline.isoformat(),
                    "standing": row.standing,
                    "link": row.link,
                }
                for row in self.targets
            ],
            "township_sales": self.township_sales,
            "goods_sales": [_plain(i) for i in self.goods_sales],
            "channel_sales": [_plain(i) for i in self.channel_sales],
            "parcels": self.parcels,
            "parcels_daily": self.parcels_daily,
            "coverage": self.coverage,
            "glances": [asdict(glance) for glance in self.glances],
        }


def _number(value):
    return None if value is None else float(value)


def _plain(item: dict) -> dict:
    return {
        k: _number(v) if k in {"transactions", "online_retail", "farm_products"} else v
        for k, v in item.items()
    }


def _link(code: str) -> str | None:
    name = SOURCES.get(code) or (TRAINING_PAGE if code.startswith("training") else None)
    try:
        return reverse(name) if name else None
    except NoReverseMatch:
        return None


def _standing(target: Target, value, deadline: date, day: date) -> str:
    if target.is_met_by(value):
        return Standing.MET
    return Standing.BEHIND if deadline < day else Standing.AT_RISK


def target_rows(region: RegionUnit, day: date) -> list[TargetRow]:
    """Every target of the plan in force, with its indicator's value on `day`."""
    plan = plan_in_force(region.county(), on=day)
    if plan is None:
        return []
    rows = []
    for target in plan.targets.order_by("deadline", "id"):
        if not target.applies_to(region):
            continue
        try:
            indicator(target.indicator)
        except NotFound:
            continue  # an indicator no installed app computes
        value = evaluate(target.indicator, region, day).value
        deadline = target.deadline or plan.ends_on
        rows.append(
            TargetRow(
                target,
                value,
                deadline,
                _standing(target, value, deadline, day),
                _link(target.indicator),
            )
        )
    return rows


def township_sales(user, region: RegionUnit, first: date, last: date) -> dict:
    """Monthly e-commerce transactions of the townships that sell most, as chart series."""
    totals = sales_by(user, region=region, first=first, last=last, by="township")
    shown = sorted(totals, key=lambda t: t["transactions"], reverse=True)[:TOWNSHIPS_CHARTED]
    months_ = [f"{add_months(first, i):%Y-%m}" for i in range(MONTHS_SHOWN)]
    amounts = {
        (row["township_id"], f"{row['month']:%Y-%m}"): float(row["amount"])
        for row in from_rollup(
            rollup_rows(user, region, first, last)
            .filter(township_id__in=[t["key"] for t in shown])
            .values("township_id", "month")
            .annotate(amount=Sum("amount"))
            .order_by()
        )
    }
    return {
        "months": months_,
        "series": [
            {"name": t["label"], "values": [amounts.get((t["key"], m), 0) for m in months_]}
            for t in shown
        ],
    }


def parcels_by_township(user, region: RegionUnit, day: date) -> list[dict]:
    """Parcels delivered this month, per township, from the parcels rollup."""
    month = month_start(day)
    return [
        {"name": item["label"], "value": item["parcels"]}
        for item in sales_by(user, region=region, first=month, last=month, by="township")
        if item["parcels"]
    ]


def parcels_by_day(user, region: RegionUnit, day: date) -> dict:
    """Parcels delivered on each of the last DAYS_SHOWN days, from the daily rollup."""
    first = day - timedelta(days=DAYS_SHOWN - 1)
    counts = dict(
        from_rollup(
            DailyParcels.objects.visible_to(user)
            .filter(region_path__startswith=region.path, day__gte=first, day__lte=day)
            .values_list("day")
            .annotate(parcels=Sum("parcels"))
            .order_by()
        )
    )
    shown = days(first, day)
    return {
        "days": [f"{d:%m-%d}" for d in shown],
        "values": [counts.get(d, 0) for d in shown],
    }


def coverage_by_township(region: RegionUnit, day: date) -> dict:
    """Village-point coverage of each township at the end of each of the last quarters: how the
    network reached the villages over time, counted from the sites as the indicator
    `village_point_coverage` does (administrative villages open that day, covered when a
    village point serves there), two grouped queries per quarter for all townships at once."""
    ends = [min(quarter_end(day, -n), day) for n in reversed(range(QUARTERS_SHOWN))]
    townships = list(RegionUnit.objects.within(region).townships().order_by("path"))
    shares = [_coverage_per_township(region, end) for end in ends]
    return {
        "quarters": [f"{end:%Y-%m}" for end in ends],
        "series": [
            {"name": unit.name, "values": [share.get(unit.pk) for share in shares]}
            for unit in townships
        ],
    }


def _coverage_per_township(region: RegionUnit, day: date) -> dict[int, float]:
    villages = administrative_villages(region, day)
    covered = villages.filter(
        Exists(Site.objects.serving_in_outer_unit(SiteKind.VILLAGE_POINT, day))
    )
    totals = dict(villages.values_list("parent_id").annotate(n=Count("pk")).order_by())
    served = dict(covered.values_list("parent_id").annotate(n=Count("pk")).order_by())
    return {unit: served.get(unit, 0) / n for unit, n in totals.items() if n}


def quarter_end(day: date, shift: int) -> date:
    """The last day of the quarter `shift` quarters from the one holding `day`."""
    first_of_quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return add_months(first_of_quarter, 3 * (shift + 1)) - timedelta(days=1)


def board(user, day: date | None = None) -> Board:
    region = browse_root(user)
    if region is None:
        raise NotFound(_("No divisions are loaded yet."))
    day = day or timezone.localdate()
    last = month_start(day)
    first = add_months(last, -(MONTHS_SHOWN - 1))
    ytd_first, ytd_last = year_to_date(day)
    return Board(
        region=region,
        day=day,
        targets=target_rows(region, day),
        township_sales=township_sales(user, region, first, last),
        goods_sales=sales_by(user, region=region, first=ytd_first, last=ytd_last, by="category"),
        channel_sales=sales_by(user, region=region, first=ytd_first, last=ytd_last, by="platform"),
        parcels=parcels_by_township(user, region, day),
        parcels_daily=parcels_by_day(user, region, day),
        coverage=coverage_by_township(region, day),
        rolled_up_at=last_rollup_at(),
        glances=glances_for(user),
    )
