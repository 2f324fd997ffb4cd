"""GS1 Digital Link URIs for a batch: `/01/<GTIN-14>/10/<lot>` on the county's own domain.

Built and parsed here only, so the printed QR and the resolver agree. A product with no GTIN of
its own gets a county-issued one in the same shape: GS1's restricted-circulation prefix (20-29 is
for numbers issued inside one organisation, never traded under GS1's registry) then the product's
id, with the standard check digit, so every scanner and parser treats it as a GTIN-14.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

COUNTY_ISSUED_PREFIX = "029"  # indicator digit 0 + restricted-circulation prefix 29
GTIN_AI = "01"
# The qualifiers of a GTIN in the order GS1 Digital Link requires: CPV, lot, serial.
QUALIFIER_ORDER = ["22", "10", "21"]
# AI 10 (batch/lot): up to 20 characters of GS1's "character set 82".
LOT_RE = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


class NotADigitalLink(ValueError):
    """The path is not a GS1 Digital Link this resolver understands; the message says why."""


def check_digit(digits: str) -> str:
    """GS1's mod-10 check digit of the digits before it (weights 3,1,3… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def normalise_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14, its check digit verified."""
    value = (value or "").strip()
    if not re.fullmatch(r"\d{8}|\d{12}|\d{13}|\d{14}", value):
        raise NotADigitalLink(f"a GTIN has 8, 12, 13 or 14 digits, not {value!r}")
    gtin = value.zfill(14)
    if check_digit(gtin[:-1]) != gtin[-1]:
        raise NotADigitalLink(f"the check digit of GTIN {value} is wrong")
    return gtin


def county_gtin(product_id: int) -> str:
    """The county-issued GTIN-14 of a product that has none of its own."""
    body = f"{COUNTY_ISSUED_PREFIX}{product_id:010d}"
    return body + check_digit(body)


def check_lot(lot: str) -> str:
    if not LOT_RE.fullmatch(lot or ""):
        raise NotADigitalLink(f"a lot is 1 to 20 letters, digits or GS1 signs, not {lot!r}")
    return lot


@dataclass(frozen=True)
class DigitalLink:
    gtin: str
    lot: str

    @property
    def path(self) -> str:
        return f"/{GTIN_AI}/{self.gtin}/10/{quote(self.lot, safe='')}"

    def uri(self, domain: str) -> str:
        """The full URI on a domain given as `https://trace.example.cn` (no trailing slash)."""
        return domain.rstrip("/") + self.path


def build(gtin: str, lot: str) -> DigitalLink:
    return DigitalLink(normalise_gtin(gtin), check_lot(lot))


def parse(path: str) -> DigitalLink:
    """The GTIN and lot of a Digital Link path (`/01/…/10/…`, any leading path before /01/ is
    the resolver's own). Refuses qualifiers out of GS1's order and a GTIN whose check digit is
    wrong."""
    segments = [unquote(s) for s in path.split("?")[0].strip("/").split("/")]
    if GTIN_AI not in segments:
        raise NotADigitalLink("no GTIN (AI 01) in the path")
    segments = segments[segments.index(GTIN_AI) :]
    if len(segments) % 2:
        raise NotADigitalLink("every AI needs a value")
    pairs = list(zip(segments[::2], segments[1::2], strict=True))
    gtin = normalise_gtin(pairs[0][1])
    qualifiers = [ai for ai, _value in pairs[1:]]
    unknown = [ai for ai in qualifiers if ai not in QUALIFIER_ORDER]
    if unknown:
        raise NotADigitalLink(f"AI {unknown[0]} is not a qualifier of a GTIN")
    in_order = sorted(set(qualifiers), key=QUALIFIER_ORDER.index)
    if qualifiers != in_order:
        raise NotADigitalLink("qualifiers must come in GS1's order: 22, then 10, then 21")
    values = dict(pairs[1:])
    if "10" not in values:
        raise NotADigitalLink("no lot (AI 10) in the path")
    return DigitalLink(gtin, check_lot(values["10"]))
