"""Writes to the division tree: loading a divisions file, classifying units into groups."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from cuncun.core import audit
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.core.errors import row_problem as problem
from cuncun.regions.division_file import (
    DivisionFileError,
    DivisionRow,
    read_division_file,
)
from cuncun.regions.models import GroupCode, Kind, Level, RegionUnit, UnitGroup, UnitGroupMembership

PATH_SEGMENT_DIGITS = 7
TRACKED_FIELDS = ["name", "kind", "level", "opening_date", "closing_date"]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    county: RegionUnit | None = field(default=None, repr=False)


def _require_reference_data_manager(actor) -> None:
    # None is the system itself (make demo, a migration); people need the county office role.
    if actor is not None and not getattr(actor, "manages_reference_data", False):
        raise NotAllowed(_("Only the county e-commerce office may load divisions."))


def load_divisions(*, actor, data: bytes | str) -> LoadReport:
    """Load a county's divisions file, whole or not at all. Loading it again changes nothing."""
    _require_reference_data_manager(actor)
    rows = read_division_file(data)
    report = LoadReport()
    with transaction.atomic():
        units: dict[int, RegionUnit] = {}
        errors: list[dict] = []
        for row in _parents_first(rows):
            parent = units[id(row.parent)] if row.parent else None
            units[id(row)] = _upsert_unit(actor, row, parent, report, errors)
        if errors:
            raise DivisionFileError(errors)
        report.county = next(u for u in units.values() if u.parent_id is None)
    return report


def _parents_first(rows: list[DivisionRow]) -> list[DivisionRow]:
    return sorted(rows, key=lambda r: (Level.order.index(r.level), r.line))


def _find_existing(row: DivisionRow, parent: RegionUnit | None) -> RegionUnit | None:
    if row.code:
        found = RegionUnit.objects.filter(code=row.code).first()
        if found:
            return found
    return RegionUnit.objects.filter(parent=parent, name=row.name).first()


def _upsert_unit(actor, row, parent, report: LoadReport, errors: list[dict]) -> RegionUnit:
    unit = _find_existing(row, parent)
    wanted = {
        "name": row.name,
        "kind": row.kind,
        "level": row.level,
        "opening_date": row.opening_date,
        "closing_date": row.closing_date,
    }
    if unit is None:
        unit = _create_unit(row, parent, wanted)
        audit.record(
            actor=actor,
            action="region.create",
            obj=unit,
            after=audit.snapshot(unit, TRACKED_FIELDS),
        )
        report.created += 1
        return unit
    if unit.parent_id != (parent.pk if parent else None):
        # Moving a unit would silently rewrite history; close it and open a new one instead.
        errors.append(
            problem(row.line, "moved", _("%s already exists under another parent") % row.name)
        )
        return unit
    if row.code and unit.code and row.code != unit.code:
        # A code is a unit's identity in other systems; a new one means a new unit, not an edit.
        errors.append(
            problem(
                row.line,
                "code_changed",
                _("%(name)s has the code %(old)s here; the file gives %(new)s")
                % {"name": row.name, "old": unit.code, "new": row.code},
            )
        )
        return unit
    if row.code and not unit.code:
        wanted["code"] = row.code
    changed = {k: v for k, v in wanted.items() if getattr(unit, k) != v}
    if not changed:
        report.unchanged += 1
        return unit
    before = audit.snapshot(unit, list(changed))
    for name, value in changed.items():
        setattr(unit, name, value)
    unit.save(update_fields=list(changed))
    audit.record(
        actor=actor,
        action="region.update",
        obj=unit,
        before=before,
        after=audit.snapshot(unit, list(changed)),
    )
    report.updated += 1
    return unit


def _create_unit(row: DivisionRow, parent: RegionUnit | None, fields: dict) -> RegionUnit:
    # The path embeds the unit's own id, known only after the insert; ids are zero-padded so that
    # ordering by path keeps siblings in the order they were loaded (the file's order).
    unit = RegionUnit.objects.create(
        code=row.code, parent=parent, path=f"new:{parent.pk if parent else 0}:{row.line}", **fields
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk:0{PATH_SEGMENT_DIGITS}d}/"
    unit.save(update_fields=["path"])
    return unit


def add_to_group(
    *, actor, group: UnitGroup, unit: RegionUnit, since: date | None = None, is_demo: bool = False
) -> UnitGroupMembership:
    """Classify a unit (e.g. mark a village poor). Adding it twice keeps one membership."""
    _require_reference_data_manager(actor)
    if group.code == GroupCode.POOR_VILLAGE and unit.kind != Kind.ADMINISTRATIVE_VILLAGE:
        raise InvalidInput(_("Only an administrative village can be a poor village."))
    with transaction.atomic():
        membership, created = UnitGroupMembership.objects.get_or_create(
            group=group, unit=unit, defaults={"since": since, "is_demo": is_demo}
        )
        if created:
            audit.record(
                actor=actor,
                action="region.group.add",
                obj=unit,
                after={"group": group.code, "since": since.isoformat() if since else None},
            )
    return membership


def ensure_group(*, actor, code: str, name: str, description: str = "") -> UnitGroup:
    _require_reference_data_manager(actor)
    with transaction.atomic():
        group, created = UnitGroup.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        if created:
            audit.record(actor=actor, action="region.group.create", obj=group, after={"code": code})
    return group
