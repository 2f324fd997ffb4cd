"""Sites to and from Excel (xlsx): the register the county office keeps.

Reading validates every row first and reports each bad one with its row number; the caller
decides whether a file with bad rows imports its good rows or nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from zipfile import BadZipFile

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cuncun.core.errors import InvalidInput
from cuncun.core.errors import row_problem as problem
from cuncun.core.personal import is_valid_phone
from cuncun.network.models import SiteKind, SiteService
from cuncun.regions.models import Level, RegionUnit

COLUMNS = [
    ("kind", "类型"),
    ("township", "乡镇"),
    ("village", "村/社区"),
    ("name", "名称"),
    ("address", "地址"),
    ("opening_hours", "营业时间"),
    ("services", "服务"),
    ("floor_area", "面积"),
    ("operator_name", "站长"),
    ("operator_phone", "站长手机"),
    ("applied_on", "申请日期"),
    ("opened_on", "开业日期"),
]
EXPORT_EXTRA = [("code", "编号"), ("status", "状态"), ("latitude", "纬度"), ("longitude", "经度")]
HEADER_ROW = 1


@dataclass
class SiteRow:
    row: int
    kind: str
    region: RegionUnit
    name: str
    address: str
    opening_hours: str
    services: list[str]
    floor_area: Decimal | None
    operator_name: str
    operator_phone: str
    applied_on: date
    opened_on: date | None


def _names(choices) -> dict[str, str]:
    """Both the code and the Chinese label name a choice, the way people type it in Excel."""
    with translation.override("zh-hans"):
        named = {str(label): code for code, label in choices}
    return {**named, **{code: code for code, _label in choices}}


def read_sites(data: bytes) -> tuple[list[SiteRow], list[dict]]:
    try:
        sheet = load_workbook(BytesIO(data), read_only=True, data_only=True).active
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as error:
        raise InvalidInput(
            _("This is not an Excel (.xlsx) file."), details={"error": str(error)}
        ) from error
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    index = {key: header.index(title) for key, title in COLUMNS if title in header}
    missing = [
        title
        for key, title in COLUMNS
        if key not in index and key not in {"opened_on", "floor_area"}
    ]
    if missing:
        return [], [
            problem(HEADER_ROW, "missing_columns", _("missing column(s): %s") % ", ".join(missing))
        ]
    kinds, services = _names(SiteKind.choices), _names(SiteService.choices)
    townships = {t.name: t for t in RegionUnit.objects.townships()}
    good, bad = [], []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        if not any(v not in (None, "") for v in values):
            continue
        cell = {key: values[i] if i < len(values) else None for key, i in index.items()}
        parsed = _parse(number, cell, kinds, services, townships, bad)
        if parsed is not None:
            good.append(parsed)
    return good, bad


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(_text(value))


def _parse(number, cell, kinds, services, townships, bad) -> SiteRow | None:
    found = []

    def fail(code, reason):
        found.append(problem(number, code, reason))

    kind = kinds.get(_text(cell.get("kind")))
    if kind is None:
        fail("unknown_kind", _("unknown kind of site %r") % _text(cell.get("kind")))
    township = townships.get(_text(cell.get("township")))
    region = township
    if township is None:
        fail("unknown_township", _("unknown township %r") % _text(cell.get("township")))
    elif _text(cell.get("village")):
        region = township.children.filter(name=_text(cell.get("village"))).first()
        if region is None:
            fail(
                "unknown_village",
                _("%(village)r is not a village of %(township)s")
                % {"village": _text(cell.get("village")), "township": township.name},
            )
    if (
        region is not None
        and kind
        and (level := SiteKind.REGION_LEVEL[kind])
        and region.level != level
    ):
        fail(
            "wrong_level",
            _("a %(kind)s must be in a %(level)s unit") % {"kind": kind, "level": level},
        )
    listed = [
        s.strip() for s in _text(cell.get("services")).replace("，", ",").split(",") if s.strip()
    ]
    unknown = [s for s in listed if s not in services]
    if unknown:
        fail("unknown_service", _("unknown service(s): %s") % ", ".join(unknown))
    try:
        applied_on, opened_on = _day(cell.get("applied_on")), _day(cell.get("opened_on"))
    except ValueError:
        fail("bad_date", _("a date is not YYYY-MM-DD"))
        applied_on = opened_on = None
    if applied_on is None and not any(p["code"] == "bad_date" for p in found):
        fail("missing_date", _("the application date is missing"))
    if applied_on and opened_on and opened_on < applied_on:
        fail("opened_before_applied", _("it opens before it was applied for"))
    try:
        area = cell.get("floor_area")
        floor_area = Decimal(str(area)) if area not in (None, "") else None
        if floor_area is not None and floor_area < 0:
            fail("negative_area", _("the floor area cannot be negative"))
    except InvalidOperation:
        fail("bad_area", _("the floor area is not a number"))
        floor_area = None
    phone = _text(cell.get("operator_phone"))
    if phone and not is_valid_phone(phone):
        fail("bad_phone", _("%s is not a mobile phone number") % phone)
    for key in ("name", "address"):
        if not _text(cell.get(key)):
            fail(f"empty_{key}", _("%s is empty") % key)
    if found:
        bad.extend(found)
        return None
    return SiteRow(
        row=number,
        kind=kind,
        region=region,
        name=_text(cell["name"]),
        address=_text(cell["address"]),
        opening_hours=_text(cell.get("opening_hours")),
        services=[services[s] for s in listed],
        floor_area=floor_area,
        operator_name=_text(cell.get("operator_name")),
        operator_phone=_text(cell.get("operator_phone")),
        applied_on=applied_on,
        opened_on=opened_on,
    )


def write_sites(sites) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "服务站点"
    columns = EXPORT_EXTRA[:2] + COLUMNS + EXPORT_EXTRA[2:]
    sheet.append([title for _key, title in columns])
    with translation.override("zh-hans"):
        for site in sites:
            village = site.region if site.region.level == Level.VILLAGE else None
            township = (
                village.parent
                if village
                else (site.region if site.region.level == Level.TOWNSHIP else None)
            )
            operator = next((o for o in site.operators.all() if o.until is None), None)
            opened = next(
                (c.effective_on for c in site.status_changes.all() if c.to_status == "operating"),
                None,
            )
            applied = next(
                (c.effective_on for c in site.status_changes.all() if c.to_status == "applied"),
                None,
            )
            sheet.append(
                [
                    site.code,
                    str(site.get_status_display()),
                    str(site.get_kind_display()),
                    township.name if township else "",
                    village.name if village else "",
                    site.name,
                    site.address,
                    site.opening_hours,
                    ",".join(str(dict(SiteService.choices)[s]) for s in site.services),
                    float(site.floor_area) if site.floor_area is not None else None,
                    operator.name if operator else "",
                    operator.phone if operator else "",
                    applied,
                    opened,
                    float(site.latitude) if site.latitude is not None else None,
                    float(site.longitude) if site.longitude is not None else None,
                ]
            )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
