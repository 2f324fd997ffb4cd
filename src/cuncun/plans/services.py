"""Loading a plan file. Loading the same file again changes nothing."""

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cuncun.core import audit
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.plans import sections as app_sections
from cuncun.plans.models import (
    FundRule,
    MemberUnit,
    Milestone,
    Phase,
    Plan,
    ReportingRule,
    SubsidyRule,
    Target,
)
from cuncun.plans.plan_file import read_plan_file
from cuncun.regions.models import Level, RegionUnit

PLAN_ATTRIBUTES = [
    "title",
    "issued_by",
    "issued_on",
    "effective_on",
    "effective_sentence",
    "starts_on",
    "ends_on",
]
DATA_DIR = Path(__file__).resolve().parent / "data"


def bundled_plan_file(code: str) -> Path:
    return DATA_DIR / f"{code}.toml"


def load_plan(*, actor, path: Path) -> Plan:
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county e-commerce office may load the plan."))
    data, text = read_plan_file(path)
    header = data["plan"]
    county = RegionUnit.objects.filter(code=header["county_code"], level=Level.COUNTY).first()
    if county is None:
        raise InvalidInput(
            _("The county %s is not loaded: load its divisions first.") % header["county_code"]
        )
    with transaction.atomic():
        plan = _upsert(
            actor,
            Plan,
            {"code": header["code"]},
            {"county": county, "text": text, **{k: header.get(k, "") for k in PLAN_ATTRIBUTES}},
        )
        phases = _sync(actor, plan, Phase, data.get("phase", []))
        units = _sync(actor, plan, MemberUnit, data.get("member_unit", []))
        _sync(actor, plan, Target, data.get("target", []))
        _sync(actor, plan, FundRule, data.get("fund_rule", []))
        _sync(actor, plan, SubsidyRule, data.get("subsidy_rule", []))
        milestones = [{**m, "phase": phases[m["phase"]]} for m in data.get("milestone", [])]
        _sync(actor, plan, Milestone, milestones, m2m={"responsible": units})
        reporting = [
            {**r, "member_unit": units.get(r.get("member_unit"))} for r in data.get("reporting", [])
        ]
        _sync(actor, plan, ReportingRule, reporting)
        for section in app_sections.registered():
            unit_lists = {f: units for f, o in section.references.items() if o == "member_unit"}
            _sync(actor, plan, section.model, data.get(section.name, []), m2m=unit_lists)
    return plan


def _upsert(actor, model, identity: dict, values: dict):
    row = model.objects.filter(**identity).first()
    if row is None:
        row = model.objects.create(**identity, **values)
        audit.record(
            actor=actor,
            action=f"plan.{model._meta.model_name}.create",
            obj=row,
            after=audit.snapshot(row),
        )
        return row
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        before = audit.snapshot(row, [row._meta.get_field(k).attname for k in changed])
        for name, value in changed.items():
            setattr(row, name, value)
        row.save(update_fields=list(changed))
        audit.record(
            actor=actor,
            action=f"plan.{model._meta.model_name}.update",
            obj=row,
            before=before,
            after=audit.snapshot(row, list(before)),
        )
    return row


def _sync(actor, plan, model, entries: list[dict], m2m: dict | None = None) -> dict:
    """Make the plan's rows of `model` exactly the file's entries, by key."""
    m2m = m2m or {}
    rows = {}
    for entry in entries:
        values = {k: v for k, v in entry.items() if k != "key" and k not in m2m}
        row = _upsert(actor, model, {"plan": plan, "key": entry["key"]}, _defaults(model, values))
        for name, lookup in m2m.items():
            wanted = {lookup[key].pk for key in entry.get(name, [])}
            relation = getattr(row, name)
            if set(relation.values_list("pk", flat=True)) != wanted:
                relation.set(wanted)
        rows[entry["key"]] = row
    stale = model.objects.filter(plan=plan).exclude(key__in=rows)
    for row in stale:
        audit.record(
            actor=actor,
            action=f"plan.{model._meta.model_name}.delete",
            obj=row,
            before=audit.snapshot(row),
        )
    stale.delete()
    return rows


def _defaults(model, values: dict) -> dict:
    """Fields the file may leave out get the model's empty value, so a re-load compares equal."""
    out = dict(values)
    for field in model._meta.concrete_fields:
        if field.name in out or field.name in {"id", "plan", "key"}:
            continue
        if field.null:
            out[field.name] = None
        elif field.get_internal_type() == "BooleanField":
            out[field.name] = False
        elif field.has_default():
            out[field.name] = field.get_default()
        elif field.blank:
            out[field.name] = ""
    return out


def set_member_unit_staff(*, actor, unit: MemberUnit, users) -> None:
    """Who works for a member unit (their reports, the training office's rights)."""
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county e-commerce office assigns member units' staff."))
    wanted = {u.pk for u in users}
    with transaction.atomic():
        current = set(unit.staff.values_list("pk", flat=True))
        if current == wanted:
            return
        unit.staff.set(wanted)
        audit.record(
            actor=actor,
            action="plan.memberunit.staff",
            obj=unit,
            before={"staff": sorted(current)},
            after={"staff": sorted(wanted)},
        )
