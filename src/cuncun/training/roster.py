"""Reading and checking a roster (花名册) the way trainers hand it in: an Excel sheet, perhaps a
title row or two, a header row in Chinese, then one person per row.

Every row is checked before anything is written: the ID number's checksum, a village known in the
county, the days inside the session, the categories and ethnicity named. Each bad row is reported
with its row number in the sheet (as Excel shows it) and a reason a trainer can act on; reasons
never repeat an ID number unmasked. The checking reads reference data once, in bulk, so that ten
thousand rows take a moment, not minutes.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils.datetime import from_excel

from cuncun.core.checks import text_too_long
from cuncun.core.errors import row_problem as problem
from cuncun.core.exports import cell, workbook_rows
from cuncun.core.exports import row as escaped_row
from cuncun.core.personal import (
    id_check_char,
    is_valid_id_number,
    is_valid_phone,
    mask_id_number,
)
from cuncun.regions.models import Level, RegionUnit
from cuncun.training.models import Gender, Trainee, TraineeCategory

# The 56 ethnic groups (民族) as written on ID cards.
ETHNIC_GROUPS = (  # noqa: SIM905 (a list of 56 reads better as one string)
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 "
    "柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 "
    "塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 "
    "鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()

# Column → the headings trainers use for it (compared without spaces and with ASCII brackets).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学员姓名", "名字"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "身份证件号码"),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "phone": ("联系电话", "手机号码", "手机号", "手机", "电话", "联系方式"),
    "township": ("乡镇", "乡镇(街道)", "乡(镇)", "所属乡镇", "乡镇街道", "乡镇/街道"),
    "village": ("村委会", "行政村", "村(社区)", "村/社区", "村", "所在村", "村委会(社区)"),
    "categories": ("人员类别", "类别", "学员类别", "身份"),
    "days": ("培训日期", "参训日期", "签到日期", "日期"),
}
REQUIRED = ("name", "id_number")
TEMPLATE_HEADINGS = {
    "name": "姓名",
    "id_number": "身份证号",
    "gender": "性别",
    "ethnicity": "民族",
    "phone": "联系电话",
    "township": "乡镇",
    "village": "村委会",
    "categories": "人员类别",
    "days": "培训日期",
}
HEADER_SEARCH_ROWS = 10  # a title and a note may come before the header row
MAX_ROWS = 50_000
PROGRESS_EVERY = 500
ID_QUERY_CHUNK = 900

VILLAGE_SUFFIXES = (
    "村民委员会",
    "社区居民委员会",
    "社区居委会",
    "居民委员会",
    "村委会",
    "居委会",
    "社区",
    "村",
)
TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡", "农场")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
RANGE_SEPARATORS = re.compile(r"\s*(?:至|~|～|—)\s*")
FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月.]\s*(\d{1,2})\s*日?$")


@dataclass
class RawRow:
    """One row of the sheet as read, before any check."""

    row: int
    values: dict[str, Any]


@dataclass
class RosterSheet:
    rows: list[RawRow]
    problems: list[dict] = field(default_factory=list)  # problems of the file itself (headers)
    header_row: int = 0  # where the header is, as Excel numbers rows


@dataclass
class RosterRow:
    """A checked row: one person and the days they attended."""

    row: int
    id_number: str
    name: str
    gender: str
    birth_date: date
    ethnicity: str
    phone: str
    region_id: int
    categories: set[str]
    days: set[date]
    merged_rows: list[int] = field(default_factory=list)  # later rows of the same person


@dataclass
class CheckedRoster:
    rows: list[RosterRow]  # one per person: a person on several rows is merged into their first
    problems: list[dict]
    total_rows: int
    good_rows: int  # rows without a problem (merged rows included)

    @property
    def bad_rows(self) -> int:
        return len({p["row"] for p in self.problems})

    @property
    def merged(self) -> list[dict]:
        """Each row that repeats a person of an earlier row, told row by row: its days and
        categories went to that person, who is imported once."""
        merged = [
            {
                "row": row,
                "into": person.row,
                "reason": _(
                    "The same person as row %(first)d (%(name)s, %(id)s): merged into that row, "
                    "their days counted once."
                )
                % {
                    "first": person.row,
                    "name": person.name,
                    "id": mask_id_number(person.id_number),
                },
            }
            for person in self.rows
            for row in person.merged_rows
        ]
        return sorted(merged, key=lambda m: m["row"])


def _heading(value) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


HEADING_TO_COLUMN = {
    _heading(title): column for column, titles in COLUMNS.items() for title in titles
}


def read_roster(data: bytes) -> RosterSheet:
    """The rows of the first sheet, each with its row number; the header row is found among
    the first rows (trainers put a title above it)."""
    rows = workbook_rows(
        data,
        not_xlsx=_(
            "This is not an Excel (.xlsx) file. Save the roster as .xlsx and upload it again."
        ),
    )
    index: dict[str, int] = {}
    header_row = 0
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        found = {}
        for position, value in enumerate(values):
            column = HEADING_TO_COLUMN.get(_heading(value))
            if column and column not in found:
                found[column] = position
        if all(column in found for column in REQUIRED):
            index, header_row = found, number
            break
    if not header_row:
        wanted = "、".join(COLUMNS[c][0] for c in REQUIRED)
        return RosterSheet(
            rows=[],
            problems=[
                problem(
                    1,
                    "missing_columns",
                    _(
                        "No header row with the columns %(columns)s was found in the first "
                        "%(n)d rows."
                    )
                    % {"columns": wanted, "n": HEADER_SEARCH_ROWS},
                )
            ],
        )
    if "village" not in index and "township" not in index:
        return RosterSheet(
            rows=[],
            problems=[
                problem(
                    header_row,
                    "missing_columns",
                    _("The roster needs a column 村委会 (and preferably 乡镇) for each person."),
                )
            ],
        )
    raw = []
    for number, values in enumerate(rows, start=header_row + 1):
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        if len(raw) >= MAX_ROWS:
            return RosterSheet(
                rows=[],
                problems=[
                    problem(
                        number,
                        "too_many_rows",
                        _("A roster may have at most %(n)d rows; split the file.")
                        % {"n": MAX_ROWS},
                    )
                ],
            )
        raw.append(
            RawRow(
                row=number,
                values={c: values[i] if i < len(values) else None for c, i in index.items()},
            )
        )
    return RosterSheet(rows=raw, header_row=header_row)


def reduced_roster(sheet: RosterSheet, *, without: set[int]) -> bytes:
    """The roster with its header and only the rows not in `without`, each on its own row
    number: what is kept while the user decides whether to import the good rows, so that the
    ID numbers of the bad rows are not kept at all."""
    book = Workbook()
    out_sheet = book.active
    columns = list(sheet.rows[0].values)  # the columns the header had, the same on every row
    for position, column in enumerate(columns, start=1):
        out_sheet.cell(row=sheet.header_row or 1, column=position, value=TEMPLATE_HEADINGS[column])
    for raw in sheet.rows:
        if raw.row in without:
            continue
        for position, column in enumerate(columns, start=1):
            out_sheet.cell(row=raw.row, column=position, value=cell(raw.values.get(column)))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook(session=None) -> bytes:
    """An empty roster with the expected header, and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(
        escaped_row([f"{session.code} {session.display_title} 花名册" if session else "培训花名册"])
    )
    sheet.append(list(TEMPLATE_HEADINGS.values()))
    day = session.starts_on.isoformat() if session else "2017-05-12"
    example_id = "53280119900101" + "001"
    sheet.append(
        [
            "示例（请删除）",
            example_id + id_check_char(example_id),
            "男",
            "傣族",
            "13900000000",
            "嘎洒镇",
            "曼达村委会",
            "农村青年、合作社成员",
            day,
        ]
    )
    for column in "BEI":
        sheet.column_dimensions[column].width = 22
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- checking --------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _short_township(name: str) -> str:
    short = _strip_suffix(name, TOWNSHIP_SUFFIXES)
    for group in ETHNIC_GROUPS:  # 景哈哈尼族乡 → 景哈, 基诺山基诺族乡 → 基诺山
        if short.endswith(group) and len(short) > len(group):
            return short[: -len(group)]
    return short


def _choice_names(choices, aliases: dict[str, str]) -> dict[str, str]:
    with translation.override("zh-hans"):
        named = {str(label): code for code, label in choices}
    return {**named, **{code: code for code, _label in choices}, **aliases}


class RosterChecker:
    """Checks rows against a session and the county's divisions, reading both once."""

    def __init__(self, session):
        self.session = session
        county = session.region.county()
        units = list(
            RegionUnit.objects.within(county)
            .exclude(level=Level.COUNTY)
            .only("id", "name", "level", "parent_id")
        )
        self.townships: dict[str, list[RegionUnit]] = {}
        self.villages_by_township: dict[int, dict[str, list[RegionUnit]]] = {}
        self.villages: dict[str, list[RegionUnit]] = {}
        self.township_names = {u.pk: u.name for u in units if u.level == Level.TOWNSHIP}
        self.has_villages = set()
        for unit in units:
            if unit.level == Level.TOWNSHIP:
                for key in {unit.name, _short_township(unit.name)}:
                    self.townships.setdefault(key, []).append(unit)
            else:
                self.has_villages.add(unit.parent_id)
                own = self.villages_by_township.setdefault(unit.parent_id, {})
                for key in {unit.name, _strip_suffix(unit.name, VILLAGE_SUFFIXES)}:
                    own.setdefault(key, []).append(unit)
                    self.villages.setdefault(key, []).append(unit)
        self.categories = _choice_names(TraineeCategory.choices, TraineeCategory.ALIASES)
        self.category_labels = "、".join(
            str(label) for code, label in _zh_choices(TraineeCategory.choices)
        )
        self.ethnicities = {g: g for g in ETHNIC_GROUPS} | {
            g[:-1]: g for g in ETHNIC_GROUPS if len(g) > 2
        }

    # The whole roster: rows, duplicates within it, then people already registered.
    def check(
        self, rows: list[RawRow], on_progress: Callable[[int, int], None] | None = None
    ) -> CheckedRoster:
        total = len(rows)
        problems: list[dict] = []
        people: dict[str, RosterRow] = {}
        good_rows = 0
        for done, raw in enumerate(rows, start=1):
            checked, found = self.check_row(raw)
            if checked is not None:
                first = people.get(checked.id_number)
                if first is None:
                    people[checked.id_number] = checked
                elif same_name(first.name, checked.name):
                    first.merged_rows.append(checked.row)
                    first.days |= checked.days
                    first.categories |= checked.categories
                    first.phone = first.phone or checked.phone
                    first.ethnicity = first.ethnicity or checked.ethnicity
                else:
                    found.append(
                        problem(
                            raw.row,
                            "duplicate_id_number",
                            _(
                                "The ID number %(id)s is already on row %(first)d with another "
                                "name (%(name)s)."
                            )
                            % {
                                "id": mask_id_number(checked.id_number),
                                "first": first.row,
                                "name": first.name,
                            },
                        )
                    )
            if found:
                problems.extend(found)
            else:
                good_rows += 1
            if on_progress and (done % PROGRESS_EVERY == 0 or done == total):
                on_progress(done, total)
        name_problems = self._check_registered(people)
        place_problems = self._check_places(people)
        problems.extend(name_problems + place_problems)
        good_rows -= len(name_problems) + len(place_problems)
        problems.sort(key=lambda p: p["row"])
        return CheckedRoster(
            rows=list(people.values()), problems=problems, total_rows=total, good_rows=good_rows
        )

    def _check_registered(self, people: dict[str, RosterRow]) -> list[dict]:
        """A person already registered under the same ID number must have the same name: else
        either the ID number or the name on the roster is wrong."""
        found = []
        ids = list(people)
        for start in range(0, len(ids), ID_QUERY_CHUNK):
            chunk = ids[start : start + ID_QUERY_CHUNK]
            for trainee in Trainee.objects.with_id_numbers(chunk).only(
                "id_number_encrypted", "name"
            ):
                id_number, name = trainee.id_number, trainee.name
                person = people[id_number]
                if same_name(name, person.name):
                    continue
                del people[id_number]
                reason = _(
                    "The ID number %(id)s is registered to %(registered)s, but the row says "
                    "%(name)s: check the ID number or the name."
                ) % {"id": mask_id_number(id_number), "registered": name, "name": person.name}
                for row in [person.row, *person.merged_rows]:
                    found.append(problem(row, "name_mismatch", reason))
        return found

    def _check_places(self, people: dict[str, RosterRow]) -> list[dict]:
        """A session with a number of places takes people in row order until they are full;
        those who already attend keep their place."""
        places = self.session.capacity
        if places is None:
            return []
        attending = {
            trainee.id_number
            for trainee in Trainee.objects.filter(attendances__session=self.session)
            .distinct()
            .only("id_number_encrypted")
        }
        left = places - len(attending)
        found = []
        for id_number, person in list(people.items()):
            if id_number in attending:
                continue
            if left > 0:
                left -= 1
                continue
            del people[id_number]
            reason = _(
                "The session has %(places)d places and they are all taken: this person was not "
                "imported."
            ) % {"places": places}
            for row in [person.row, *person.merged_rows]:
                found.append(problem(row, "over_capacity", reason))
        return found

    def check_row(self, raw: RawRow) -> tuple[RosterRow | None, list[dict]]:
        found: list[dict] = []

        def fail(code: str, reason: str) -> None:
            found.append(problem(raw.row, code, reason))

        v = raw.values
        name = _text(v.get("name"))
        if not name:
            fail("missing_name", _("The name is empty."))
        elif too_long := text_too_long(Trainee, "name", name):
            fail("name_too_long", too_long)
        id_number, birth_date = self._id_number(v.get("id_number"), fail)
        gender = gender_of(id_number) if id_number else ""
        written = _text(v.get("gender"))
        if written and gender:
            said = {"男": Gender.MALE, "男性": Gender.MALE, "M": Gender.MALE, "女": Gender.FEMALE}
            said |= {"女性": Gender.FEMALE, "F": Gender.FEMALE}
            if written.upper() not in said:
                fail("unknown_gender", _("The gender must be 男 or 女, not %s.") % written)
            elif said[written.upper()] != gender:
                fail(
                    "gender_mismatch",
                    _("The gender %s does not match the ID number: check both.") % written,
                )
        ethnicity = _text(v.get("ethnicity"))
        if ethnicity:
            if ethnicity not in self.ethnicities:
                fail("unknown_ethnicity", _("%s is not one of the 56 ethnic groups.") % ethnicity)
            else:
                ethnicity = self.ethnicities[ethnicity]
        phone = re.sub(r"[\s-]", "", _text(v.get("phone")))
        phone = phone[3:] if phone.startswith("+86") else phone
        if phone and not is_valid_phone(phone):
            fail(
                "invalid_phone",
                _("%s is not a mobile phone number (11 digits starting with 1).") % phone,
            )
        region = self._region(_text(v.get("township")), _text(v.get("village")), fail)
        categories = set()
        for label in LIST_SEPARATORS.split(_text(v.get("categories"))):
            if not label:
                continue
            code = self.categories.get(label)
            if code is None:
                fail(
                    "unknown_category",
                    _("Unknown category %(label)s; use one of: %(labels)s.")
                    % {"label": label, "labels": self.category_labels},
                )
            elif code != TraineeCategory.WOMEN:  # women: read from the gender, not stored
                categories.add(code)
        days = self._days(v.get("days"), fail)
        if birth_date and days and birth_date > min(days):
            fail("born_after_training", _("The date of birth in the ID number is after the days."))
        if found:
            return None, found
        return (
            RosterRow(
                row=raw.row,
                id_number=id_number,
                name=name,
                gender=gender,
                birth_date=birth_date,
                ethnicity=ethnicity,
                phone=phone,
                region_id=region.pk,
                categories=categories,
                days=days,
            ),
            found,
        )

    def _id_number(self, value, fail) -> tuple[str, date | None]:
        id_number, born, trouble = check_id_number(value)
        if trouble:
            fail(*trouble)
        return id_number, born

    def _region(self, township_name: str, village_name: str, fail) -> RegionUnit | None:
        township = None
        if township_name:
            matches = self.townships.get(township_name) or self.townships.get(
                _short_township(township_name)
            )
            if not matches:
                fail(
                    "unknown_township", _("There is no township %s in the county.") % township_name
                )
                return None
            if len(matches) > 1:
                fail(
                    "ambiguous_township",
                    _("%s could be more than one township: write its full name.") % township_name,
                )
                return None
            township = matches[0]
        if not village_name:
            if township is not None and township.pk not in self.has_villages:
                return township  # a state farm or zone: no villages in the divisions
            fail("missing_village", _("The village (村委会) is empty."))
            return None
        if township is not None:
            own = self.villages_by_township.get(township.pk, {})
            matches = own.get(village_name) or own.get(
                _strip_suffix(village_name, VILLAGE_SUFFIXES)
            )
            if not matches:
                fail(
                    "unknown_village",
                    _("There is no village %(village)s in %(township)s.")
                    % {"village": village_name, "township": township.name},
                )
                return None
            return matches[0]
        matches = self.villages.get(village_name) or self.villages.get(
            _strip_suffix(village_name, VILLAGE_SUFFIXES)
        )
        if not matches:
            fail("unknown_village", _("There is no village %s in the county.") % village_name)
            return None
        if len({m.pk for m in matches}) > 1:
            fail(
                "ambiguous_village",
                _("There is a village %(village)s in %(townships)s: add the township.")
                % {
                    "village": village_name,
                    "townships": "、".join(
                        sorted(self.township_names[m.parent_id] for m in matches)
                    ),
                },
            )
            return None
        return matches[0]

    def _days(self, value, fail) -> set[date]:
        session = self.session
        if value is None or _text(value) == "":
            return set(session.days())  # no days written: the whole session
        days: set[date] = set()
        if isinstance(value, datetime | date | int | float):
            parts: list = [value]
        else:
            parts = [p for p in LIST_SEPARATORS.split(_text(value)) if p]
        for part in parts:
            if isinstance(part, str) and RANGE_SEPARATORS.search(part):
                ends = RANGE_SEPARATORS.split(part)
                first, last = (
                    (self._day(ends[0]), self._day(ends[-1])) if len(ends) == 2 else (None, None)
                )
                if first is None or last is None or last < first:
                    fail("invalid_date", _("%s is not a range of dates.") % part)
                    continue
                span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            else:
                day = self._day(part)
                if day is None:
                    fail(
                        "invalid_date",
                        _("%s is not a date; write it as 2017-05-12.") % _text(part),
                    )
                    continue
                span = [day]
            for day in span:
                if not session.includes(day):
                    fail(
                        "date_outside_session",
                        _("%(day)s is outside the session (%(first)s to %(last)s).")
                        % {"day": day, "first": session.starts_on, "last": session.ends_on},
                    )
                else:
                    days.add(day)
        return days

    def _day(self, value) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float):
            try:
                converted = from_excel(value)
            except (ValueError, OverflowError, TypeError):
                return None
            return converted.date() if isinstance(converted, datetime) else None
        text = _text(value)
        if match := FULL_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := MONTH_DAY.match(text):
            month, day = (int(g) for g in match.groups())
            year = self.session.starts_on.year
            if (month, day) < (self.session.starts_on.month, self.session.starts_on.day):
                year = self.session.ends_on.year  # a session over the new year
        else:
            return None
        try:
            return date(year, month, day)
        except ValueError:
            return None


def check_id_number(value) -> tuple[str, date | None, tuple[str, str] | None]:
    """(ID number, date of birth, None) or ("", None, (code, reason)); the reason shows the
    number masked."""
    if value is None or _text(value) == "":
        return "", None, ("missing_id_number", _("The ID number is empty."))
    if isinstance(value, int | float):
        return (
            "",
            None,
            (
                "id_number_as_number",
                _(
                    "The ID number was saved as a number, which loses its last digits: format "
                    "the column as text and type it again."
                ),
            ),
        )
    text = re.sub(r"\s", "", str(value)).upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return (
            "",
            None,
            (
                "invalid_id_number",
                _("The ID number %s must have 18 characters: 17 digits and a digit or X.")
                % mask_id_number(text),
            ),
        )
    if not is_valid_id_number(text):
        return (
            "",
            None,
            (
                "id_number_checksum",
                _("The ID number %s is wrong: its check digit does not match. Check each digit.")
                % mask_id_number(text),
            ),
        )
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > timezone.localdate():
        return (
            "",
            None,
            (
                "invalid_id_number",
                _("The ID number %s does not contain a valid date of birth.")
                % mask_id_number(text),
            ),
        )
    return text, born, None


def _zh_choices(choices):
    with translation.override("zh-hans"):
        return [(code, str(label)) for code, label in choices]


def same_name(a: str, b: str) -> bool:
    """Names compared without spaces and the dots of transliterated names (岩·温 = 岩温)."""
    return re.sub(r"[\s·•.]", "", a) == re.sub(r"[\s·•.]", "", b)


def gender_of(id_number: str) -> str:
    return Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE
