"""Sites to and from Excel (xlsx): the register the county office keeps.

Reading parses every row first and reports each unreadable one with its row number; the
import service checks the rest against its rules, and the caller decides whether a file with bad
rows imports its good rows or nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from cuncun.core.errors import row_problem as problem
from cuncun.core.exports import workbook_rows, xlsx_bytes
from cuncun.core.personal import mask_phone
from cuncun.network.models import Site, SiteKind, SiteService, SiteStatus
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
# Columns a file may leave out. A row with a site code updates that site (the status column of
# an export is only read by people: the lifecycle moves through its own steps).
OPTIONAL = {"opened_on", "floor_area", "code", "status", "latitude", "longitude"}
HEADER_ROW = 1
# A county's sites are a few hundred; a prefecture's register a few thousand. The worker checks and
# writes the file in one transaction, so a file beyond this is refused whole (and says so) rather
# than holding the database for minutes.
MAX_REGISTER_ROWS = 5000


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
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    site: Site | None = None  # the registered site the row's code names


def _names(choices) -> dict[str, str]:
    """Both the code and the Chinese label name a choice, the way people type it in Excel."""
    with translation.override("zh-hans"):
        named = {str(label): code for code, label in choices}
    return {**named, **{code: code for code, _label in choices}}


def read_sites(data: bytes) -> tuple[list[SiteRow], list[dict]]:
    """Parse every row; a row that cannot be read (an unknown name, a malformed date or number)
    is reported with its row number. The rules of registering are the services' to check."""
    rows = workbook_rows(data)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    index = {key: header.index(title) for key, title in COLUMNS + EXPORT_EXTRA if title in header}
    missing = [title for key, title in COLUMNS if key not in index and key not in OPTIONAL]
    if missing:
        return [], [
            problem(HEADER_ROW, "missing_columns", _("missing column(s): %s") % ", ".join(missing))
        ]
    cells = []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        if not any(v not in (None, "") for v in values):
            continue
        if len(cells) == MAX_REGISTER_ROWS:
            too_many = _("A register may have at most %(n)d rows; split the file.")
            return [], [problem(number, "too_many_rows", too_many % {"n": MAX_REGISTER_ROWS})]
        cells.append(
            (number, {key: values[i] if i < len(values) else None for key, i in index.items()})
        )
    names = _Names(codes=[_text(cell.get("code")) for _number, cell in cells])
    good, bad = [], []
    for number, cell in cells:
        parsed = _parse(number, cell, names, bad)
        if parsed is not None:
            good.append(parsed)
    return good, bad


class _Names:
    """What the names in a file stand for, read from the database once per file."""

    def __init__(self, codes: list[str]):
        self.kinds = _names(SiteKind.choices)
        self.services = _names(SiteService.choices)
        self.townships = {t.name: t for t in RegionUnit.objects.townships()}
        self.villages = {
            (v.parent_id, v.name): v
            for v in RegionUnit.objects.filter(parent__in=self.townships.values())
        }
        self.county = RegionUnit.objects.filter(level=Level.COUNTY).first()
        self.sites = {s.code: s for s in Site.objects.filter(code__in=[c for c in codes if c])}


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


def _number(value) -> Decimal | None:
    """A number as typed (Excel gives floats; their shortest text is what was typed)."""
    if value in (None, ""):
        return None
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation(value)
    return number


def _region(kind, cell, names, fail) -> RegionUnit | None:
    """The township, or its village or community; a county-level site needs neither."""
    township_name, village_name = _text(cell.get("township")), _text(cell.get("village"))
    if not township_name and kind and SiteKind.REGION_LEVEL[kind] in {Level.COUNTY, None}:
        return names.county
    township = names.townships.get(township_name)
    if township is None:
        fail("unknown_township", _("unknown township %r") % township_name)
        return None
    if not village_name:
        return township
    village = names.villages.get((township.pk, village_name))
    if village is None:
        fail(
            "unknown_village",
            _("%(village)r is not a village of %(township)s")
            % {"village": village_name, "township": township.name},
        )
    return village


def _parse(number, cell, names, bad) -> SiteRow | None:
    found = []

    def fail(code, reason):
        found.append(problem(number, code, reason))

    code = _text(cell.get("code"))
    site = names.sites.get(code)
    if code and site is None:
        fail("unknown_code", _("no site has the code %s") % code)
    kind = names.kinds.get(_text(cell.get("kind")))
    if kind is None:
        fail("unknown_kind", _("unknown kind of site %r") % _text(cell.get("kind")))
    region = _region(kind, cell, names, fail)
    listed = [
        s.strip() for s in _text(cell.get("services")).replace("，", ",").split(",") if s.strip()
    ]
    unknown = [s for s in listed if s not in names.services]
    if unknown:
        fail("unknown_service", _("unknown service(s): %s") % ", ".join(unknown))
    try:
        applied_on, opened_on = _day(cell.get("applied_on")), _day(cell.get("opened_on"))
    except ValueError:
        fail("bad_date", _("a date is not YYYY-MM-DD"))
        applied_on = opened_on = None
    if applied_on is None and not any(p["code"] == "bad_date" for p in found):
        fail("missing_date", _("the application date is missing"))
    numbers = {}
    for key, title in [("floor_area", "面积"), ("latitude", "纬度"), ("longitude", "经度")]:
        try:
            numbers[key] = _number(cell.get(key))
        except InvalidOperation:
            fail(f"bad_{key}", _("%s is not a number") % title)
    if found:
        bad.extend(found)
        return None
    return SiteRow(
        row=number,
        kind=kind,
        region=region,
        name=_text(cell.get("name")),
        address=_text(cell.get("address")),
        opening_hours=_text(cell.get("opening_hours")),
        services=[names.services[s] for s in listed],
        operator_name=_text(cell.get("operator_name")),
        operator_phone=_text(cell.get("operator_phone")),
        applied_on=applied_on,
        opened_on=opened_on,
        site=site,
        **numbers,
    )


def write_sites(sites, *, shows_phone: Callable[[Site], bool]) -> bytes:
    """The register as the import reads it; operators' phones unmasked only on the sites for
    which `shows_phone` says so (those the reader manages)."""
    columns = EXPORT_EXTRA[:2] + COLUMNS + EXPORT_EXTRA[2:]
    with translation.override("zh-hans"):
        rows = [_site_row(site, shows_phone) for site in sites]
    return xlsx_bytes({"服务站点": ([title for _key, title in columns], rows)})


def _site_row(site, shows_phone) -> list:
    village = site.region if site.region.level == Level.VILLAGE else None
    township = (
        village.parent
        if village
        else (site.region if site.region.level == Level.TOWNSHIP else None)
    )
    operator = next((o for o in site.operators.all() if o.until is None), None)
    return [
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
        _phone(operator, site, shows_phone),
        _first_day(site, SiteStatus.APPLIED),
        _first_day(site, SiteStatus.OPERATING),
        float(site.latitude) if site.latitude is not None else None,
        float(site.longitude) if site.longitude is not None else None,
    ]


def _first_day(site, status: str) -> date | None:
    return next((c.effective_on for c in site.status_changes.all() if c.to_status == status), None)


def _phone(operator, site, shows_phone) -> str:
    if operator is None or not operator.phone:
        return ""
    return operator.phone if shows_phone(site) else mask_phone(operator.phone)
