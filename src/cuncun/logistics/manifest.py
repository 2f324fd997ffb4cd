"""Bulk manifests (到件清单): a carrier's list of parcels, as CSV or Excel (xlsx).

Every row is checked first and each bad one reported with its row number; the caller decides
whether a file with bad rows imports its good rows or nothing (services.import_manifest).
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.core.errors import row_problem as problem
from cuncun.core.exports import csv_rows, decode_text, workbook_rows
from cuncun.logistics.models import Direction, EventKind
from cuncun.logistics.services import (
    EventInput,
    ManifestRow,
    ParcelDetails,
    event_problems,
    normal_waybill,
    parcel_details_problems,
    waybill_problem,
)
from cuncun.network.models import Carrier, Site

# (key, Chinese title): either names the column in the header row.
COLUMNS = [
    ("carrier", "快递公司"),
    ("waybill", "运单号"),
    ("point", "服务点编号"),
    ("name", "收件人"),
    ("phone", "手机"),
    ("weight_kg", "重量kg"),
    ("order_ref", "订单号"),
    ("direction", "方向"),
    ("event", "事件"),
    ("time", "时间"),
    ("site", "地点编号"),
    ("text", "说明"),
]
REQUIRED = ["carrier", "waybill", "point"]
HEADER_ROW = 1
TIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
DIRECTION_WORDS = {
    "inbound": Direction.INBOUND,
    "in": Direction.INBOUND,
    "进村": Direction.INBOUND,
    "收件": Direction.INBOUND,
    "outbound": Direction.OUTBOUND,
    "out": Direction.OUTBOUND,
    "出村": Direction.OUTBOUND,
    "寄件": Direction.OUTBOUND,
}


def template_csv() -> str:
    """The header row and one example, for people to fill in."""
    titles = ",".join(title for _key, title in COLUMNS)
    return (
        titles
        + "\nZTO,ZT7300000001,532801-V0001,玉香南,13812345678,1.2,,进村,到达,2026-11-28 09:30,,\n"
    )


def _rows(data: bytes, filename: str) -> list[list]:
    """An .xlsx sheet (sniffed by its zip signature, whatever the file's name says) or a CSV in
    UTF-8 or GBK."""
    if data[:2] == b"PK":
        return list(workbook_rows(data))
    if filename.lower().endswith(".xlsx"):
        raise InvalidInput(_("This is not an Excel (.xlsx) file."))
    return list(csv_rows(decode_text(data)))


def _label_map(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        named = {str(label): code for code, label in choices}
    return {**named, **{code: code for code, _label in choices}, **EVENT_WORDS}


# Words carriers' staff write for the common events.
EVENT_WORDS = {
    "到达": EventKind.ARRIVED_HUB,
    "到件": EventKind.ARRIVED_HUB,
    "发出": EventKind.DEPARTED_HUB,
    "发件": EventKind.DEPARTED_HUB,
    "揽收": EventKind.ACCEPTED,
    "派件": EventKind.OUT_FOR_DELIVERY,
    "疑难": EventKind.EXCEPTION,
}


def read_manifest(
    data: bytes,
    filename: str = "",
    *,
    hub: Site | None = None,
    default_time: datetime | None = None,
) -> tuple[list[ManifestRow], list[dict]]:
    """Parse a manifest. Rows without an event are `arrived_hub` at `hub`; without a time, at
    `default_time` (the upload)."""
    default_time = default_time or timezone.now()
    table = _rows(data, filename)
    if not table:
        return [], [problem(HEADER_ROW, "empty", _("the file is empty"))]
    header = [str(c).strip() if c is not None else "" for c in table[0]]
    index = {}
    for key, title in COLUMNS:
        for name in (title, key):
            if name in header:
                index[key] = header.index(name)
                break
    missing = [title for key, title in COLUMNS if key in REQUIRED and key not in index]
    if missing:
        return [], [
            problem(HEADER_ROW, "missing_columns", _("missing column(s): %s") % ", ".join(missing))
        ]
    carriers = {}
    for carrier in Carrier.objects.filter(is_active=True):
        carriers[carrier.code.upper()] = carrier
        carriers[carrier.name] = carrier
    codes = {
        str(v)
        for row in table[1:]
        for k, v in _cells(row, index).items()
        if k in {"point", "site"} and v
    }
    sites = {s.code: s for s in Site.objects.filter(code__in=codes).select_related("region")}
    events = _label_map(EventKind.choices)
    good, bad, seen = [], [], set()
    for number, values in enumerate(table[1:], start=HEADER_ROW + 1):
        if not any(v not in (None, "") for v in values):
            continue
        cell = {k: ("" if v is None else str(v).strip()) for k, v in _cells(values, index).items()}
        reasons = []
        carrier = carriers.get(cell.get("carrier", "").upper()) or carriers.get(
            cell.get("carrier", "")
        )
        if carrier is None:
            reasons.append(("unknown_carrier", _("unknown carrier %s") % cell.get("carrier", "")))
        waybill = normal_waybill(cell.get("waybill", ""))
        if bad_waybill := waybill_problem(waybill):
            reasons.append((bad_waybill.code, bad_waybill.message))
        point = sites.get(cell.get("point", ""))
        if point is None:
            reasons.append(("unknown_point", _("unknown service point %s") % cell.get("point", "")))
        weight = None
        if cell.get("weight_kg"):
            try:
                weight = Decimal(cell["weight_kg"])
            except InvalidOperation:
                reasons.append(("bad_weight", _("%s is not a weight in kg") % cell["weight_kg"]))
        direction = DIRECTION_WORDS.get(cell.get("direction", "").lower() or "inbound")
        if direction is None:
            reasons.append(("bad_direction", _("unknown direction %s") % cell["direction"]))
        details = ParcelDetails(
            point=point,
            direction=direction or Direction.INBOUND,
            person_name=cell.get("name", ""),
            person_phone=cell.get("phone", ""),
            weight_kg=weight,
            order_ref=cell.get("order_ref", ""),
        )
        reasons += [(p.code, p.message) for p in parcel_details_problems(details)]
        kind = events.get(cell.get("event", "") or EventKind.ARRIVED_HUB)
        if kind is None:
            reasons.append(("bad_event", _("unknown event %s") % cell["event"]))
        when = _time(
            values[index["time"]] if "time" in index and index["time"] < len(values) else None,
            default_time,
        )
        if when is None:
            reasons.append(
                ("bad_time", _("%s is not a time (YYYY-MM-DD HH:MM)") % cell.get("time"))
            )
        site = hub
        if cell.get("site"):
            site = sites.get(cell["site"])
            if site is None:
                reasons.append(("unknown_site", _("unknown site %s") % cell["site"]))
        event = None
        if kind is not None and when is not None:
            event = EventInput(
                kind=kind, occurred_at=when, site=site, raw_text=cell.get("text", "")
            )
            reasons += [(p.code, p.message) for p in event_problems(event)]
        key = (cell.get("carrier", "").upper(), waybill, kind, when)
        if key in seen:
            reasons.append(
                ("duplicate_row", _("the same parcel and event appear twice in the file"))
            )
        seen.add(key)
        if reasons:
            bad.extend(problem(number, code, reason) for code, reason in reasons)
            continue
        good.append(
            ManifestRow(row=number, carrier=carrier, waybill=waybill, details=details, event=event)
        )
    return good, bad


def _cells(values, index) -> dict:
    return {key: values[i] if i < len(values) else None for key, i in index.items()}


def _time(value, default: datetime) -> datetime | None:
    if value in (None, ""):
        return default
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        moment = None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for pattern in TIME_FORMATS:
                try:
                    moment = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if moment is None:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
