"""Every write about merchants: registering them, their details and flags, who acts for them, and
their shops on outside platforms. Each runs in one transaction and writes its audit row."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.accounts.models import Role
from cuncun.core import audit, reveal
from cuncun.core.checks import texts_too_long
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_id_number, is_valid_phone, mask_id_number, mask_phone
from cuncun.core.scoping import require_in_scope, scope_of
from cuncun.merchants.models import (
    Merchant,
    MerchantKind,
    MerchantPlatformShop,
    Platform,
    SupportRequest,
    SupportRequestStatus,
    Tenancy,
    TenancyProgramme,
    TenancyStage,
    TenantService,
    TenantServiceKind,
)
from cuncun.network.models import SiteKind
from cuncun.regions.models import RegionUnit

# What the owner may change about their own business; managers may change everything else.
OWNER_FIELDS = {"contact_name", "contact_phone", "address", "description"}
DETAIL_FIELDS = {
    "name",
    "kind",
    "region",
    "address",
    "contact_name",
    "contact_phone",
    "id_number",
    "description",
    "owner",
    "represented_by",
    "is_poverty_registered",
    "is_incubated",
    "incubated_since",
    "is_park_tenant",
}
# What only the county office records, and why it is theirs: the incubator and the park are
# county facilities, and linking an account hands a person the shop (its prices, stock, orders,
# money), so nobody in a township or village may give it to anyone, themselves included.
COUNTY_ONLY = {
    "is_incubated": gettext_lazy("Only the county office records incubator and park tenancy."),
    "incubated_since": gettext_lazy("Only the county office records incubator and park tenancy."),
    "is_park_tenant": gettext_lazy("Only the county office records incubator and park tenancy."),
    "owner": gettext_lazy("Only the county office links an owner's account to a merchant."),
}
PERSONAL = {"contact_phone": mask_phone, "id_number": mask_id_number}
TEXT_FIELDS = ("name", "address", "contact_name", "contact_phone", "id_number", "description")


# --- who may do what ------------------------------------------------------------------------


def may_manage_merchants_in(actor, region: RegionUnit) -> bool:
    """The county office everywhere; township staff and village operators in their own area."""
    if actor is None:
        return True  # the system itself: a loader, the demo
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.manages_reference_data:
        return True
    return actor.role in {Role.TOWNSHIP_STAFF, Role.VILLAGE_OPERATOR} and scope_of(actor).covers(
        region.path
    )


def may_sell_for(actor, merchant: Merchant) -> bool:
    """The owner of the business, or the village operator who represents it (代售)."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return actor.is_superuser or actor.pk in {merchant.owner_id, merchant.represented_by_id}


def require_seller(actor, merchant: Merchant) -> None:
    """Refuse unless the actor sells for this merchant: a merchant acts only on their own shop."""
    if may_sell_for(actor, merchant):
        return
    raise NotAllowed(
        _("Only %(merchant)s or the operator who represents it may do this.")
        % {"merchant": merchant.name},
        details={"merchant": merchant.pk},
    )


def may_record_shops(actor, merchant: Merchant) -> bool:
    """Who records and removes a merchant's shops on outside platforms: whoever sells for it,
    and whoever manages merchants in its area."""
    return may_sell_for(actor, merchant) or may_manage_merchants_in(actor, merchant.region)


def _require_shop_recorder(actor, merchant: Merchant) -> None:
    if not may_record_shops(actor, merchant):
        _require_manager(actor, merchant.region)  # says why: outside their area, or their role


def sees_owner(actor) -> bool:
    """Who sees which account owns a merchant: the county office, the only one who links it."""
    if actor is None:
        return True
    return getattr(actor, "is_authenticated", False) and actor.manages_reference_data


def sees_contact(actor, merchant: Merchant) -> bool:
    """Who may open a merchant's contact phone in full (audited, core.reveal): the county office
    and whoever sells for it."""
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return actor.manages_reference_data or may_sell_for(actor, merchant)


def registration_fields(actor) -> set[str]:
    """The details a person who may register merchants fills in: all of them for the county
    office, all but what only the county records for township staff and village operators."""
    if actor is None or actor.manages_reference_data:
        return set(DETAIL_FIELDS)
    return DETAIL_FIELDS - COUNTY_ONLY.keys()


def editable_fields(actor, merchant: Merchant) -> set[str]:
    """The details `actor` may change on `merchant`: those they could register it with, in its
    area; its owner their contact and description; nobody else anything."""
    if may_manage_merchants_in(actor, merchant.region):
        return registration_fields(actor)
    if merchant.owner_id is not None and merchant.owner_id == actor.pk:
        return set(OWNER_FIELDS)
    return set()


def _require_may_change(actor, merchant: Merchant, fields: set[str]) -> None:
    refused = fields - editable_fields(actor, merchant)
    if not refused:
        return
    county_only = sorted(refused & COUNTY_ONLY.keys())
    if county_only and may_manage_merchants_in(actor, merchant.region):
        raise NotAllowed(COUNTY_ONLY[county_only[0]], details={"fields": county_only})
    _require_manager(actor, merchant.region)
    raise NotAllowed(_("Your role may not register or change merchants."))


def _require_manager(actor, region: RegionUnit) -> None:
    if may_manage_merchants_in(actor, region):
        return
    if actor.role in {Role.TOWNSHIP_STAFF, Role.VILLAGE_OPERATOR}:
        require_in_scope(actor, region.path, what=region.name)
    raise NotAllowed(_("Your role may not register or change merchants."))


# --- registering and changing ---------------------------------------------------------------


@dataclass
class MerchantDetails:
    """The registration form of a business (电商主体登记)."""

    name: str
    kind: str
    region: RegionUnit
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    id_number: str = ""
    description: str = ""
    owner: object = None
    represented_by: object = None
    is_poverty_registered: bool = False
    is_incubated: bool = False
    incubated_since: date | None = None
    is_park_tenant: bool = False
    is_demo: bool = False
    platform_shops: list[dict] = field(default_factory=list)


def register_merchant(*, actor, details: MerchantDetails) -> Merchant:
    d = details
    _require_manager(actor, d.region)
    values = {name: getattr(d, name) for name in DETAIL_FIELDS}
    if actor is not None and actor.role == Role.VILLAGE_OPERATOR and not values["owner"]:
        # An operator registering a farmer without an account acts for them.
        values["represented_by"] = values["represented_by"] or actor
    _check_county_only(actor, {k for k, v in values.items() if k in COUNTY_ONLY and v})
    values = _clean(values)
    _check_unique_id_number(values["id_number"], exclude=None)
    with transaction.atomic():
        merchant = Merchant.objects.create(**values, is_demo=d.is_demo)
        for shop in d.platform_shops:
            _add_shop(merchant, **shop)
        audit.record(
            actor=actor,
            action="merchant.register",
            obj=merchant,
            after=_masked(audit.snapshot(merchant, _audited_fields())),
        )
    return merchant


def update_merchant(*, actor, merchant: Merchant, changes: dict) -> Merchant:
    """Change a merchant's details, as far as `editable_fields` lets the actor: its owner its
    contact and description; township staff and village operators in its area the rest but what
    only the county office records (incubator, park, the owner's account)."""
    unknown = set(changes) - DETAIL_FIELDS
    if unknown:
        raise InvalidInput(_("unknown field(s): %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().select_related("region").get(pk=merchant.pk)
        _require_may_change(actor, merchant, set(changes))
        if "region" in changes and isinstance(changes["region"], RegionUnit):
            _require_manager(actor, changes["region"])
        values = {name: getattr(merchant, name) for name in DETAIL_FIELDS}
        values.update(changes)
        values = _clean(values, owner_before=merchant.owner_id)
        changed = {k: v for k, v in values.items() if getattr(merchant, k) != v}
        if not changed:
            return merchant
        if "id_number" in changed:
            _check_unique_id_number(values["id_number"], exclude=merchant.pk)
        fields = [_attname(k) for k in changed]
        before = _masked(audit.snapshot(merchant, fields))
        for name, value in changed.items():
            setattr(merchant, name, value)
        merchant.save(update_fields=[*_columns(changed), "updated_at"])
        audit.record(
            actor=actor,
            action="merchant.update",
            obj=merchant,
            before=before,
            after=_masked(audit.snapshot(merchant, fields)),
        )
    return merchant


def set_merchant_active(*, actor, merchant: Merchant, active: bool, reason: str = "") -> Merchant:
    """Stop or resume a merchant's selling on the market (their products leave the market)."""
    if not active and not reason.strip():
        raise InvalidInput(_("Give a reason for stopping this merchant."))
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().select_related("region").get(pk=merchant.pk)
        _require_manager(actor, merchant.region)
        if merchant.is_active == active:
            return merchant
        merchant.is_active = active
        merchant.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="merchant.activate" if active else "merchant.deactivate",
            obj=merchant,
            before={"is_active": not active},
            after={"is_active": active},
            reason=reason,
        )
    return merchant


def _clean(values: dict, owner_before: int | None = None) -> dict:
    """Normalise and check a merchant's details; every problem is reported at once. The owner's
    account is checked when it is linked (`owner_before` is the one already linked)."""
    problems = []
    values = dict(values)
    for name in TEXT_FIELDS:
        values[name] = (values.get(name) or "").strip()
    values["id_number"] = values["id_number"].upper()
    if not values["name"]:
        problems.append(_("the name is empty"))
    # A sealed ID number has no column of its length: its check digit checks it below.
    problems += texts_too_long(
        Merchant, {name: values[name] for name in TEXT_FIELDS if name not in SEALED}
    )
    if values["kind"] not in dict(MerchantKind.choices):
        problems.append(_("unknown kind of merchant %s") % values["kind"])
    if not isinstance(values.get("region"), RegionUnit):
        problems.append(_("the division is missing"))
    if values["contact_phone"] and not is_valid_phone(values["contact_phone"]):
        problems.append(_("the contact phone is not a mobile phone number"))
    if values["id_number"]:
        if values["kind"] not in MerchantKind.INDIVIDUAL:
            problems.append(_("a resident ID number belongs only to an individual's business"))
        elif not is_valid_id_number(values["id_number"]):
            problems.append(_("the resident ID number is not valid (its check digit is wrong)"))
    owner = values.get("owner")
    if owner is not None and owner.pk != owner_before:
        problems += _owner_problems(owner)
    rep = values.get("represented_by")
    if rep is not None:
        if rep.role != Role.VILLAGE_OPERATOR:
            problems.append(_("only a village operator can represent a merchant"))
        elif isinstance(values.get("region"), RegionUnit) and not scope_of(rep).covers(
            values["region"].path
        ):
            problems.append(_("the representing operator works in another village"))
    if values.get("incubated_since") and not values.get("is_incubated"):
        problems.append(_("a date of incubation needs the incubated flag"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return values


def _owner_problems(owner) -> list[str]:
    """An owner's account runs the shop (its prices, stock, orders, money): an account that is
    open and held by a merchant, not a closed one nor a staff member's."""
    if not owner.is_active:
        return [_("the account %(name)s is closed") % {"name": owner.username}]
    if owner.role != Role.MERCHANT:
        return [_("the account %(name)s is not a merchant's account") % {"name": owner.username}]
    return []


def _check_county_only(actor, fields: set[str]) -> None:
    if fields and actor is not None and not actor.manages_reference_data:
        raise NotAllowed(COUNTY_ONLY[sorted(fields)[0]], details={"fields": sorted(fields)})


# The ID number is sealed at rest (core.models.SealedIdNumber): two columns, never in the audit.
SEALED = {"id_number": ["id_number_encrypted", "id_number_digest"]}


def _attname(name: str) -> str:
    return name if name in SEALED else Merchant._meta.get_field(name).attname


def _columns(names) -> list[str]:
    return [column for name in names for column in SEALED.get(name, [name])]


def _audited_fields() -> list[str]:
    """A merchant's values as its audit rows keep them: the ID number (masked by `_masked`),
    not its ciphertext, which a key rotation would leave unreadable there."""
    sealed = {column for columns in SEALED.values() for column in columns}
    return [f.attname for f in Merchant._meta.concrete_fields if f.attname not in sealed] + [
        *SEALED
    ]


def _check_unique_id_number(id_number: str, exclude: int | None) -> None:
    """Once per person, under whichever key sealed the other row (core.crypto)."""
    if not id_number:
        return
    taken = Merchant.objects.with_id_number(id_number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Conflict(
            _("A merchant with this resident ID number is already registered."),
            details={"id_number": mask_id_number(id_number)},
        )


def _masked(values: dict) -> dict:
    return {k: PERSONAL[k](v) if k in PERSONAL and v else v for k, v in values.items()}


# --- shops on outside platforms --------------------------------------------------------------


def add_platform_shop(
    *,
    actor,
    merchant: Merchant,
    platform: str,
    shop_id: str,
    url: str = "",
    shop_name: str = "",
    opened_on: date | None = None,
) -> MerchantPlatformShop:
    """Record where a merchant also sells (Taobao, JD …), for the county's reports."""
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().select_related("region").get(pk=merchant.pk)
        _require_shop_recorder(actor, merchant)
        shop = _add_shop(
            merchant,
            platform=platform,
            shop_id=shop_id,
            url=url,
            shop_name=shop_name,
            opened_on=opened_on,
        )
        audit.record(
            actor=actor,
            action="merchant.platform_shop.add",
            obj=merchant,
            after={"platform": platform, "shop_id": shop.shop_id, "url": shop.url},
        )
    return shop


def _add_shop(
    merchant, *, platform, shop_id, url="", shop_name="", opened_on=None
) -> MerchantPlatformShop:
    shop_id = (shop_id or "").strip()
    url = (url or "").strip()
    problems = []
    if platform not in dict(Platform.choices):
        problems.append(_("unknown platform %s") % platform)
    if not shop_id:
        problems.append(_("the shop id is empty"))
    problems += texts_too_long(
        MerchantPlatformShop, {"shop_id": shop_id, "url": url, "shop_name": shop_name.strip()}
    )
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            problems.append(_("%s is not a web address") % url)
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    existing = MerchantPlatformShop.objects.filter(platform=platform, shop_id=shop_id).first()
    if existing is not None:
        raise Conflict(
            _("This %(platform)s shop is already registered to %(merchant)s.")
            % {"platform": existing.get_platform_display(), "merchant": existing.merchant.name}
        )
    return MerchantPlatformShop.objects.create(
        merchant=merchant,
        platform=platform,
        shop_id=shop_id,
        url=url,
        shop_name=shop_name.strip(),
        opened_on=opened_on,
    )


def remove_platform_shop(*, actor, shop: MerchantPlatformShop) -> None:
    with transaction.atomic():
        shop = MerchantPlatformShop.objects.select_related("merchant__region").filter(pk=shop.pk)
        shop = shop.first()
        if shop is None:
            raise NotFound()
        _require_shop_recorder(actor, shop.merchant)
        audit.record(
            actor=actor,
            action="merchant.platform_shop.remove",
            obj=shop.merchant,
            before={"platform": shop.platform, "shop_id": shop.shop_id},
        )
        shop.delete()


# --- tenancy at the incubation center and the parks -----------------------------------------

# Who records tenancies and the services delivered to tenants: the county office runs the
# program; the public service center runs the incubation center's day-to-day work.
TENANCY_KEEPERS = frozenset({Role.COUNTY_OFFICE, Role.SERVICE_CENTER})
# The flag each programme sets on the merchant register while the tenancy lasts.
PROGRAMME_FLAG = {
    TenancyProgramme.INCUBATION: "is_incubated",
    TenancyProgramme.PARK: "is_park_tenant",
}


def may_keep_tenancies(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and (
        actor.is_superuser or actor.role in TENANCY_KEEPERS
    )


def _require_tenancy_keeper(actor) -> None:
    if actor is not None and not may_keep_tenancies(actor):
        raise NotAllowed(_("Only the county office and the public service center record tenants."))


def record_tenancy(
    *,
    actor,
    site,
    merchant: Merchant,
    programme: str,
    space: str,
    lease_from: date,
    lease_to: date,
    is_demo: bool = False,
) -> Tenancy:
    """A merchant moves into the incubation center or a park; the register's flag follows."""
    _require_tenancy_keeper(actor)
    problems = []
    if site.kind != SiteKind.INCUBATOR:
        problems.append(_("the site is not the incubation center or a park"))
    if programme not in dict(TenancyProgramme.choices):
        problems.append(_("choose incubation or park"))
    if not space.strip():
        problems.append(_("say which space the tenant uses"))
    if lease_to <= lease_from:
        problems.append(_("the lease must end after it starts"))
    if problems:
        raise InvalidInput(_("The tenancy cannot be recorded: %s.") % "; ".join(problems))
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if Tenancy.objects.filter(
            site=site, merchant=merchant, stage=TenancyStage.INCUBATING
        ).exists():
            raise Conflict(_("%(name)s is a tenant there already.") % {"name": merchant.name})
        tenancy = Tenancy.objects.create(
            site=site,
            merchant=merchant,
            programme=programme,
            space=space.strip(),
            lease_from=lease_from,
            lease_to=lease_to,
            stage_since=lease_from,
            is_demo=is_demo,
        )
        _flag_tenant(merchant, programme, lease_from, actor)
        audit.record(
            actor=actor, action="tenancy.record", obj=tenancy, after=audit.snapshot(tenancy)
        )
    return tenancy


def _flag_tenant(merchant: Merchant, programme: str, since: date | None, actor) -> None:
    """Keep the register's flag in step with the merchant's current tenancies."""
    flag = PROGRAMME_FLAG[programme]
    current = Tenancy.objects.filter(
        merchant=merchant, programme=programme, stage=TenancyStage.INCUBATING
    ).exists()
    before = audit.snapshot(merchant, [flag, "incubated_since"])
    setattr(merchant, flag, current)
    if flag == "is_incubated":
        merchant.incubated_since = (merchant.incubated_since or since) if current else None
    after = audit.snapshot(merchant, [flag, "incubated_since"])
    if before != after:
        merchant.save(update_fields=[flag, "incubated_since", "updated_at"])
        audit.record(
            actor=actor, action="merchant.tenancy_flag", obj=merchant, before=before, after=after
        )


def change_tenancy_stage(*, actor, tenancy: Tenancy, stage: str, on: date) -> Tenancy:
    """An incubating tenant graduates or leaves."""
    _require_tenancy_keeper(actor)
    if stage not in {TenancyStage.GRADUATED, TenancyStage.LEFT}:
        raise InvalidInput(_("A tenant graduates or leaves."))
    with transaction.atomic():
        tenancy = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
        if tenancy.stage != TenancyStage.INCUBATING:
            raise Conflict(_("This tenant has left already."))
        if on < tenancy.lease_from:
            raise InvalidInput(_("The day is before the tenant moved in."))
        before = tenancy.stage
        tenancy.stage, tenancy.stage_since = stage, on
        tenancy.save(update_fields=["stage", "stage_since", "updated_at"])
        merchant = Merchant.objects.select_for_update().get(pk=tenancy.merchant_id)
        _flag_tenant(merchant, tenancy.programme, None, actor)
        audit.record(
            actor=actor,
            action=f"tenancy.{stage}",
            obj=tenancy,
            before={"stage": before},
            after={"stage": stage, "on": str(on)},
        )
    return tenancy


def record_tenant_service(
    *, actor, tenancy: Tenancy, kind: str, delivered_on: date, note: str = ""
) -> TenantService:
    """A service the center or park delivered to a tenant (counted as the center's work)."""
    _require_tenancy_keeper(actor)
    if kind not in dict(TenantServiceKind.choices):
        raise InvalidInput(_("Choose the kind of service."))
    if delivered_on < tenancy.lease_from:
        raise InvalidInput(_("The day is before the tenant moved in."))
    with transaction.atomic():
        service = TenantService.objects.create(
            tenancy=tenancy,
            kind=kind,
            delivered_on=delivered_on,
            note=note.strip()[:200],
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor=actor, action="tenancy.service", obj=tenancy, after=audit.snapshot(service)
        )
    return service


# --- the center's and the parks' requests for support --------------------------------------


def request_park_support(
    *, actor, site, purpose: str, total_investment, amount, on: date | None = None
) -> SupportRequest:
    """The incubation center or a park asks the special fund for support; the fund's proposers
    take it into the budget or decline it."""
    _require_tenancy_keeper(actor)
    problems = []
    if site.kind != SiteKind.INCUBATOR:
        problems.append(_("the site is not the incubation center or a park"))
    if not (purpose or "").strip():
        problems.append(_("say what the support is for"))
    try:
        total, asked = to_money(total_investment), to_money(amount)
    except (TypeError, ValueError):
        total = asked = None
        problems.append(_("the amounts must be sums of money"))
    if asked is not None and (asked <= 0 or total < asked):
        problems.append(_("the support must be above zero and no more than the total investment"))
    if problems:
        raise InvalidInput(_("The request cannot be filed: %s.") % "; ".join(problems))
    with transaction.atomic():
        request = SupportRequest.objects.create(
            site=site,
            purpose=purpose.strip(),
            total_investment=total,
            amount=asked,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            requested_on=on or timezone.localdate(),
        )
        audit.record(
            actor=actor, action="park.request_support", obj=request, after=audit.snapshot(request)
        )
    return request


def settle_support_request(
    *, actor, request: SupportRequest, taken_as: str = "", reason: str = ""
) -> SupportRequest:
    """The fund's answer to a request: taken into its budget as project `taken_as`, or declined
    with a reason. Called by the special fund inside its own transaction (it checks who may)."""
    with transaction.atomic():
        request = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != SupportRequestStatus.SUBMITTED:
            raise Conflict(_("This request has already been answered."))
        if not taken_as and not reason.strip():
            raise InvalidInput(_("Say why the request is declined."))
        before = audit.snapshot(request)
        request.status = SupportRequestStatus.TAKEN if taken_as else SupportRequestStatus.DECLINED
        request.fund_project = taken_as
        request.decision_note = reason.strip()
        request.save(update_fields=["status", "fund_project", "decision_note"])
        audit.record(
            actor=actor,
            action="park.support_answered",
            obj=request,
            before=before,
            after=audit.snapshot(request),
        )
    return request


def reveal_contact_phone(*, actor, merchant: Merchant) -> str:
    """The merchant's full contact phone, to call them (audited; who may: `sees_contact`)."""
    shown = reveal.reveal_personal_data(actor=actor, subject=merchant, fields=["contact_phone"])
    return shown["contact_phone"]
