"""Personal data (phone and ID numbers): validated, and shown masked to all but who needs it."""

import re

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CHARS = "10X98765432"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    """GB 11643 checksum character of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    return id_check_char(value[:17]) == value[17]


def is_valid_phone(value: str) -> bool:
    return bool(PHONE_RE.match((value or "").strip()))


def mask_id_number(value: str) -> str:
    """5328**********1234: the area and the last four, enough to tell people apart on a list."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """139****5678."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)
