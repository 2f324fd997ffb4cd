"""The network's demo: a county center, warehouse and incubator, a station in each of the 11
towns/townships/subdistricts, points in most administrative villages opened over the plan's years
on the plan's calendar (a few suspended, closed or under rectification), carriers reaching them,
and some ledger entries.

The divisions are real; the people, phones, dates and coordinates are invented (coordinates are
near each township's real seat, scattered deterministically). Safe to run twice."""

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cuncun.accounts.models import User
from cuncun.network.models import (
    STANDARD_CARRIERS,
    PickupMode,
    Site,
    SiteKind,
    SiteService,
    SiteStatus,
    passing_checklist,
)
from cuncun.network.services import (
    SiteApplication,
    accept_site,
    apply_for_site,
    assign_operator,
    change_site_status,
    ensure_carrier,
    record_service,
    set_site_fee,
    start_carrier_service,
    update_site_profile,
)
from cuncun.plans.queries import plan_in_force, targets_for
from cuncun.regions.models import Kind, Level, RegionUnit

# Approximate seats of the townships (lat, lon), for maps and route planning in the demo.
TOWNSHIP_SEATS = {
    "允景洪街道": (22.005, 100.797),
    "嘎洒镇": (21.957, 100.762),
    "勐龙镇": (21.590, 100.790),
    "勐罕镇": (21.857, 100.935),
    "勐养镇": (22.160, 100.868),
    "普文镇": (22.470, 101.035),
    "景哈哈尼族乡": (21.760, 100.690),
    "景讷乡": (22.330, 101.090),
    "大渡岗乡": (22.300, 100.950),
    "勐旺乡": (22.430, 100.820),
    "基诺山基诺族乡": (22.045, 101.010),
}
SURNAMES = "岩玉刀李王张杨罗陈周"
GIVEN = ["温", "香", "应", "罕", "光", "明", "燕", "叶", "龙", "丽", "坎", "腊"]
SERVICES_OF_POINT = [
    SiteService.ASSISTED_PURCHASE,
    SiteService.ASSISTED_SALE,
    SiteService.PARCEL_RECEIVED,
    SiteService.PARCEL_SENT,
    SiteService.BILL_PAYMENT,
    SiteService.CONSULTATION,
]
DEMO_OPERATOR_VILLAGE = ("嘎洒镇", "曼达村委会")


def _n(text: str) -> int:
    """A stable number from a name, so the demo is the same on every machine."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _person(key: str) -> tuple[str, str]:
    n = _n(key)
    name = (
        SURNAMES[n % len(SURNAMES)]
        + GIVEN[n // 7 % len(GIVEN)]
        + GIVEN[n // 97 % len(GIVEN)]
        + "（演示）"
    )
    return name, f"1390000{n % 10000:04d}"


def _near(seat: tuple[float, float], key: str) -> tuple[Decimal, Decimal]:
    n = _n(key)
    lat = seat[0] + ((n % 1000) / 1000 - 0.5) * 0.12
    lon = seat[1] + ((n // 1000 % 1000) / 1000 - 0.5) * 0.12
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


@dataclass(frozen=True)
class Calendar:
    """The demo's dates, read from the plan, so the coverage chart tells the plan's story: the
    stations open in the first weeks after the plan takes force, the village points pass the
    plan's first village target shortly before its deadline and reach most villages by the end
    of the plan."""

    in_force: date  # the plan takes force
    deadline: date  # of the first village-coverage target
    share: Decimal  # that target, in percent
    ends: date  # the plan's last day

    @classmethod
    def of(cls, county: RegionUnit) -> "Calendar":
        plan = plan_in_force(county)
        first = next(t for t in targets_for("village_point_coverage", plan) if t.deadline)
        return cls(plan.effective_on, first.deadline, first.value, plan.ends_on)

    def point_openings(self, villages: list) -> dict[int, date]:
        """Opening days of the villages that get a point (about six in seven): in the order
        given, a few more than the target's share evenly before its deadline, the rest evenly
        until the plan ends."""
        with_point = villages[: len(villages) - len(villages) // UNCOVERED_ONE_IN]
        early = min(len(with_point), math.ceil(len(villages) * self.share / 100) + EARLY_SPARE)
        first, last_early = self.in_force + timedelta(days=30), self.deadline - timedelta(days=10)
        first_late, last = self.deadline + timedelta(days=15), self.ends - timedelta(days=30)
        return {
            village.pk: _spread(first, last_early, i, early)
            if i < early
            else _spread(first_late, last, i - early, len(with_point) - early)
            for i, village in enumerate(with_point)
        }


# One administrative village in this many still has no point at the end: the page lists them.
UNCOVERED_ONE_IN = 7
# Points opened before the deadline beyond the target's share, so that it is met with a margin.
EARLY_SPARE = 2


def _spread(first: date, last: date, i: int, count: int) -> date:
    """The i-th of `count` days spread evenly from `first` to `last`."""
    return first + timedelta(days=(last - first).days * i // max(count - 1, 1))


def load_demo() -> None:
    if Site.objects.filter(is_demo=True).exists():
        return
    county = RegionUnit.objects.get(level=Level.COUNTY)
    calendar = Calendar.of(county)
    with transaction.atomic():
        carriers = [
            ensure_carrier(actor=None, code=code, name=name) for code, name in STANDARD_CARRIERS
        ]
        seat = TOWNSHIP_SEATS["允景洪街道"]
        for kind, name, days in [
            (SiteKind.INCUBATOR, "景洪市电子商务创业孵化中心", 5),
            (SiteKind.COUNTY_CENTER, "景洪市电子商务公共服务中心", 16),
            (SiteKind.COUNTY_WAREHOUSE, "景洪市物流仓储配送中心", 21),
        ]:
            _open(kind, name, county, calendar.in_force + timedelta(days=days), _near(seat, name))
        townships = (
            RegionUnit.objects.townships().filter(kind__in=Kind.WITH_VILLAGES).order_by("path")
        )
        openings = calendar.point_openings(_villages_in_opening_order(county))
        for index, township in enumerate(townships):
            seat = TOWNSHIP_SEATS.get(township.name, seat)
            opened = calendar.in_force + timedelta(days=7 + 6 * index)
            _open(
                SiteKind.TOWNSHIP_STATION,
                f"{township.name}电子商务服务站",
                township,
                opened,
                _near(seat, township.name),
            )
            _carriers_for_township(carriers, township, opened, calendar)
            _village_points(township, seat, carriers, openings)
        _pickup_stores(
            RegionUnit.objects.get(level=Level.TOWNSHIP, name="允景洪街道"),
            calendar.deadline + timedelta(days=60),
        )
        _demo_operator_account()
        _recent_ledger()


def _villages_in_opening_order(county: RegionUnit) -> list:
    """Administrative villages in a stable scattered order, the demo operator's first (their
    point opened early)."""
    villages = RegionUnit.objects.within(county).administrative_villages().select_related("parent")
    return sorted(
        villages,
        key=lambda v: (
            (v.parent.name, v.name) != DEMO_OPERATOR_VILLAGE,
            _n(v.name + v.parent.name),
        ),
    )


def _open(kind, name, region, opened_on, coords, *, operator: bool = True) -> Site:
    person, phone = _person(name)
    site = apply_for_site(
        actor=None,
        application=SiteApplication(
            kind=kind,
            name=name,
            region=region,
            address=f"{region.name}{'村委会旁' if region.level == Level.VILLAGE else '政府附近'}",
            applied_on=opened_on - timedelta(days=40),
            host="村级活动场所" if region.level == Level.VILLAGE else "",
            opening_hours="8:30-18:00",
            services=tuple(SERVICES_OF_POINT),
            floor_area=Decimal(20 + _n(name) % 60),
            latitude=coords[0],
            longitude=coords[1],
            operator_name=person if operator else "",
            operator_phone=phone if operator else "",
            is_demo=True,
        ),
    )
    change_site_status(
        actor=None,
        site=site,
        to_status=SiteStatus.APPROVED,
        effective_on=opened_on - timedelta(days=30),
    )
    accept_site(
        actor=None,
        site=site,
        checked_on=opened_on - timedelta(days=3),
        checklist=passing_checklist(),
    )
    return change_site_status(
        actor=None, site=site, to_status=SiteStatus.OPERATING, effective_on=opened_on
    )


def _carriers_for_township(carriers, township, opened, calendar: Calendar) -> None:
    # 邮政 reaches every township from the start; the private carriers come one by one in the
    # plan's first year.
    for position, carrier in enumerate(carriers):
        if position == 0 or (_n(township.name + carrier.code) % 10) < 6:
            since = (
                opened
                if position == 0
                else calendar.in_force + timedelta(days=(_n(carrier.code + township.name) % 300))
            )
            start_carrier_service(actor=None, carrier=carrier, township=township, since=since)


def _village_points(township, seat, carriers, openings: dict[int, date]) -> None:
    today = timezone.localdate()
    for village in township.children.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).order_by("path"):
        n = _n(village.name + township.name)
        opened = openings.get(village.pk)
        if opened is None:
            continue
        point = _open(
            SiteKind.VILLAGE_POINT,
            f"{village.name.removesuffix('村委会')}村电商服务点",
            village,
            opened,
            _near(seat, village.name),
        )
        # Every village point takes market orders for pickup (网订店取), as the plan's points do.
        update_site_profile(
            actor=None,
            site=point,
            changes={
                "pickup_mode": PickupMode.ANY_SITE,
                "services": [*SERVICES_OF_POINT, SiteService.PICKUP],
            },
        )
        start_carrier_service(actor=None, carrier=carriers[0], site=point, since=opened)
        if n % 3 == 0:
            start_carrier_service(
                actor=None,
                carrier=carriers[1 + n % (len(carriers) - 1)],
                site=point,
                since=opened + timedelta(days=60),
            )
        if n % 4 == 0:
            set_site_fee(
                actor=None, site=point, service=SiteService.PARCEL_RECEIVED, amount="0.50", per="件"
            )
        if (township.name, village.name) == DEMO_OPERATOR_VILLAGE:
            # The demo operator's point charges for handing a market order over (网订店取), which
            # the festival's free-pickup voucher pays in the buyer's place (funds' demo).
            set_site_fee(
                actor=None, site=point, service=SiteService.PICKUP, amount="1.00", per="单"
            )
            continue
        if n % 29 == 1:
            change_site_status(
                actor=None,
                site=point,
                to_status=SiteStatus.SUSPENDED,
                effective_on=min(today, opened + timedelta(days=400)),
                reason="站长外出务工，暂停服务（演示）",
            )
        elif n % 31 == 2:
            change_site_status(
                actor=None,
                site=point,
                to_status=SiteStatus.CLOSED,
                effective_on=min(today, opened + timedelta(days=500)),
                reason="场地收回，关闭（演示）",
            )
        elif n % 37 == 3:
            change_site_status(
                actor=None,
                site=point,
                to_status=SiteStatus.RECTIFYING,
                effective_on=min(today, opened + timedelta(days=200)),
                reason="台账不全，限期整改（演示）",
            )


def _pickup_stores(subdistrict, opened: date) -> None:
    seat = TOWNSHIP_SEATS["允景洪街道"]
    for community in subdistrict.children.filter(kind=Kind.COMMUNITY).order_by("path")[:2]:
        store = _open(
            SiteKind.PICKUP_STORE,
            f"{community.name.removesuffix('社区居委会')}便利店（网订店取）",
            community,
            opened,
            _near(seat, community.name),
        )
        update_site_profile(
            actor=None,
            site=store,
            changes={
                "pickup_mode": "any_site",
                "services": [SiteService.PICKUP, SiteService.PARCEL_RECEIVED],
            },
        )


def _demo_operator_account() -> None:
    """The demo user `operator` runs the point of 曼达村委会."""
    user = User.objects.filter(username="operator").first()
    township, village = DEMO_OPERATOR_VILLAGE
    point = Site.objects.filter(
        kind=SiteKind.VILLAGE_POINT, region__name=village, region__parent__name=township
    ).first()
    if user and point and not point.operators.filter(user=user).exists():
        assign_operator(
            actor=None,
            site=point,
            name=user.display_name,
            phone=user.phone,
            user=user,
            since=point.status_changes.get(to_status=SiteStatus.OPERATING).effective_on,
        )


def _recent_ledger() -> None:
    """A fortnight of 代买/代卖 at some points, so that the daily report has rows."""
    today = timezone.localdate()
    categories = ["茶叶", "水果", "日用品", "农资", "咖啡"]
    points = Site.objects.serving().filter(kind=SiteKind.VILLAGE_POINT).order_by("code")[:12]
    for point in points:
        for back in range(14):
            day = today - timedelta(days=back)
            n = _n(f"{point.code}{day}")
            if n % 3:
                continue
            kind = SiteService.ASSISTED_PURCHASE if n % 2 else SiteService.ASSISTED_SALE
            record_service(
                actor=None,
                site=point,
                kind=kind,
                day=day,
                amount=Decimal(20 + n % 400),
                category=categories[n % len(categories)],
                quantity=1 + n % 4,
                reference=f"demo:{point.code}:{day}",
                authorized_by_caller=True,
            )
