"""Every write of promotions: organising a campaign, a merchant joining it with a SKU, issuing
vouchers, and what a checkout takes from them (and gives back when its order is cancelled or
refunded).

`take_for_checkout` and `give_back` run inside the orders app's transaction. They change only
counters, each with one conditional UPDATE, always before the stock rows (orders.locks): a
campaign item's units, a voucher batch's budget, then the buyer's tallies, each kind in id order.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.roles import Role
from cuncun.catalog.models import Sku, Stock
from cuncun.core import audit
from cuncun.core.checks import texts_too_long
from cuncun.core.commitments import hold_budget_line
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, OutOfScope
from cuncun.core.money import to_money
from cuncun.merchants.services import require_seller
from cuncun.promotions.models import (
    BuyerTally,
    Campaign,
    CampaignItem,
    CampaignKind,
    Funder,
    VoucherBatch,
    VoucherKind,
)
from cuncun.regions.models import Level

MAX_LIMIT = 999


class LimitReached(Conflict):
    """A buyer asked for more than a campaign or a voucher lets one buyer have."""

    code = "limit_reached"


class OfferChanged(Conflict):
    """The festival price or window read for a checkout changed before its units were reserved:
    the checkout reads the offers again."""

    code = "offer_changed"


# --- organising ---------------------------------------------------------------------------------


def may_organise(actor, region) -> bool:
    """The county office organises for the county; township staff a fair of their township."""
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    if not getattr(actor, "is_authenticated", False) or actor.region_id is None:
        return False
    if actor.role == Role.COUNTY_OFFICE:
        return True
    return actor.role == Role.TOWNSHIP_STAFF and actor.region_id == region.pk


def create_campaign(
    *,
    actor,
    name: str,
    kind: str,
    region,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
) -> Campaign:
    """Open a campaign for the merchants of an area to join (the county, or one township)."""
    if not may_organise(actor, region):
        raise NotAllowed(
            _("Campaigns are organised by the county office, or by a township for its own fair.")
        )
    name, description = name.strip(), description.strip()
    problems = texts_too_long(Campaign, {"name": name, "description": description})
    if not name:
        problems.append(_("give the campaign a name"))
    if kind not in dict(CampaignKind.choices):
        problems.append(_("choose the kind of campaign"))
    if region.level not in (Level.COUNTY, Level.TOWNSHIP):
        problems.append(_("a campaign is for the county or one township"))
    if not starts_at or not ends_at or ends_at <= starts_at:
        problems.append(_("the campaign must end after it starts"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            kind=kind,
            region=region,
            starts_at=starts_at,
            ends_at=ends_at,
            description=description,
            organised_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor=actor, action="campaign.create", obj=campaign, after=audit.snapshot(campaign)
        )
    return campaign


def join_campaign(
    *,
    actor,
    campaign: Campaign,
    sku: Sku,
    festival_price,
    per_buyer_limit: int,
    set_aside: int,
) -> CampaignItem:
    """A merchant brings one SKU of its own to a campaign of its area, at a festival price below
    the list price, with a limit per buyer and the units set aside for it (no more than it has
    free now). A SKU is in one campaign at a time."""
    merchant = sku.product.merchant
    require_seller(actor, merchant)
    now = timezone.now()
    problems = []
    if campaign.cancelled_at is not None or campaign.ends_at <= now:
        raise Conflict(_("%s has ended: it takes no more goods.") % campaign.name)
    if not merchant.region.path.startswith(campaign.region.path):
        raise OutOfScope(
            _("%(campaign)s is for the merchants of %(area)s.")
            % {"campaign": campaign.name, "area": campaign.region.name}
        )
    price = _money(festival_price, problems, _("the festival price"))
    if price is not None and not (Decimal("0") < price < sku.price):
        problems.append(
            _("the festival price must be above 0 and below the list price ¥%s") % sku.price
        )
    counts_ok = _is_count(per_buyer_limit) and _is_count(set_aside)
    for value, what in (
        (per_buyer_limit, _("the limit per buyer")),
        (set_aside, _("the units set aside")),
    ):
        if not _is_count(value):
            problems.append(_("%s must be a whole number of at least 1") % what)
    if counts_ok and per_buyer_limit > min(set_aside, MAX_LIMIT):
        problems.append(_("the limit per buyer cannot exceed the units set aside"))
    free = sum(s.available for s in Stock.objects.filter(sku=sku))
    if counts_ok and set_aside > free:
        problems.append(
            _("only %(free)d units of %(sku)s are free to set aside") % {"free": free, "sku": sku}
        )
    clash = (
        CampaignItem.objects.filter(
            sku=sku,
            campaign__cancelled_at__isnull=True,
            campaign__starts_at__lt=campaign.ends_at,
            campaign__ends_at__gt=campaign.starts_at,
        )
        .select_related("campaign")
        .first()
    )
    if clash is not None:
        problems.append(
            _("%(sku)s is already in %(campaign)s") % {"sku": sku, "campaign": clash.campaign}
        )
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        item = CampaignItem.objects.create(
            campaign=campaign,
            sku=sku,
            merchant=merchant,
            festival_price=price,
            per_buyer_limit=per_buyer_limit,
            set_aside=set_aside,
            joined_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(actor=actor, action="campaign.join", obj=item, after=audit.snapshot(item))
    return item


@dataclass
class VoucherTermsInput:
    name: str
    kind: str
    amount: object
    budget: object
    starts_at: datetime
    ends_at: datetime
    threshold: object = "0"
    per_buyer_limit: int = 1
    with_festival_prices: bool = False
    campaign: Campaign | None = None


def issue_vouchers(
    *, actor, terms: VoucherTermsInput, merchant=None, budget_line: str = ""
) -> VoucherBatch:
    """A merchant issues vouchers on its own goods, paid by itself; the county office issues
    program vouchers paid from a budget line of the special fund (its project code), which must
    have the whole budget left: the fund counts it as committed from now on."""
    if merchant is not None:
        require_seller(actor, merchant)
        funder = Funder.MERCHANT
        budget_line = ""
    else:
        if not (actor is None or actor.is_superuser or actor.role == Role.COUNTY_OFFICE):
            raise NotAllowed(_("Program vouchers are issued by the county office."))
        funder = Funder.PROGRAM
    name = terms.name.strip()
    problems = texts_too_long(VoucherBatch, {"name": name, "budget_line": budget_line.strip()})
    if not name:
        problems.append(_("give the vouchers a name"))
    if terms.kind not in dict(VoucherKind.choices):
        problems.append(_("choose the kind of voucher"))
    amount = _money(terms.amount, problems, _("the amount off"))
    budget = _money(terms.budget, problems, _("the budget"))
    threshold = _money(terms.threshold or "0", problems, _("the threshold"), allow_zero=True)
    if amount is not None and budget is not None and budget < amount:
        problems.append(_("the budget must pay for at least one voucher"))
    is_threshold = terms.kind == VoucherKind.THRESHOLD
    if is_threshold and None not in (threshold, amount) and threshold <= amount:
        problems.append(_("the threshold of 满减 must be above the amount off"))
    if funder == Funder.PROGRAM and not budget_line.strip():
        problems.append(_("name the budget line of the special fund that pays it"))
    if not isinstance(terms.per_buyer_limit, int) or not 1 <= terms.per_buyer_limit <= 99:
        problems.append(_("uses per buyer must be 1 to 99"))
    if not terms.starts_at or not terms.ends_at or terms.ends_at <= terms.starts_at:
        problems.append(_("the vouchers must end after they start"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    money_off = terms.kind in VoucherKind.MONEY_OFF
    with transaction.atomic():
        if funder == Funder.PROGRAM:
            hold_budget_line(
                line=budget_line.strip(),
                amount=budget,
                starts_on=timezone.localdate(terms.starts_at),
            )
        batch = VoucherBatch.objects.create(
            name=name,
            kind=terms.kind,
            funder=funder,
            merchant=merchant,
            campaign=terms.campaign,
            threshold=threshold if terms.kind == VoucherKind.THRESHOLD else Decimal("0"),
            amount=amount,
            budget=budget,
            per_buyer_limit=terms.per_buyer_limit,
            # A free-pickup voucher takes nothing off the goods, at whatever price.
            with_festival_prices=terms.with_festival_prices and money_off,
            budget_line=budget_line.strip(),
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(actor=actor, action="voucher.issue", obj=batch, after=audit.snapshot(batch))
    return batch


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1_000_000


def _money(value, problems: list, what, *, allow_zero=False) -> Decimal | None:
    try:
        amount = to_money(str(value).strip())
    except (ValueError, TypeError):
        problems.append(_("%s is not an amount of money") % what)
        return None
    if amount < 0 or (amount == 0 and not allow_zero) or amount >= Decimal("1000000"):
        problems.append(_("%s is out of range") % what)
        return None
    return amount


# --- what a checkout takes ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemTake:
    item: CampaignItem
    quantity: int


@dataclass(frozen=True)
class VoucherTake:
    batch: VoucherBatch
    amount: Decimal


def take_for_checkout(
    *, buyer_id: int, items: list[ItemTake], vouchers: list[VoucherTake], now
) -> None:
    """Inside the checkout's transaction: take each campaign item's units at the price read (a
    price or limit changed since raises OfferChanged), each voucher's amount from its budget,
    and the buyer's share of each. A limit reached raises LimitReached, saying what is left;
    the caller's transaction then undoes what was taken."""
    for take in sorted(items, key=lambda t: t.item.pk):
        _take_units(take)
    for take in sorted(vouchers, key=lambda t: t.batch.pk):
        _take_budget(take, now)
    tallies = [(f"item:{t.item.pk}", t.quantity, t.item.per_buyer_limit, t.item) for t in items]
    # A voucher is used once a checkout, on however many of its orders it pays (free pickup).
    used = {t.batch.pk: t.batch for t in vouchers}
    tallies += [(f"voucher:{pk}", 1, b.per_buyer_limit, b) for pk, b in used.items()]
    for scope, n, limit, thing in sorted(tallies, key=lambda t: t[0]):
        if not _raise_tally(scope, buyer_id, n, limit):
            raise LimitReached(
                _limit_message(thing, scope, buyer_id, limit),
                details={"scope": scope, "limit": limit},
            )


def _take_units(take: ItemTake) -> None:
    """The item's units at the price and limit read. The item was read as an offer in force at
    `now` (`offers_in_force`), and a campaign's window is fixed once it is organised, so the
    window is not checked again (no join in the UPDATE, which runs on every festival checkout);
    price and limit are checked in the UPDATE."""
    item = take.item
    taken = CampaignItem.objects.filter(
        pk=item.pk,
        festival_price=item.festival_price,
        per_buyer_limit=item.per_buyer_limit,
        taken__lte=F("set_aside") - take.quantity,
    ).update(taken=F("taken") + take.quantity)
    if taken:
        return
    fresh = CampaignItem.objects.filter(pk=item.pk).first()
    if fresh is None or (fresh.festival_price, fresh.per_buyer_limit) != (
        item.festival_price,
        item.per_buyer_limit,
    ):
        raise OfferChanged(_("The festival offer of %s changed; look at it again.") % item.sku)
    raise LimitReached(
        _("Only %(left)d of the festival units of %(sku)s are left.")
        % {"left": fresh.left, "sku": item.sku},
        details={"sku": item.sku_id, "left": fresh.left},
    )


def _take_budget(take: VoucherTake, now) -> None:
    batch = take.batch
    taken = VoucherBatch.objects.filter(
        pk=batch.pk,
        spent__lte=F("budget") - take.amount,
        starts_at__lte=now,
        ends_at__gt=now,
    ).update(spent=F("spent") + take.amount)
    if not taken:
        raise LimitReached(
            _("The vouchers “%s” have run out (their budget is spent or their time is over).")
            % batch.name,
            details={"voucher": batch.pk},
        )


def _raise_tally(scope: str, buyer_id: int, n: int, limit: int) -> bool:
    """One conditional UPDATE in the usual case; the buyer's first take of a thing inserts the
    row first (a parallel first take inserts nothing: the unique row is already there)."""
    if n > limit:
        return False
    rows = BuyerTally.objects.filter(scope=scope, buyer_id=buyer_id, used__lte=limit - n)
    if rows.update(used=F("used") + n):
        return True
    BuyerTally.objects.bulk_create(
        [BuyerTally(scope=scope, buyer_id=buyer_id, used=0)], ignore_conflicts=True
    )
    return bool(rows.update(used=F("used") + n))


def _limit_message(thing, scope: str, buyer_id: int, limit: int) -> str:
    used = (
        BuyerTally.objects.filter(scope=scope, buyer_id=buyer_id)
        .values_list("used", flat=True)
        .first()
        or 0
    )
    if isinstance(thing, CampaignItem):
        return _(
            "Each buyer may take %(limit)d of %(sku)s at the festival price; you have %(used)d in "
            "orders already."
        ) % {"limit": limit, "sku": thing.sku, "used": used}
    return _("Each buyer may use “%(name)s” %(limit)d time(s); you have used it %(used)d.") % {
        "name": thing.name,
        "limit": limit,
        "used": used,
    }


def give_back(
    *,
    buyer_id: int,
    items: list[tuple[int, int]],
    vouchers: list[tuple[int, Decimal]],
    uses: list[int],
) -> None:
    """Orders cancelled or refunded: their festival units go back to the campaign, their voucher
    amounts to their budgets, and the buyer's shares down: units, and the use of each batch in
    `uses` (a voucher paying the pickup fee of several orders of a checkout is used until none
    of them holds it). Inside the caller's transaction, before the stock rows, in the same order
    as `take_for_checkout`."""
    for item_id, quantity in sorted(items):
        CampaignItem.objects.filter(pk=item_id).update(taken=F("taken") - quantity)
    for batch_id, amount in sorted(vouchers):
        VoucherBatch.objects.filter(pk=batch_id).update(spent=F("spent") - amount)
    tallies = [(f"item:{i}", q) for i, q in items] + [(f"voucher:{b}", 1) for b in set(uses)]
    for scope, n in sorted(tallies):
        BuyerTally.objects.filter(scope=scope, buyer_id=buyer_id).update(used=F("used") - n)
