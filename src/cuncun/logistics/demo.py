"""Logistics demo: a few hundred fictional parcels of the standard carriers, in every state,
across the demo's serving village points and stations (from the network demo), plus today's
consolidated route plan. Names and phone numbers are invented. Safe to run twice."""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from cuncun.logistics.carriers import install_standard_carriers
from cuncun.logistics.models import ConsentBasis, DeliveredTo, EventKind, EventSource, Parcel
from cuncun.logistics.services import (
    EventInput,
    ParcelDetails,
    accept_outbound_parcel,
    check_in_parcel,
    plan_routes,
    record_event,
    register_parcel,
)
from cuncun.network.models import Site, SiteKind

PARCELS = 300
# Parcels by carrier, roughly as rural China's market shares.
CARRIER_WEIGHTS = {
    "YZPY": 14,
    "EMS": 4,
    "SF": 5,
    "ZTO": 20,
    "YTO": 17,
    "STO": 10,
    "YD": 16,
    "JD": 6,
    "JTSD": 8,
}
SURNAMES = "岩玉刀李王张杨罗陈周"
GIVEN = "温香应罕光明燕叶龙丽坎腊"
K = EventKind


def _n(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _pick(weights: dict, n: int):
    total = sum(weights.values())
    n %= total
    for key, weight in weights.items():
        if n < weight:
            return key
        n -= weight
    return key


def load_demo() -> None:
    if Parcel.objects.filter(is_demo=True).exists():
        return
    carriers = install_standard_carriers()
    serving = Site.objects.serving().select_related("region")
    warehouse = serving.filter(kind=SiteKind.COUNTY_WAREHOUSE).order_by("code").first()
    points = list(serving.filter(kind=SiteKind.VILLAGE_POINT).order_by("code"))
    stations = {s.region_id: s for s in serving.filter(kind=SiteKind.TOWNSHIP_STATION)}
    if not points or warehouse is None:
        print("logistics demo: no serving village points or county warehouse; no parcels made.")
        return
    now = timezone.now()
    operator_point = next((p for p in points if p.region.name == "曼达村委会"), points[0])
    for number in range(PARCELS):
        n = _n(f"parcel-{number}")
        point = operator_point if number % 12 == 0 else points[n % len(points)]
        station = stations.get(point.region.parent_id)
        carrier = carriers[_pick(CARRIER_WEIGHTS, n // 7)]
        _make(number, n, carrier, point, station, warehouse, now)
    plan_routes(actor=None, day=timezone.localdate())


def _person(n: int) -> tuple[str, str]:
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[n // 11 % len(GIVEN)] + GIVEN[n // 131 % len(GIVEN)]
    return name, f"1390001{n % 10000:04d}"


def _make(number, n, carrier, point, station, warehouse, now) -> None:
    name, phone = _person(n)
    waybill = f"{carrier.code}{9_000_000_000 + number * 7919 + n % 1000}"
    weight = Decimal(f"{0.2 + (n % 48) / 10:.1f}")
    fate = n % 100
    if fate < 8:  # 出村: produce sent from the point
        accept_outbound_parcel(
            actor=None,
            site=point,
            carrier=carrier,
            waybill=waybill,
            sender_name=name,
            sender_phone=phone,
            weight_kg=weight,
            at=now - timedelta(days=n % 20, hours=3),
            is_demo=True,
        )
        return
    register_parcel(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        details=ParcelDetails(point=point, person_name=name, person_phone=phone, weight_kg=weight),
        is_demo=True,
    )
    start = now - timedelta(days=1 + n % 45, hours=n % 9)
    if fate >= 80:  # today's arrivals: waiting at the county warehouse for the route
        start = now - timedelta(hours=2 + n % 5)
    steps = [
        (K.ACCEPTED, start - timedelta(days=2), None, "【义乌】已揽收"),
        (K.ARRIVED_HUB, start, warehouse, "快件已到达【景洪市物流仓储配送中心】"),
    ]
    if fate < 80:
        steps += [
            (K.DEPARTED_HUB, start + timedelta(hours=3), warehouse, "共同配送车辆已发出"),
            (K.ARRIVED_HUB, start + timedelta(hours=6), station, "已到达乡镇服务站"),
        ]
    if 62 <= fate < 68:
        steps.append(
            (K.EXCEPTION, start + timedelta(hours=8), station, "收件人电话无人接听，疑难件")
        )
    if 68 <= fate < 72:
        steps.append((K.OUT_FOR_DELIVERY, start + timedelta(hours=8), station, "派件中"))
    for kind, when, site, text in steps:
        _scan(carrier, waybill, kind, when, site, text)
    if fate < 62:
        at_point = start + timedelta(hours=9)
        parcel = check_in_parcel(
            actor=None,
            site=point,
            carrier=carrier,
            waybill=waybill,
            consent_basis=ConsentBasis.STANDING_CONSENT if n % 3 else ConsentBasis.AGREED_BY_PHONE,
            at=at_point,
        ).parcel
        if fate < 40 and at_point + timedelta(hours=20) < now:
            _collect(parcel, point, at_point + timedelta(hours=4 + n % 40))
    if 72 <= fate < 75:  # a late scan that cannot be: flagged for review
        _scan(carrier, waybill, K.ACCEPTED, start + timedelta(hours=10), None, "重复揽收扫描")


def _collect(parcel, point, when) -> None:
    """An earlier handover: the demo records the carrier-side delivery (the code was the
    recipient's, and is not kept)."""
    _scan(
        parcel.carrier,
        parcel.waybill,
        K.DELIVERED,
        min(when, timezone.now() - timedelta(minutes=5)),
        point,
        "已签收（服务点代收后取件）",
        delivered_to=DeliveredTo.PICKUP_POINT,
    )


def _scan(carrier, waybill, kind, when, site, text, **extra) -> None:
    record_event(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        event=EventInput(kind=kind, occurred_at=when, site=site, raw_text=text, **extra),
        source=EventSource.API,
    )
