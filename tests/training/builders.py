"""Builders for training tests: invented ID numbers with valid checksums, and roster files."""

from datetime import date
from io import BytesIO

from openpyxl import Workbook

from cuncun.core.personal import id_check_char

HEADER = ["姓名", "身份证号", "性别", "民族", "联系电话", "乡镇", "村委会", "人员类别", "培训日期"]


def id_number(n: int, *, born: str = "19900101", female: bool = False, area: str = "532801") -> str:
    """A valid (invented) resident ID number; n tells people apart."""
    sequence = (n * 2) % 1000 if female else (n * 2 + 1) % 1000
    first17 = f"{area}{born}{sequence:03d}"
    return first17 + id_check_char(first17)


def wrong_checksum(value: str) -> str:
    last = "0" if value[-1] != "0" else "1"
    return value[:-1] + last


def person_row(
    n: int,
    *,
    name: str | None = None,
    female: bool = False,
    township: str = "嘎洒镇",
    village: str = "曼达村委会",
    categories: str = "",
    days: object = "",
    phone: str = "",
    ethnicity: str = "傣族",
    id_value: object = None,
    born: str = "19900101",
) -> list:
    return [
        f"学员{n}" if name is None else name,
        id_value if id_value is not None else id_number(n, female=female, born=born),
        "女" if female else "男",
        ethnicity,
        phone,
        township,
        village,
        categories,
        days.isoformat() if isinstance(days, date) else days,
    ]


def roster_file(
    rows: list[list], *, header: list[str] = HEADER, title: str | None = "花名册"
) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
