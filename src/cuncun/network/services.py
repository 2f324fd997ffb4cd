"""Every write of the service network: the lifecycle of sites, their profile and operators,
carrier coverage and the service ledger. Each runs in one transaction and writes its audit row."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.models import Role
from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, row_problem
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_phone
from cuncun.core.scoping import require_in_scope, scope_of
from cuncun.network.locks import lock_site
from cuncun.network.models import (
    AcceptanceCheck,
    Carrier,
    CarrierService,
    ServiceRecord,
    Site,
    SiteFee,
    SiteKind,
    SiteOperator,
    SitePhoto,
    SiteService,
    SiteStatus,
    SiteStatusChange,
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
# Kinds township staff look after in their own township; the rest is the county office's.
TOWNSHIP_MANAGED_KINDS = {SiteKind.VILLAGE_POINT, SiteKind.PICKUP_STORE}
PROFILE_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "floor_area",
    "equipment",
    "opening_hours",
    "services",
    "pickup_mode",
    "host",
]
# What a site's own operator may change on its profile.
OPERATOR_FIELDS = {"opening_hours", "services"}


class TransitionRefused(Conflict):
    code = "transition_refused"


# --- who may do what ------------------------------------------------------------------------


def may_manage(actor, kind: str, region: RegionUnit) -> bool:
    """County office: every site. Township staff: village points and pickup stores in their
    township. Nobody else manages sites."""
    if actor is None:
        return True  # the system itself: a loader, the demo
    if actor.manages_reference_data:
        return True
    return (
        actor.role == Role.TOWNSHIP_STAFF
        and kind in TOWNSHIP_MANAGED_KINDS
        and scope_of(actor).covers(region.path)
    )


def may_register_sites(actor) -> bool:
    """Who may apply for and import sites at all (each site is still checked for its area)."""
    return actor.manages_reference_data or actor.role == Role.TOWNSHIP_STAFF


def require_manager(actor, kind: str, region: RegionUnit) -> None:
    if may_manage(actor, kind, region):
        return
    if actor.role == Role.TOWNSHIP_STAFF and not scope_of(actor).covers(region.path):
        require_in_scope(actor, region.path, what=region.name)
    raise NotAllowed(_("Your role may not manage this kind of site."))


def is_operator_of(actor, site: Site) -> bool:
    return actor is not None and site.operators.filter(user=actor, until__isnull=True).exists()


def require_staff_of(actor, site: Site) -> None:
    """The site's own operator or one who manages it."""
    if is_operator_of(actor, site) or may_manage(actor, site.kind, site.region):
        return
    require_in_scope(actor, site.region.path, what=site.name)
    raise NotAllowed(_("Only this site's operator or its managers may do this."))


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


def apply_for_site(*, actor, application: SiteApplication) -> Site:
    a = application
    require_manager(actor, a.kind, a.region)
    _check_application(a)
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
            floor_area=a.floor_area,
            equipment=a.equipment,
            latitude=a.latitude,
            longitude=a.longitude,
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


def _check_application(a: SiteApplication) -> None:
    problems = []
    if a.kind not in dict(SiteKind.choices):
        problems.append(_("unknown kind of site %s") % a.kind)
    elif (level := SiteKind.REGION_LEVEL[a.kind]) and a.region.level != level:
        problems.append(
            _("a %(kind)s must be in a %(level)s unit, not in %(region)s")
            % {"kind": dict(SiteKind.choices)[a.kind], "level": level, "region": a.region.name}
        )
    if not a.name.strip():
        problems.append(_("the name is empty"))
    if not a.address.strip():
        problems.append(_("the address is empty"))
    if a.applied_on > timezone.localdate():
        problems.append(_("the application date is in the future"))
    unknown = set(a.services) - set(dict(SiteService.choices))
    if unknown:
        problems.append(_("unknown service(s): %s") % ", ".join(sorted(unknown)))
    if a.operator_phone and not is_valid_phone(a.operator_phone):
        problems.append(_("%s is not a mobile phone number") % a.operator_phone)
    if a.floor_area is not None and a.floor_area < 0:
        problems.append(_("the floor area cannot be negative"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})


def _next_code(kind: str, region: RegionUnit) -> str:
    # 532801-V0007: the county's division code, the kind's letter, a running number.
    county = region.county()
    prefix = f"{county.code or county.pk}-{SiteKind.CODE_LETTER[kind]}"
    last = (
        Site.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:04d}"


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
        require_manager(actor, site.kind, site.region)
        _check_transition(site, to_status, effective_on, reason)
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
            action=f"site.{TRANSITIONS[before][to_status]}",
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
    if not checklist:
        raise InvalidInput(_("The acceptance checklist is empty."))
    passed = all(checklist.values())
    with transaction.atomic():
        site = lock_site(site.pk)
        require_manager(actor, site.kind, site.region)
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
    with transaction.atomic():
        site = lock_site(site.pk)
        if not may_manage(actor, site.kind, site.region):
            require_staff_of(actor, site)
            if set(changes) - OPERATOR_FIELDS:
                raise NotAllowed(_("An operator may change only the opening hours and services."))
        if "services" in changes:
            bad = set(changes["services"]) - set(dict(SiteService.choices))
            if bad:
                raise InvalidInput(_("unknown service(s): %s") % ", ".join(sorted(bad)))
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
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("%s is not an amount of money") % amount) from error
    if amount < 0:
        raise InvalidInput(_("A fee cannot be negative."))
    if not per.strip():
        raise InvalidInput(_("Say what the fee is charged per (e.g. 件)."))
    with transaction.atomic():
        site = lock_site(site.pk)
        require_staff_of(actor, site)
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


def remove_site_fee(*, actor, site: Site, service: str) -> None:
    with transaction.atomic():
        site = lock_site(site.pk)
        require_staff_of(actor, site)
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
    if phone and not is_valid_phone(phone):
        raise InvalidInput(_("%s is not a mobile phone number.") % phone)
    if user is not None and user.region_id != site.region_id:
        raise InvalidInput(_("The operator's account must be scoped to the site's division."))
    with transaction.atomic():
        site = lock_site(site.pk)
        require_manager(actor, site.kind, site.region)
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


def ensure_carrier(*, actor, code: str, name: str) -> Carrier:
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed()
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
    """Record that a carrier serves a township, or drops parcels at a village point, from a day."""
    if (township is None) == (site is None):
        raise InvalidInput(_("Name either a township or a site."))
    if township is not None and township.level != Level.TOWNSHIP:
        raise InvalidInput(_("%s is not a township.") % township.name)
    region = township or site.region
    if actor is not None and not (
        actor.manages_reference_data or (site and may_manage(actor, site.kind, region))
    ):
        raise NotAllowed(_("Only the county office records carrier coverage."))
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
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office records carrier coverage."))
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
    if quantity < 1:
        raise InvalidInput(_("The quantity must be at least 1."))
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("%s is not an amount of money") % amount) from error
    if amount < 0:
        raise InvalidInput(_("An amount cannot be negative."))
    if day > timezone.localdate():
        raise InvalidInput(_("A service cannot be recorded for a future day."))
    if not authorized_by_caller:
        require_staff_of(actor, site)
    if not Site.objects.serving().filter(pk=site.pk).exists():
        raise Conflict(_("%s is not operating and cannot record services.") % site.name)
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


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the register in Excel -------------------------------------------------------------------


@dataclass
class ImportReport:
    imported: int
    problems: list[dict]


def import_sites(
    *, actor, rows: list, problems: list[dict], good_rows_only: bool = False
) -> ImportReport:
    """Register the sites read from a spreadsheet. With bad rows nothing is imported unless the
    user chose to import the good ones. A row outside the importer's area is a bad row; a row with
    an opening date (a site already running before the system) is for the county office only."""
    problems = list(problems)
    allowed = []
    for row in rows:
        if not may_manage(actor, row.kind, row.region):
            problems.append(
                row_problem(
                    row.row,
                    "out_of_scope",
                    _("%s is outside the area you are responsible for.") % row.region.name,
                )
            )
        elif row.opened_on and actor is not None and not actor.manages_reference_data:
            problems.append(
                row_problem(
                    row.row,
                    "not_allowed",
                    _("Only the county office may register a site as already operating."),
                )
            )
        else:
            allowed.append(row)
    problems.sort(key=lambda p: p["row"])
    if problems and not good_rows_only:
        raise InvalidInput(
            _("%(n)d bad row(s): nothing imported. Correct them or import only the good rows.")
            % {"n": len(problems)},
            details={"rows": problems},
        )
    with transaction.atomic():
        for row in allowed:
            _register_row(actor, row)
    return ImportReport(imported=len(allowed), problems=problems)


def _register_row(actor, row) -> Site:
    site = apply_for_site(
        actor=actor,
        application=SiteApplication(
            kind=row.kind,
            name=row.name,
            region=row.region,
            address=row.address,
            applied_on=row.applied_on,
            opening_hours=row.opening_hours,
            services=tuple(row.services),
            floor_area=row.floor_area,
            operator_name=row.operator_name,
            operator_phone=row.operator_phone,
            reason=_("imported from the register"),
        ),
    )
    if row.opened_on:
        reason = _("operating before the system; imported from the register")
        for status in (S.APPROVED, S.ACCEPTED, S.OPERATING):
            site = _move(actor, site, status, row.opened_on, reason, {"imported": True})
    return site
