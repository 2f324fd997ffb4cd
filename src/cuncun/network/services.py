"""Every write of the service network: the lifecycle of sites, their profile and operators,
carrier coverage and the service ledger. Each runs in one transaction and writes its audit row."""

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.accounts.models import Role
from cuncun.core import audit, reveal
from cuncun.core.checks import number_out_of_range, texts_too_long
from cuncun.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    OutOfScope,
    row_problem,
)
from cuncun.core.models import ImportStatus
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_phone
from cuncun.core.scoping import require_in_scope
from cuncun.network import spreadsheet
from cuncun.network.locks import lock_code_counter, lock_site
from cuncun.network.models import (
    ACCEPTANCE_ITEMS,
    COMMISSION_MAX_PERCENT,
    AcceptanceCheck,
    Carrier,
    CarrierService,
    CommissionRate,
    PickupMode,
    ServiceRecord,
    Site,
    SiteFee,
    SiteImport,
    SiteKind,
    SiteOperator,
    SitePhoto,
    SiteService,
    SiteStatus,
    SiteStatusChange,
    has_console,
)
from cuncun.regions.models import Level, RegionUnit

S = SiteStatus
# The lifecycle: which status may follow which, and the name of the step.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.APPLIED: {S.APPROVED: "approve", S.REJECTED: "reject"},
    S.APPROVED: {S.ACCEPTED: "accept", S.CLOSED: "close"},
    S.ACCEPTED: {S.OPERATING: "open", S.CLOSED: "close"},
    S.OPERATING: {S.RECTIFYING: "rectify", S.SUSPENDED: "suspend", S.CLOSED: "close"},
    S.RECTIFYING: {S.OPERATING: "rectified", S.SUSPENDED: "suspend", S.CLOSED: "close"},
    S.SUSPENDED: {S.OPERATING: "resume", S.CLOSED: "close"},
    S.REJECTED: {},
    S.CLOSED: {},
}
# Every step taken on a site, by name: the lifecycle's (above) and the others. The labels are
# the buttons of the console and name the step in a refusal.
STEPS = {
    "apply": gettext_lazy("Apply"),
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "accept": gettext_lazy("Acceptance check"),
    "open": gettext_lazy("Open for service"),
    "rectify": gettext_lazy("Order rectification"),
    "rectified": gettext_lazy("Rectification done"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume service"),
    "close": gettext_lazy("Close"),
    "register_operating": gettext_lazy("Register as already operating"),
    "assign_operator": gettext_lazy("Assign an operator"),
    "edit_profile": gettext_lazy("Edit the profile"),
    "set_fee": gettext_lazy("Publish fees"),
    "record_service": gettext_lazy("Record a service"),
    "set_commission": gettext_lazy("Set the consignment commission"),
}

# --- who may do what ------------------------------------------------------------------------

OFFICE = frozenset({Role.COUNTY_OFFICE})
OFFICE_AND_TOWNSHIP = frozenset({Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF})
# The tiers of the network, as the table below has its columns.
VILLAGE_TIER, TOWNSHIP_TIER, COUNTY_TIER = 0, 1, 2
TIER_OF_KIND = {
    SiteKind.VILLAGE_POINT: VILLAGE_TIER,
    SiteKind.PICKUP_STORE: VILLAGE_TIER,
    SiteKind.TOWNSHIP_STATION: TOWNSHIP_TIER,
    SiteKind.COUNTY_CENTER: COUNTY_TIER,
    SiteKind.COUNTY_WAREHOUSE: COUNTY_TIER,
    SiteKind.INCUBATOR: COUNTY_TIER,
}
# Who takes each step, per tier: (village point or pickup store, township station, county site);
# a township's staff only within their township. Why so:
# - the townships build and supervise the village network (the plan makes them responsible for
#   their villages' points), so their staff take every lifecycle step of a village point or a
#   partner store there;
# - a township station and the county-level sites are the county's own investment, built and
#   inspected under the county office (市电商办), so the office applies for, approves, accepts,
#   rectifies, suspends and closes them and appoints who runs them; the township's staff work in
#   their station every day, so they keep its public profile, hours, services and fees current;
# - registering a site as already operating skips the approval and the acceptance check, so only
#   the county office, which keeps the register, may do it.
# A site's own operator, whatever their role, may do the OPERATOR_STEPS there.
STEP_ROLES: dict[str, tuple[frozenset, frozenset, frozenset]] = {
    "apply": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "approve": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "reject": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "accept": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "open": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "rectify": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "rectified": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "suspend": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "resume": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "close": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "register_operating": (OFFICE, OFFICE, OFFICE),
    "assign_operator": (OFFICE_AND_TOWNSHIP, OFFICE, OFFICE),
    "edit_profile": (OFFICE_AND_TOWNSHIP, OFFICE_AND_TOWNSHIP, OFFICE),
    "set_fee": (OFFICE_AND_TOWNSHIP, OFFICE_AND_TOWNSHIP, OFFICE),
    "record_service": (OFFICE_AND_TOWNSHIP, OFFICE_AND_TOWNSHIP, OFFICE),
    # What a point keeps of a farmer's sale is set over the point, never by its operator.
    "set_commission": (OFFICE_AND_TOWNSHIP, OFFICE_AND_TOWNSHIP, OFFICE),
}
# What a site's own operator may do there; of the profile, only OPERATOR_FIELDS.
# A published contact number: a mobile or a landline with its area code (0691-1234567).
PUBLIC_PHONE = re.compile(r"[0-9][0-9 -]{5,18}[0-9]")
OPERATOR_STEPS = {"edit_profile", "set_fee", "record_service"}
OPERATOR_FIELDS = {"opening_hours", "services", "public_phone"}
PROFILE_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "floor_area",
    "equipment",
    "opening_hours",
    "handling_minutes",
    "public_phone",
    "services",
    "pickup_mode",
    "host",
]
# The range a coordinate may take, in degrees.
COORDINATE_RANGES = {"latitude": (-90, 90), "longitude": (-180, 180)}
# A delivery's handling time at a point, in minutes: longer than a working day is a typing slip.
HANDLING_MINUTES = (1, 240)


class TransitionRefused(Conflict):
    code = "transition_refused"


def _role(actor) -> str:
    return Role.COUNTY_OFFICE if actor.manages_reference_data else actor.role


def roles_for(step: str, kind: str) -> frozenset:
    return STEP_ROLES[step][TIER_OF_KIND[kind]]


def may_take(actor, step: str, kind: str, region: RegionUnit) -> bool:
    """Whether the actor's role takes this step for this kind of site, in this region (the
    system itself, actor None, takes every step)."""
    return _refusal(actor, step, kind, region) is None


def require_step(actor, step: str, kind: str, region: RegionUnit) -> None:
    """Refuse with the reason that applies first: the role, then the area."""
    if actor is None:
        return
    if _role(actor) not in roles_for(step, kind):
        raise NotAllowed(
            _("Your role may not take the step “%(step)s” for a %(kind)s.")
            % {"step": STEPS[step], "kind": dict(SiteKind.choices)[kind]},
            details={"step": step, "kind": kind},
        )
    require_in_scope(actor, region.path, what=region.name)


def is_operator_of(actor, site: Site) -> bool:
    return actor is not None and site.operators.filter(user=actor, until__isnull=True).exists()


def may_take_at(actor, step: str, site: Site) -> bool:
    """As may_take, and a site's own operator may take the operator's steps there."""
    return (step in OPERATOR_STEPS and is_operator_of(actor, site)) or may_take(
        actor, step, site.kind, site.region
    )


def require_step_at(actor, step: str, site: Site) -> None:
    if step in OPERATOR_STEPS:
        if is_operator_of(actor, site):
            return
        if actor is not None and _role(actor) not in roles_for(step, site.kind):
            raise NotAllowed(_("Only this site's operator or its managers may do this."))
    require_step(actor, step, site.kind, site.region)


def manages_site(actor, site: Site) -> bool:
    """Those who keep a site's whole profile: the register they take carries its operators'
    phones in full (to correct and import again), and the taking is audited."""
    return may_take(actor, "edit_profile", site.kind, site.region)


def export_register(*, actor, sites) -> bytes:
    """The register as an xlsx the import reads back: operators' phones in full on the sites the
    actor keeps, masked on the others; one audit row says how many full numbers it carries."""
    full = set()

    def shows_phone(site: Site) -> bool:
        if manages_site(actor, site):
            full.add(site.pk)
            return True
        return False

    content = spreadsheet.write_sites(sites, shows_phone=shows_phone)
    if full:
        reveal.record_personal_data_export(
            actor=actor, fields=["operator_phone"], people=len(full), reason="site register"
        )
    return content


def may_register_sites(actor) -> bool:
    """Who may apply for and import sites at all (each site is still checked for its kind and
    area)."""
    return any(_role(actor) in roles for roles in STEP_ROLES["apply"])


def _refusal(actor, step: str, kind: str, region: RegionUnit) -> tuple[str, str] | None:
    """The refusal of a step as (code, reason), for reporting a row of an import."""
    try:
        require_step(actor, step, kind, region)
    except (NotAllowed, OutOfScope) as error:
        return error.code, str(error.message)
    return None


# --- checks of input ------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _amount(model, name: str, value) -> Decimal:
    """An amount of money for a column: exact, not negative, and one the column can hold."""
    try:
        amount = to_money(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("%s is not an amount of money") % value) from error
    problem = number_out_of_range(model, name, amount, low=0)
    if problem:
        raise InvalidInput(problem)
    return amount


def _profile_problems(values: dict) -> list[str]:
    """What is wrong with some fields of a site's profile (those present in `values`)."""
    problems = []
    for name in ("name", "address"):
        if name in values and not (values[name] or "").strip():
            problems.append(_("the %s is empty") % Site._meta.get_field(name).verbose_name)
    problems += texts_too_long(
        Site,
        {
            k: values[k]
            for k in ("name", "address", "opening_hours", "host", "public_phone")
            if k in values
        },
    )
    if values.get("public_phone") and not PUBLIC_PHONE.fullmatch(values["public_phone"]):
        problems.append(_("the contact number may hold only digits, spaces and hyphens"))
    for name, (low, high) in COORDINATE_RANGES.items():
        if name in values and (problem := number_out_of_range(Site, name, values[name], low, high)):
            problems.append(problem)
    if "floor_area" in values and (
        problem := number_out_of_range(Site, "floor_area", values["floor_area"], low=0)
    ):
        problems.append(problem)
    handling = values.get("handling_minutes")
    low, high = HANDLING_MINUTES
    if handling is not None and not (
        isinstance(handling, int) and not isinstance(handling, bool) and low <= handling <= high
    ):
        problems.append(
            _("the handling time is a whole number of minutes from %(low)d to %(high)d")
            % {"low": low, "high": high}
        )
    if "services" in values:
        unknown = set(values["services"]) - set(dict(SiteService.choices))
        if unknown:
            problems.append(_("unknown service(s): %s") % ", ".join(sorted(unknown)))
    if "pickup_mode" in values and values["pickup_mode"] not in dict(PickupMode.choices):
        problems.append(_("unknown pickup mode %s") % values["pickup_mode"])
    return problems


def _not_valid(problems: list[str]) -> InvalidInput:
    return InvalidInput("; ".join(problems), details={"problems": problems})


# --- applying and the lifecycle -------------------------------------------------------------


@dataclass
class SiteApplication:
    """The application form (申请表)."""

    kind: str
    name: str
    region: RegionUnit
    address: str
    applied_on: date
    host: str = ""
    opening_hours: str = ""
    services: tuple[str, ...] = ()
    floor_area: Decimal | None = None
    equipment: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    operator_name: str = ""
    operator_phone: str = ""
    reason: str = ""
    is_demo: bool = False


def application_problems(a: SiteApplication) -> list[str]:
    """Everything wrong with an application, in words; none means it may be recorded."""
    problems = []
    if a.kind not in dict(SiteKind.choices):
        problems.append(_("unknown kind of site %s") % a.kind)
    elif (level := SiteKind.REGION_LEVEL[a.kind]) and a.region.level != level:
        problems.append(
            _("a %(kind)s must be in a %(level)s unit, not in %(region)s")
            % {"kind": dict(SiteKind.choices)[a.kind], "level": level, "region": a.region.name}
        )
    if a.applied_on > timezone.localdate():
        problems.append(_("the application date is in the future"))
    problems += _profile_problems(
        {
            "name": a.name,
            "address": a.address,
            "host": a.host,
            "opening_hours": a.opening_hours,
            "services": a.services,
            "floor_area": a.floor_area,
            "latitude": a.latitude,
            "longitude": a.longitude,
        }
    )
    problems += texts_too_long(SiteOperator, {"name": a.operator_name, "phone": a.operator_phone})
    if a.operator_phone and not is_valid_phone(a.operator_phone):
        problems.append(_("%s is not a mobile phone number") % a.operator_phone)
    return problems


def apply_for_site(*, actor, application: SiteApplication) -> Site:
    a = application
    if a.kind not in dict(SiteKind.choices):
        raise InvalidInput(_("unknown kind of site %s") % a.kind)
    require_step(actor, "apply", a.kind, a.region)
    problems = application_problems(a)
    if problems:
        raise _not_valid(problems)
    with transaction.atomic():
        site = Site.objects.create(
            code=_next_code(a.kind, a.region),
            kind=a.kind,
            name=a.name.strip(),
            region=a.region,
            status=S.APPLIED,
            address=a.address.strip(),
            host=a.host,
            opening_hours=a.opening_hours,
            services=list(a.services),
            floor_area=_decimal(a.floor_area),
            equipment=a.equipment,
            latitude=_decimal(a.latitude),
            longitude=_decimal(a.longitude),
            is_demo=a.is_demo,
        )
        SiteStatusChange.objects.create(
            site=site,
            from_status="",
            to_status=S.APPLIED,
            effective_on=a.applied_on,
            actor=_person(actor),
            reason=a.reason,
        )
        if a.operator_name:
            SiteOperator.objects.create(
                site=site, name=a.operator_name, phone=a.operator_phone, since=a.applied_on
            )
        audit.record(
            actor=actor, action="site.apply", obj=site, after=audit.snapshot(site), reason=a.reason
        )
    return site


def _next_code(kind: str, region: RegionUnit) -> str:
    # 532801-V0007: the county's division code, the kind's letter, a running number. The
    # prefix's counter stays locked until the application commits, so no two get one number.
    county = region.county()
    prefix = f"{county.code or county.pk}-{SiteKind.CODE_LETTER[kind]}"
    counter = lock_code_counter(prefix, start_after=lambda: _highest_number(prefix))
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}{counter.last_number:04d}"


def _highest_number(prefix: str) -> int:
    """The highest running number given so far, compared as a number (as text, V9999 would
    come after V10000)."""
    codes = Site.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    return max((int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()), default=0)


def change_site_status(
    *,
    actor,
    site: Site,
    to_status: str,
    effective_on: date | None = None,
    reason: str = "",
    details: dict | None = None,
) -> Site:
    """Move a site one step along its lifecycle, if that step exists and the actor may take it.
    Acceptance is not a step taken by hand: it follows a passed acceptance check."""
    if to_status == S.ACCEPTED:
        raise TransitionRefused(
            _("A site is accepted by recording a passed acceptance check."),
            details={"to": to_status},
        )
    return _move(actor, site, to_status, effective_on, reason, details)


def _move(actor, site: Site, to_status: str, effective_on, reason: str, details) -> Site:
    effective_on = effective_on or timezone.localdate()
    with transaction.atomic():
        site = lock_site(site.pk)
        _check_transition(site, to_status, effective_on, reason)
        step = TRANSITIONS[site.status][to_status]
        require_step(actor, step, site.kind, site.region)
        before = site.status
        site.status = to_status
        site.save(update_fields=["status", "updated_at"])
        SiteStatusChange.objects.create(
            site=site,
            from_status=before,
            to_status=to_status,
            effective_on=effective_on,
            actor=_person(actor),
            reason=reason,
            details=details or {},
        )
        audit.record(
            actor=actor,
            action=f"site.{step}",
            obj=site,
            before={"status": before},
            after={"status": to_status, "effective_on": effective_on.isoformat()},
            reason=reason,
        )
    return site


def _check_transition(site: Site, to_status: str, effective_on: date, reason: str) -> None:
    allowed = TRANSITIONS.get(site.status, {})
    if to_status not in allowed:
        raise TransitionRefused(
            _("A site that is %(now)s cannot become %(to)s.")
            % {"now": site.get_status_display(), "to": dict(S.choices).get(to_status, to_status)},
            details={"from": site.status, "to": to_status, "allowed": sorted(allowed)},
        )
    if effective_on > timezone.localdate():
        raise InvalidInput(_("A change cannot take effect in the future."))
    last = site.status_changes.order_by("-effective_on", "-id").first()
    if last and effective_on < last.effective_on:
        raise InvalidInput(
            _("This change cannot take effect before the last one (%s).") % last.effective_on
        )
    if to_status in {S.REJECTED, S.RECTIFYING, S.SUSPENDED, S.CLOSED} and not reason.strip():
        raise InvalidInput(_("Give a reason for this step."))


def _check_checklist(checklist: dict) -> None:
    """Every item of ACCEPTANCE_ITEMS answered yes or no, and nothing else."""
    items = dict(ACCEPTANCE_ITEMS)
    unknown = set(checklist) - set(items)
    if unknown:
        raise InvalidInput(_("unknown checklist item(s): %s") % ", ".join(sorted(unknown)))
    unanswered = [str(label) for key, label in ACCEPTANCE_ITEMS if key not in checklist]
    if unanswered:
        raise InvalidInput(
            _("Answer every item of the checklist; not answered: %s") % "; ".join(unanswered),
            details={"unanswered": [k for k in items if k not in checklist]},
        )
    if any(not isinstance(answer, bool) for answer in checklist.values()):
        raise InvalidInput(_("Each item of the checklist is answered passed or not."))


def accept_site(
    *,
    actor,
    site: Site,
    checked_on: date,
    checklist: dict[str, bool],
    notes: str = "",
    photos: list = (),
) -> AcceptanceCheck:
    """验收: record the inspection; a site passes only when every item on the checklist passed."""
    _check_checklist(checklist)
    if checked_on > timezone.localdate():
        raise InvalidInput(_("An acceptance check cannot be dated in the future."))
    passed = all(checklist.values())
    with transaction.atomic():
        site = lock_site(site.pk)
        require_step(actor, "accept", site.kind, site.region)
        if site.status != S.APPROVED:
            raise TransitionRefused(
                _("Only an approved site can be checked for acceptance."),
                details={"from": site.status},
            )
        check = AcceptanceCheck.objects.create(
            site=site,
            checked_on=checked_on,
            checklist=checklist,
            passed=passed,
            notes=notes,
            inspector=_person(actor),
        )
        for upload in photos:
            SitePhoto.objects.create(
                site=site, acceptance_check=check, image=upload, caption=_("acceptance")
            )
        audit.record(
            actor=actor,
            action="site.acceptance_check",
            obj=site,
            after={"passed": passed, "failed_items": [k for k, ok in checklist.items() if not ok]},
        )
        if passed:
            _move(actor, site, S.ACCEPTED, checked_on, notes, {"acceptance_check": check.pk})
    return check


# --- profile, fees and operators ------------------------------------------------------------


def update_site_profile(*, actor, site: Site, changes: dict) -> Site:
    """Edit a site's public profile. Its operator may change hours and services; its managers
    may change everything."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(_("unknown field(s): %s") % ", ".join(sorted(unknown)))
    problems = _profile_problems(changes)
    if problems:
        raise _not_valid(problems)
    changes = {
        k: _decimal(v) if k in {"latitude", "longitude", "floor_area"} else v
        for k, v in changes.items()
    }
    with transaction.atomic():
        site = lock_site(site.pk)
        if not manages_site(actor, site):
            require_step_at(actor, "edit_profile", site)
            if set(changes) - OPERATOR_FIELDS:
                raise NotAllowed(_("An operator may change only the opening hours and services."))
        changed = {k: v for k, v in changes.items() if getattr(site, k) != v}
        if not changed:
            return site
        before = audit.snapshot(site, list(changed))
        for name, value in changed.items():
            setattr(site, name, value)
        site.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            action="site.profile",
            obj=site,
            before=before,
            after=audit.snapshot(site, list(changed)),
        )
    return site


def set_site_fee(*, actor, site: Site, service: str, amount, per: str, note: str = "") -> SiteFee:
    """Publish what the site charges for a service (an operator may set their own point's fees)."""
    if service not in dict(SiteService.choices):
        raise InvalidInput(_("unknown service %s") % service)
    amount = _amount(SiteFee, "amount", amount)
    if not per.strip():
        raise InvalidInput(_("Say what the fee is charged per (e.g. 件)."))
    problems = texts_too_long(SiteFee, {"per": per.strip(), "note": note})
    if problems:
        raise _not_valid(problems)
    with transaction.atomic():
        site = lock_site(site.pk)
        require_step_at(actor, "set_fee", site)
        fee = SiteFee.objects.filter(site=site, service=service).first()
        before = {"amount": str(fee.amount), "per": fee.per} if fee else None
        fee, _created = SiteFee.objects.update_or_create(
            site=site,
            service=service,
            defaults={"amount": amount, "per": per.strip(), "note": note},
        )
        audit.record(
            actor=actor,
            action="site.fee",
            obj=site,
            before=before,
            after={"service": service, "amount": str(amount), "per": fee.per},
        )
    return fee


def set_commission_rate(*, actor, site: Site, percent, reason: str) -> CommissionRate:
    """Set the share of a consigned sale (代售) the point keeps, from 0 to COMMISSION_MAX_PERCENT
    percent with at most two decimals; the township's staff (in their township) or the county
    office, with a reason. The rate in force before stays in the history."""
    percent = _commission_percent(percent)
    reason = (reason or "").strip()
    problems = texts_too_long(CommissionRate, {"reason": reason})
    if not reason:
        problems.append(_("give a reason for the rate (a decision, a meeting, an agreement)"))
    if problems:
        raise _not_valid(problems)
    with transaction.atomic():
        site = lock_site(site.pk)
        require_step(actor, "set_commission", site.kind, site.region)
        before = CommissionRate.objects.in_force(site.pk)
        rate = CommissionRate.objects.create(
            site=site, percent=percent, reason=reason, set_by=actor
        )
        audit.record(
            actor=actor,
            action="site.commission",
            obj=site,
            before={"percent": str(before.percent)} if before else None,
            after={"percent": str(percent)},
            reason=reason,
        )
    return rate


def _commission_percent(value) -> Decimal:
    message = _("the commission is a percentage from 0 to %(max)d, at most two decimals") % {
        "max": COMMISSION_MAX_PERCENT
    }
    try:
        percent = Decimal(str(value).strip().rstrip("%"))
    except (ArithmeticError, ValueError) as error:
        raise InvalidInput(message) from error
    if (
        not percent.is_finite()
        or not 0 <= percent <= COMMISSION_MAX_PERCENT
        or percent != percent.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(message, details={"percent": str(value)})
    return percent.quantize(Decimal("0.01"))


def remove_site_fee(*, actor, site: Site, service: str) -> None:
    with transaction.atomic():
        site = lock_site(site.pk)
        require_step_at(actor, "set_fee", site)
        fee = SiteFee.objects.filter(site=site, service=service).first()
        if fee is None:
            return
        audit.record(
            actor=actor,
            action="site.fee.remove",
            obj=site,
            before={"service": service, "amount": str(fee.amount)},
        )
        fee.delete()


def assign_operator(
    *, actor, site: Site, name: str, since: date, phone: str = "", user=None
) -> SiteOperator:
    """Put a person in charge of a site; with an account, they act for it (their region must be
    the site's)."""
    problems = texts_too_long(SiteOperator, {"name": name, "phone": phone})
    if not name.strip():
        problems.append(_("the name is empty"))
    if phone and not is_valid_phone(phone):
        problems.append(_("%s is not a mobile phone number.") % phone)
    if problems:
        raise _not_valid(problems)
    if user is not None and user.region_id != site.region_id:
        raise InvalidInput(_("The operator's account must be scoped to the site's division."))
    with transaction.atomic():
        site = lock_site(site.pk)
        require_step(actor, "assign_operator", site.kind, site.region)
        if user is not None and site.operators.filter(user=user, until__isnull=True).exists():
            raise Conflict(_("%s already operates this site.") % user)
        operator = SiteOperator.objects.create(
            site=site, user=user, name=name, phone=phone, since=since
        )
        audit.record(
            actor=actor,
            action="site.operator.assign",
            obj=site,
            after={
                "operator": operator.pk,
                "user": user.pk if user else None,
                "since": since.isoformat(),
            },
        )
    return operator


# --- carriers --------------------------------------------------------------------------------

# The sites a carrier drops parcels at: the township stations and the village points.
CARRIER_SITE_KINDS = {SiteKind.TOWNSHIP_STATION, SiteKind.VILLAGE_POINT}


def require_carrier_office(actor) -> None:
    # Carrier coverage is the county's logistics register, kept by the county office.
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office records carrier coverage."))


def ensure_carrier(*, actor, code: str, name: str) -> Carrier:
    require_carrier_office(actor)
    with transaction.atomic():
        carrier, created = Carrier.objects.get_or_create(code=code, defaults={"name": name})
        if created:
            audit.record(
                actor=actor,
                action="carrier.create",
                obj=carrier,
                after={"code": code, "name": name},
            )
    return carrier


def start_carrier_service(
    *,
    actor,
    carrier: Carrier,
    since: date,
    township: RegionUnit | None = None,
    site: Site | None = None,
) -> CarrierService:
    """Record that a carrier serves a township, or drops parcels at a township station or a
    village point, from a day."""
    require_carrier_office(actor)
    if (township is None) == (site is None):
        raise InvalidInput(_("Name either a township or a site."))
    if township is not None and township.level != Level.TOWNSHIP:
        raise InvalidInput(_("%s is not a township.") % township.name)
    if site is not None and site.kind not in CARRIER_SITE_KINDS:
        raise InvalidInput(
            _("Carriers drop parcels at township stations and village points, not at a %s.")
            % site.get_kind_display()
        )
    if since > timezone.localdate():
        raise InvalidInput(_("Coverage cannot start in the future."))
    with transaction.atomic():
        existing = CarrierService.objects.filter(
            carrier=carrier, township=township, site=site, until__isnull=True
        )
        if existing.exists():
            raise Conflict(
                _("%(carrier)s already serves %(place)s.")
                % {"carrier": carrier, "place": township or site}
            )
        service = CarrierService.objects.create(
            carrier=carrier, township=township, site=site, since=since
        )
        audit.record(
            actor=actor,
            action="carrier.service.start",
            obj=service,
            after={"since": since.isoformat()},
        )
    return service


def end_carrier_service(*, actor, service: CarrierService, until: date) -> CarrierService:
    require_carrier_office(actor)
    if until <= service.since:
        raise InvalidInput(_("Coverage must end after it started (%s).") % service.since)
    with transaction.atomic():
        service = CarrierService.objects.select_for_update().get(pk=service.pk)
        if service.until is not None:
            raise Conflict(_("This coverage already ended on %s.") % service.until)
        service.until = until
        service.save(update_fields=["until"])
        audit.record(
            actor=actor,
            action="carrier.service.end",
            obj=service,
            after={"until": until.isoformat()},
        )
    return service


# --- the service ledger ----------------------------------------------------------------------

# The most a ledger row counts: what its column holds on every database (SQLite holds more).
MOST_QUANTITY = BaseDatabaseOperations.integer_field_ranges["PositiveIntegerField"][1]


def record_service(
    *,
    actor,
    site: Site,
    kind: str,
    day: date,
    amount=0,
    category: str = "",
    quantity: int = 1,
    reference: str = "",
    note: str = "",
    authorized_by_caller: bool = False,
) -> ServiceRecord:
    """Write one row of a site's service ledger (服务台账).

    A person records at their own site. Another app's service (an order picked up, a parcel
    checked in) that has already checked its own rules passes `authorized_by_caller=True`.
    A reference is recorded once: recording it again returns the first row.
    """
    if kind not in dict(SiteService.choices):
        raise InvalidInput(_("unknown service %s") % kind)
    if not 1 <= quantity <= MOST_QUANTITY:
        raise InvalidInput(_("The quantity must be from 1 to %d.") % MOST_QUANTITY)
    amount = _amount(ServiceRecord, "amount", amount)
    problems = texts_too_long(
        ServiceRecord, {"category": category, "reference": reference, "note": note}
    )
    if problems:
        raise _not_valid(problems)
    if day > timezone.localdate():
        raise InvalidInput(_("A service cannot be recorded for a future day."))
    if not authorized_by_caller:
        require_step_at(actor, "record_service", site)
    # The status on the recorded day, not today's: a day's services may be entered later.
    if not site.was_serving_on(day) and not _finishes_a_service(site, kind, reference):
        raise Conflict(
            _("%(site)s was not operating on %(day)s and cannot record services for it.")
            % {"site": site.name, "day": day}
        )
    if reference:
        existing = ServiceRecord.objects.filter(site=site, kind=kind, reference=reference).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                site=site,
                day=day,
                kind=kind,
                category=category,
                quantity=quantity,
                amount=amount,
                reference=reference,
                note=note,
                recorded_by=_person(actor),
            )
            audit.record(
                actor=actor,
                action="site.ledger",
                obj=record,
                after={
                    "kind": kind,
                    "amount": str(amount),
                    "quantity": quantity,
                    "reference": reference,
                },
            )
    except IntegrityError:
        # The same reference arrived twice at once: the first one stands.
        return ServiceRecord.objects.get(site=site, kind=kind, reference=reference)
    return record


def correct_service(*, actor, site: Site, kind: str, reference: str, reason: str) -> ServiceRecord:
    """Take back a ledger row (an assisted purchase refunded): the ledger is append-only, so the
    correction is a new row of the opposite sign, dated today, and the day's sums net out.
    Correcting the same row again returns the first correction. Called by another app's service
    that has checked its own rules (orders, on a refund)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the ledger row is taken back."))
    with transaction.atomic():
        original = (
            ServiceRecord.objects.select_for_update()
            .filter(site=site, kind=kind, reference=reference, corrects__isnull=True)
            .first()
        )
        if original is None:
            raise NotFound(_("The ledger has no such row to take back."))
        existing = ServiceRecord.objects.filter(corrects=original).first()
        if existing is not None:
            return existing
        correction = ServiceRecord.objects.create(
            site=site,
            day=timezone.localdate(),
            kind=kind,
            category=original.category,
            quantity=-original.quantity,
            amount=-original.amount,
            note=reason[: ServiceRecord._meta.get_field("note").max_length],
            recorded_by=_person(actor),
            corrects=original,
        )
        audit.record(
            actor=actor,
            action="site.ledger.correct",
            obj=correction,
            before={"amount": str(original.amount), "quantity": original.quantity},
            after={"amount": str(correction.amount), "quantity": correction.quantity},
            reason=reason,
        )
    return correction


def _finishes_a_service(site: Site, kind: str, reference: str) -> bool:
    """Whether the row closes out a service this site began and recorded (a parcel it checked in
    while it was operating, handed over after it stopped)."""
    begun = SiteService.FINISHES.get(kind)
    return bool(
        begun
        and reference
        and ServiceRecord.objects.filter(site=site, kind=begun, reference=reference).exists()
    )


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the register in Excel -------------------------------------------------------------------


@dataclass
class ImportReport:
    imported: int
    updated: int
    unchanged: int
    problems: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


# A register's worker reports how far it got every this many rows checked.
PROGRESS_EVERY = 100


def import_sites(
    *,
    actor,
    rows: list,
    problems: list[dict],
    good_rows_only: bool = False,
    update_existing: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    on_written: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Register the sites read from a spreadsheet, and update the profile of those a row names
    by their site code (so an exported register imports again without duplicates). A row
    without a code that names a registered site (same village, kind and name) is a duplicate,
    refused unless the user chose to update existing sites; so is a row repeating an earlier
    row of the file. Every row is checked against the rules the services apply; with bad rows
    nothing is imported unless the user chose to import the good ones. `on_written` runs in the
    transaction that writes the rows, with the report: what it refuses rolls them back."""
    problems = list(problems)
    good = []
    first_rows: dict[tuple, int] = {}
    registered = _registered_sites(rows)
    for done, row in enumerate(rows, start=1):
        found = _duplicate_problems(row, first_rows, registered, update_existing)
        found += _row_problems(actor, row)
        problems += [row_problem(row.row, code, reason) for code, reason in found]
        if not found:
            good.append(row)
        if on_progress and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            on_progress(done, len(rows))
    problems.sort(key=lambda p: p["row"])
    if problems and not good_rows_only:
        raise InvalidInput(
            _("%(n)d bad row(s): nothing imported. Correct them or import only the good rows.")
            % {"n": len(problems)},
            details={"rows": problems},
        )
    imported = updated = 0
    with transaction.atomic():
        for row in good:
            if row.site is None:
                _register_row(actor, row)
                imported += 1
            elif _profile_changes(row):
                update_site_profile(actor=actor, site=row.site, changes=_profile_changes(row))
                updated += 1
        report = ImportReport(
            imported=imported,
            updated=updated,
            unchanged=len(good) - imported - updated,
            problems=problems,
        )
        if on_written:
            on_written(report)
    return report


def _site_key(kind, region_id, name) -> tuple:
    return (kind, region_id, name.strip())


def _registered_sites(rows: list) -> dict[tuple, Site]:
    """The registered sites that rows without a code may name, by village, kind and name (the
    first registered, where two share them), read in one query."""
    uncoded = [row for row in rows if row.site is None]
    found = Site.objects.filter(
        region__in={row.region.pk for row in uncoded},
        kind__in={row.kind for row in uncoded},
        name__in={row.name.strip() for row in uncoded},
    ).order_by("-pk")
    return {_site_key(s.kind, s.region_id, s.name): s for s in found}


def _duplicate_problems(
    row, first_rows: dict, registered: dict, update_existing: bool
) -> list[tuple[str, str]]:
    """A row without a code is matched by village, kind and name: against the rows above it in
    the file (`first_rows`: each key's first row, filled as the rows are read), then against the
    registered sites (which it updates when the user asks so)."""
    if row.site is not None:
        return []
    key = _site_key(row.kind, row.region.pk, row.name)
    earlier = first_rows.setdefault(key, row.row)
    if earlier != row.row:
        return [("duplicate_row", _("the same site as row %d") % earlier)]
    site = registered.get(key)
    if site is None:
        return []
    if update_existing:
        row.site = site
        return []
    return [
        (
            "duplicate_site",
            _(
                "%(code)s is already registered with this village, kind and name: give its "
                "code in the row, or choose to update registered sites"
            )
            % {"code": site.code},
        )
    ]


def start_site_import(
    *, actor, file_name: str, content: bytes, good_rows_only: bool, update_existing: bool
) -> SiteImport:
    """Hand a register to the background worker; the page follows its progress."""
    if not has_console(actor):
        raise NotAllowed(_("Importing sites is for the county office and township staff."))
    with transaction.atomic():
        job = SiteImport.objects.create(
            uploaded_by=_person(actor),
            file_name=file_name[:200],
            content=content,
            good_rows_only=good_rows_only,
            update_existing=update_existing,
            progressed_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="network.start_site_import",
            obj=job,
            after={"file": job.file_name, "bytes": len(content)},
        )
        transaction.on_commit(lambda: _enqueue_site_import(job.pk))
    return job


def _enqueue_site_import(import_id: int) -> None:
    from cuncun.network.tasks import run_site_import

    run_site_import.enqueue(import_id)


def process_site_import(*, import_id: int) -> dict:
    """Run a queued register import (the background task). Safe to run twice: only a queued
    import runs, and a finished one answers with its outcome."""
    claimed = SiteImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.VALIDATING, processed_rows=0, progressed_at=timezone.now()
    )
    job = SiteImport.objects.select_related("uploaded_by").get(pk=import_id)
    if not claimed:
        return _site_import_outcome(job)
    running = SiteImport.objects.filter(pk=import_id, status__in=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        running.update(processed_rows=done, total_rows=total, progressed_at=timezone.now())

    def written(report: ImportReport) -> None:
        if not _end_site_import(job, ImportStatus.DONE, report=report):
            raise Conflict(_("This import ended while its rows were being written."))

    try:
        rows, problems = spreadsheet.read_sites(bytes(job.content or b""))
        import_sites(
            actor=job.uploaded_by,
            rows=rows,
            problems=problems,
            good_rows_only=job.good_rows_only,
            update_existing=job.update_existing,
            on_progress=progress,
            on_written=written,
        )
    except DomainError as error:
        problems = error.details.get("rows", []) if isinstance(error.details, dict) else []
        _end_site_import(job, ImportStatus.FAILED, problems=problems, error=str(error.message))
    except Exception:
        error = _("The import stopped on an unexpected error; nothing was imported.")
        _end_site_import(job, ImportStatus.FAILED, error=error)
        raise
    return _site_import_outcome(SiteImport.objects.get(pk=import_id))


def _site_import_outcome(job: SiteImport) -> dict:
    return {"status": job.status, **job.result, "problems": job.problems}


def _end_site_import(
    job: SiteImport,
    status: str,
    *,
    report: ImportReport | None = None,
    problems: list[dict] = (),
    error: str = "",
) -> bool:
    """A running import ends with its outcome, audited, and its file goes (the operators'
    phones in it are now on the sites, or nowhere). False, changing nothing, when it no longer
    runs."""
    problems = report.problems if report else list(problems)
    result = {k: v for k, v in report.as_dict().items() if k != "problems"} if report else {}
    bad = len({p["row"] for p in problems})
    now = timezone.now()
    with transaction.atomic():
        ended = SiteImport.objects.filter(pk=job.pk, status__in=ImportStatus.RUNNING).update(
            status=status,
            content=None,
            problems=problems,
            result=result,
            error=error,
            bad_rows=bad,
            good_rows=sum(result.values()),
            total_rows=sum(result.values()) + bad,
            processed_rows=sum(result.values()) + bad,
            finished_at=now,
            progressed_at=now,
        )
        if ended:
            audit.record(
                actor=None,
                action="network.end_site_import",
                obj=job,
                after={"status": status, **result, "bad_rows": bad, "error": error},
            )
    return bool(ended)


def _row_application(row) -> SiteApplication:
    return SiteApplication(
        kind=row.kind,
        name=row.name,
        region=row.region,
        address=row.address,
        applied_on=row.applied_on,
        opening_hours=row.opening_hours,
        services=tuple(row.services),
        floor_area=row.floor_area,
        latitude=row.latitude,
        longitude=row.longitude,
        operator_name=row.operator_name,
        operator_phone=row.operator_phone,
        reason=_("imported from the register"),
    )


def _row_profile(row) -> dict:
    return {
        "name": row.name,
        "address": row.address,
        "opening_hours": row.opening_hours,
        "services": list(row.services),
        "floor_area": row.floor_area,
        "latitude": row.latitude,
        "longitude": row.longitude,
    }


def _profile_changes(row) -> dict:
    return {k: v for k, v in _row_profile(row).items() if getattr(row.site, k) != v}


def _row_problems(actor, row) -> list[tuple[str, str]]:
    """Each (code, reason) that the services would refuse this row for."""
    if row.site is not None:
        refused = _refusal(actor, "edit_profile", row.site.kind, row.site.region)
        if refused:
            return [refused]
        if (row.kind, row.region.pk) != (row.site.kind, row.site.region_id):
            moved = _(
                "%(code)s is registered as a %(kind)s in %(region)s; an import cannot move it"
            )
            return [
                (
                    "registered_otherwise",
                    moved
                    % {
                        "code": row.site.code,
                        "kind": row.site.get_kind_display(),
                        "region": row.site.region.name,
                    },
                )
            ]
        return [("invalid", reason) for reason in _profile_problems(_row_profile(row))]
    refused = _refusal(actor, "apply", row.kind, row.region)
    if refused is None and row.opened_on:
        refused = _refusal(actor, "register_operating", row.kind, row.region)
    if refused:
        return [refused]
    found = [("invalid", reason) for reason in application_problems(_row_application(row))]
    if row.opened_on and row.opened_on > timezone.localdate():
        found.append(("future_opening", _("the opening date is in the future")))
    if row.opened_on and row.opened_on < row.applied_on:
        found.append(("opened_before_applied", _("it opens before it was applied for")))
    return found


def _register_row(actor, row) -> Site:
    site = apply_for_site(actor=actor, application=_row_application(row))
    if row.opened_on:
        reason = _("operating before the system; imported from the register")
        for status in (S.APPROVED, S.ACCEPTED, S.OPERATING):
            site = _move(actor, site, status, row.opened_on, reason, {"imported": True})
    return site
