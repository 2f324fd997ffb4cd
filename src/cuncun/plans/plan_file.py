"""Reading a plan file (TOML, see plans/data/jinghong-2016.toml): parse and validate it whole.

Every entry must quote the plan: its `sentence` has to appear word for word in the plan's text
(the `source` file beside the TOML), so a figure can always be traced back to where it is written.
"""

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.core.errors import row_problem as problem
from cuncun.core.exports import decode_text
from cuncun.plans import sections as app_sections
from cuncun.plans.models import (
    Comparison,
    FundRuleKind,
    FundRulePer,
    MemberUnitKind,
    MemberUnitTask,
    ReportingForm,
    ReportingPeriod,
    SubsidyRuleKind,
    TargetPeriod,
    TargetScope,
    TargetUnit,
)

NUMBER = (int, Decimal)


def _one_of(choices):
    return {value for value, _label in choices}


# For each list section: field -> (python type(s), required, allowed values or None).
SECTIONS: dict[str, dict[str, tuple]] = {
    "phase": {
        "name": (str, True, None),
        "starts_on": (date, True, None),
        "ends_on": (date, True, None),
    },
    "target": {
        "indicator": (str, False, None),
        "label": (str, True, None),
        "label_en": (str, False, None),
        "comparison": (str, True, _one_of(Comparison.choices)),
        "value": (NUMBER, True, None),
        "unit": (str, True, _one_of(TargetUnit.choices)),
        "period": (str, True, _one_of(TargetPeriod.choices)),
        "deadline": (date, False, None),
        "deadline_note": (str, False, None),
        "scope": (str, False, _one_of(TargetScope.choices)),
    },
    "member_unit": {
        "name": (str, True, None),
        "kind": (str, True, _one_of(MemberUnitKind.choices)),
        "leads_implementation": (bool, False, None),
        "reports_regularly": (bool, False, None),
        "staff_quota": (int, False, None),
        "duties": (str, True, None),
        "carries_out": (list, False, None),
    },
    "milestone": {
        "title": (str, True, None),
        "due_on": (date, True, None),
        "phase": (str, True, None),
        "responsible": (list, False, None),
    },
    "fund_rule": {
        "label": (str, True, None),
        "kind": (str, True, _one_of(FundRuleKind.choices)),
        "category": (str, True, None),
        "per": (str, True, _one_of(FundRulePer.choices)),
        "amount": (NUMBER, False, None),
        "share": (NUMBER, False, None),
        "count": (int, False, None),
    },
    "subsidy_rule": {
        "label": (str, True, None),
        "kind": (str, True, _one_of(SubsidyRuleKind.choices)),
        "through_month": (int, True, None),
        "threshold": (NUMBER, True, None),
        "rate": (NUMBER, False, None),
    },
    "reporting": {
        "form": (str, True, _one_of(ReportingForm.choices)),
        "indicator": (str, False, None),
        "period": (str, True, _one_of(ReportingPeriod.choices)),
        "due_day": (int, True, set(range(1, 29))),
        "member_unit": (str, False, None),
    },
}
PLAN_FIELDS = {
    "code": (str, True, None),
    "title": (str, True, None),
    "county_code": (str, True, None),
    "issued_by": (str, True, None),
    "issued_on": (date, True, None),
    "effective_on": (date, True, None),
    "effective_sentence": (str, False, None),
    "starts_on": (date, True, None),
    "ends_on": (date, True, None),
    "source": (str, True, None),
}


class PlanFileError(InvalidInput):
    code = "bad_plan_file"

    def __init__(self, problems: list[dict]):
        super().__init__(
            _("The plan file has %(n)d problem(s); nothing was loaded.") % {"n": len(problems)},
            details={"rows": problems},
        )


def read_plan_file(path: Path) -> tuple[dict, str]:
    """The parsed plan and its source text; raises PlanFileError listing every problem."""
    try:
        # decode_text: a GBK file (as a Chinese Windows editor saves it) reads too, and a binary
        # file is refused with a sentence rather than a UnicodeDecodeError.
        data = tomllib.loads(decode_text(path.read_bytes()), parse_float=Decimal)
    except InvalidInput as error:
        raise PlanFileError([problem("file", "not_text", str(error.message))]) from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PlanFileError([problem("file", "unreadable", str(error))]) from error
    problems: list[dict] = []
    plan = data.get("plan")
    if not isinstance(plan, dict):
        raise PlanFileError([problem("[plan]", "missing_plan", _("the [plan] table is missing"))])
    _check_fields("[plan]", plan, PLAN_FIELDS, problems)
    text = _source_text(path, plan, problems)
    if plan.get("effective_sentence") and text and plan["effective_sentence"] not in text:
        problems.append(
            problem("[plan]", "not_quoted", _("effective_sentence is not in the plan text"))
        )
    malformed = _malformed_sections(data)
    if malformed:
        raise PlanFileError(problems + malformed)
    for section, fields in _all_sections().items():
        _check_section(section, data.get(section, []), fields, text, problems)
    _check_references(data, problems)
    _check_app_sections(data, problems)
    if problems:
        raise PlanFileError(problems)
    for entry in data.get("target", []):
        # Unsaid, a share is asked of every unit and a total of the county.
        entry.setdefault("scope", TargetScope.default_for(entry["unit"]))
    return data, text


def _malformed_sections(data: dict) -> list[dict]:
    """Each list section must be an array of tables ([[target]]); a single [target] table or a
    bare value cannot be read entry by entry, so it is said before anything else is checked."""
    return [
        problem(
            f"[[{section}]]",
            "not_an_array_of_tables",
            _("write each %(s)s as [[%(s)s]] (an array of tables)") % {"s": section},
        )
        for section in _all_sections()
        if section in data
        and not (
            isinstance(data[section], list) and all(isinstance(e, dict) for e in data[section])
        )
    ]


def _all_sections() -> dict[str, dict[str, tuple]]:
    return {**SECTIONS, **{s.name: s.fields for s in app_sections.registered()}}


def _check_app_sections(data: dict, problems: list[dict]) -> None:
    """The keys an app's section names exist in the sections it names, and its own checks."""
    for section in app_sections.registered():
        for entry in data.get(section.name, []):
            where = f"[[{section.name}]] ({entry.get('key')})"
            for name, other in section.references.items():
                known = {e.get("key") for e in data.get(other, [])}
                value = entry.get(name)
                named = value if isinstance(value, list) else [value] if value else []
                for key in named:
                    if key not in known:
                        problems.append(
                            problem(
                                where,
                                f"unknown_{other}",
                                _("%(field)s: unknown %(section)s %(key)s")
                                % {"field": name, "section": other, "key": key},
                            )
                        )
            for reason in section.check(entry) if section.check else []:
                problems.append(problem(where, "invalid_entry", reason))


def _source_text(path: Path, plan: dict, problems: list[dict]) -> str:
    source = path.parent / str(plan.get("source", ""))
    if not plan.get("source") or not source.is_file():
        problems.append(problem("[plan]", "no_source", _("source text %s not found") % source.name))
        return ""
    try:
        return decode_text(source.read_bytes())
    except InvalidInput as error:
        problems.append(problem("[plan]", "source_not_text", str(error.message)))
        return ""


def _check_section(section, entries, fields, text, problems) -> None:
    keys = set()
    for index, entry in enumerate(entries, start=1):
        where = f"[[{section}]] #{index} ({entry.get('key', '?')})"
        _check_fields(
            where,
            entry,
            {"key": (str, True, None), "sentence": (str, True, None), **fields},
            problems,
        )
        if entry.get("key") in keys:
            problems.append(problem(where, "duplicate_key", _("key appears twice")))
        keys.add(entry.get("key"))
        if text and isinstance(entry.get("sentence"), str) and entry["sentence"] not in text:
            problems.append(problem(where, "not_quoted", _("the sentence is not in the plan text")))


def _check_fields(where, entry, fields, problems) -> None:
    for name, (kind, required, allowed) in fields.items():
        value = entry.get(name)
        if value is None:
            if required:
                problems.append(problem(where, "missing_field", _("%s is missing") % name))
            continue
        # bool is an int in Python: a count of True would be a mistake, not a number.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            problems.append(problem(where, "wrong_type", _("%s has the wrong type") % name))
        elif allowed is not None and value not in allowed:
            problems.append(
                problem(
                    where,
                    "not_allowed_value",
                    _("%(name)s: %(value)r is not allowed") % {"name": name, "value": value},
                )
            )
    for name in set(entry) - set(fields):
        problems.append(problem(where, "unknown_field", _("unknown field %s") % name))


def _check_references(data: dict, problems: list[dict]) -> None:
    phases = {p.get("key") for p in data.get("phase", [])}
    units = {u.get("key") for u in data.get("member_unit", [])}
    for milestone in data.get("milestone", []):
        where = f"[[milestone]] ({milestone.get('key')})"
        if milestone.get("phase") not in phases:
            problems.append(
                problem(where, "unknown_phase", _("unknown phase %s") % milestone.get("phase"))
            )
        for unit in _listed(milestone, "responsible"):
            if unit not in units:
                problems.append(
                    problem(where, "unknown_member_unit", _("unknown member unit %s") % unit)
                )
    for rule in data.get("reporting", []):
        where = f"[[reporting]] ({rule.get('key')})"
        if rule.get("member_unit") is not None and rule["member_unit"] not in units:
            problems.append(
                problem(
                    where, "unknown_member_unit", _("unknown member unit %s") % rule["member_unit"]
                )
            )
        if rule.get("form") == ReportingForm.INDICATOR and not rule.get("indicator"):
            problems.append(problem(where, "missing_field", _("%s is missing") % "indicator"))
    tasks = _one_of(MemberUnitTask.choices)
    for unit in data.get("member_unit", []):
        where = f"[[member_unit]] ({unit.get('key')})"
        for task in _listed(unit, "carries_out"):
            if task not in tasks:
                problems.append(problem(where, "unknown_task", _("unknown task %s") % task))


def _listed(entry: dict, name: str) -> list:
    """A list field's items; one given as the wrong type is already reported by its field check."""
    value = entry.get(name, [])
    return value if isinstance(value, list) else []
