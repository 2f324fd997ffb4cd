"""代售: a village point sells a farmer's produce and owes them the proceeds less its commission.

The farmer is a merchant the point's operator represents (`Merchant.represented_by`, usually a
个体农户 or a poverty-registered household with no account). They bring produce; the operator
weighs it and records an intake, which adds it to the point's stock of the farmer's SKU and
names the commission the point charges (network.CommissionRate, set over the point).

When a checkout with consigned lines is paid, each such line is owed to the farmer: its total
less the commission of the latest intake of that stock (the rate the farmer was shown), rounded
to the fen. A refund writes a reversal of the same amount. What is owed becomes payable once the
goods are handed over (the order delivered or picked up), because until then a refund can take
it back; so a payout is limited to what is payable and the balance never goes below zero.

The ledger (`FarmerEntry`) is append-only. A payout locks the farmer's row, so two payouts at
once cannot both spend the same balance; sales and hand-overs only ever raise what is payable,
and reversals touch only what is not payable yet, so they need no lock.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cuncun.catalog.models import Sku
from cuncun.catalog.services import adjust_stock
from cuncun.core import audit
from cuncun.core.checks import quantity_problem, texts_too_long
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cuncun.core.idempotency import run_once
from cuncun.core.money import CENT, to_money
from cuncun.merchants.models import Merchant
from cuncun.network.models import CommissionRate, Site
from cuncun.network.services import is_operator_of
from cuncun.orders.models import (
    ConsignmentIntake,
    FarmerEntry,
    FarmerEntryKind,
    Order,
    OrderLine,
    OrderStatus,
    PayoutMethod,
)

K = FarmerEntryKind
# Once goods are delivered or picked up no refund can take the sale back: it may be paid out.
HANDED_OVER = [OrderStatus.DELIVERED, OrderStatus.COMPLETED]
MAX_INTAKE_QUANTITY = 99_999
PAYOUT_SCOPE = "orders.pay_farmer"
ZERO = Decimal("0.00")
# The operator console's button (portal shows it; the words are this module's).
CONSOLE_LABEL = pgettext_lazy("console", "Consignment intake")
CONSOLE_HINT = gettext_lazy("farmers with money to collect")


class PayoutTooLarge(Conflict):
    code = "payout_too_large"


# --- arithmetic ---------------------------------------------------------------------------------


def commission_on(gross: Decimal, percent: Decimal) -> Decimal:
    """The point's share of a sale, rounded half-up to the fen (¥12.35 at 8% is ¥0.99)."""
    return (gross * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# --- who may do what ----------------------------------------------------------------------------


def _require_operator(actor, site: Site) -> None:
    if actor is None or actor.is_superuser or is_operator_of(actor, site):
        return
    raise NotAllowed(
        _("Only the operator of %(site)s may do this.") % {"site": site.name},
        details={"site": site.pk},
    )


def _require_represented(actor, site: Site, farmer: Merchant) -> None:
    """The operator acts only for the farmers they represent (代售), who live in the point's
    township."""
    if actor is not None and not actor.is_superuser and farmer.represented_by_id != actor.pk:
        raise NotAllowed(
            _("%(farmer)s is not a farmer you sell for.") % {"farmer": farmer.name},
            details={"farmer": farmer.pk},
        )
    if farmer.region.township_id != site.region.township_id:
        raise InvalidInput(
            _("%(farmer)s lives outside the township of %(site)s.")
            % {"farmer": farmer.name, "site": site.name}
        )


def consignment_sites(user):
    """The points whose consignments a user reads: the county office all, a township's staff
    their township's, an operator the point they run."""
    return Site.objects.in_console_of(user).select_related("region")


def visible_site(user, code: str) -> Site:
    site = consignment_sites(user).filter(code=code).first()
    if site is None:
        raise NotFound(details={"site": code})
    return site


def farmers_of(site: Site):
    """The farmers whose produce a point sells: those its current operators represent."""
    return (
        Merchant.objects.filter(
            represented_by__in=site.operators.filter(until__isnull=True).values("user_id"),
            is_active=True,
        )
        .select_related("region")
        .order_by("name", "id")
    )


def rate_in_force(site: Site) -> CommissionRate | None:
    return CommissionRate.objects.in_force(site.pk)


# --- intake -------------------------------------------------------------------------------------


def receive_consignment(
    *, actor, site: Site, farmer: Merchant, sku: Sku, quantity: int, note: str = ""
) -> ConsignmentIntake:
    """The farmer brings produce: the operator records how much (in the SKU's unit, as weighed
    or counted), it goes into the point's stock, and the intake keeps the commission in force so
    that the farmer's receipt says what the point will keep."""
    note = (note or "").strip()
    problems = texts_too_long(ConsignmentIntake, {"note": note})
    if problem := quantity_problem(quantity, most=MAX_INTAKE_QUANTITY):
        problems.append(problem)
    if sku.product.merchant_id != farmer.pk:
        problems.append(_("%(sku)s is not this farmer's product") % {"sku": sku})
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        _require_operator(actor, site)
        _require_represented(actor, site, farmer)
        rate = rate_in_force(site)
        if rate is None:
            raise Conflict(
                _(
                    "%(site)s has no consignment commission yet: ask the township's staff to "
                    "set it before taking goods on consignment."
                )
                % {"site": site.name},
                code="no_commission_rate",
            )
        stock = adjust_stock(
            actor=actor,
            sku=sku,
            site=site,
            change=quantity,
            reason=_("consignment intake from %(farmer)s") % {"farmer": farmer.name},
        )
        intake = ConsignmentIntake.objects.create(
            site=site,
            farmer=farmer,
            sku=sku,
            stock=stock,
            quantity=quantity,
            commission_percent=rate.percent,
            note=note,
            received_by=_person(actor),
        )
        audit.record(
            actor=actor,
            action="consignment.intake",
            obj=intake,
            after={
                "site": site.pk,
                "farmer": farmer.pk,
                "sku": sku.pk,
                "quantity": quantity,
                "commission_percent": str(rate.percent),
                "stock_after": stock.quantity,
            },
        )
    return intake


# --- sales and refunds (inside the orders services' transactions) --------------------------------


def record_consigned_sales(orders: list[Order], *, actor) -> list[FarmerEntry]:
    """Paid orders: each line sold from a consigned stock is owed to its farmer, less the
    commission of the latest intake into that stock. Called by orders.services when a payment
    succeeds; a line already owed is not owed again."""
    lines = list(
        OrderLine.objects.filter(order__in=orders, stock__intakes__isnull=False)
        .exclude(
            pk__in=FarmerEntry.objects.filter(kind=K.SALE, order_line__isnull=False).values(
                "order_line_id"
            )
        )
        .distinct()
        .select_related("order")
    )
    entries = []
    for line in lines:
        intake = (
            ConsignmentIntake.objects.filter(stock_id=line.stock_id)
            .select_related("farmer")
            .order_by("-received_at", "-id")
            .first()
        )
        commission = commission_on(line.total, intake.commission_percent)
        entry = FarmerEntry.objects.create(
            farmer=intake.farmer,
            site_id=intake.site_id,
            kind=K.SALE,
            order=line.order,
            order_line=line,
            quantity=line.quantity,
            gross=line.total,
            commission_percent=intake.commission_percent,
            commission=commission,
            amount=line.total - commission,
        )
        _audit_entry(actor, entry)
        entries.append(entry)
    return entries


def reverse_consigned_sales(order: Order, *, actor, reason: str) -> list[FarmerEntry]:
    """A refunded order is owed to its farmers no more: one reversing entry per line owed."""
    sales = FarmerEntry.objects.filter(order=order, kind=K.SALE).exclude(
        order_line__in=FarmerEntry.objects.filter(order=order, kind=K.REVERSAL).values(
            "order_line_id"
        )
    )
    entries = []
    for sale in sales:
        entry = FarmerEntry.objects.create(
            farmer_id=sale.farmer_id,
            site_id=sale.site_id,
            kind=K.REVERSAL,
            order=order,
            order_line_id=sale.order_line_id,
            quantity=sale.quantity,
            gross=-sale.gross,
            commission_percent=sale.commission_percent,
            commission=-sale.commission,
            amount=-sale.amount,
            reason=reason[:200],
            recorded_by=_person(actor),
        )
        _audit_entry(actor, entry)
        entries.append(entry)
    return entries


# --- balances and payouts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    owed: Decimal  # everything sold and not refunded, less commission, less what was paid
    payable: Decimal  # of that, what was handed over to the buyers: may be paid out now

    @property
    def awaiting_handover(self) -> Decimal:
        return self.owed - self.payable


def _money_sum(condition: Q | None = None, field: str = "amount"):
    return Coalesce(Sum(field, filter=condition), ZERO)


PAYABLE = Q(kind=K.PAYOUT) | Q(order__status__in=HANDED_OVER)
ENTRY_AMOUNT = "farmer_entries__amount"


def balance_of(farmer: Merchant, site: Site) -> Balance:
    totals = FarmerEntry.objects.filter(farmer=farmer, site=site).aggregate(
        owed=_money_sum(), payable=_money_sum(PAYABLE)
    )
    return Balance(owed=to_money(totals["owed"]), payable=to_money(totals["payable"]))


def owed_after(entry: FarmerEntry) -> Decimal:
    """What the point still owed the farmer right after an entry (a reprinted slip says the
    same as the first print)."""
    totals = FarmerEntry.objects.filter(
        farmer_id=entry.farmer_id, site_id=entry.site_id, pk__lte=entry.pk
    ).aggregate(owed=_money_sum())
    return to_money(totals["owed"])


def farmers_with_balances(site: Site) -> list[tuple[Merchant, Balance]]:
    """Every farmer of the point with what it owes them, from one query."""
    farmers = list(
        farmers_of(site).annotate(
            owed=_money_sum(Q(farmer_entries__site=site), ENTRY_AMOUNT),
            payable=_money_sum(
                Q(farmer_entries__site=site)
                & (
                    Q(farmer_entries__kind=K.PAYOUT)
                    | Q(farmer_entries__order__status__in=HANDED_OVER)
                ),
                ENTRY_AMOUNT,
            ),
        )
    )
    # SQLite sums decimals as floats' digits: each total is brought back to the fen.
    return [(f, Balance(owed=to_money(f.owed), payable=to_money(f.payable))) for f in farmers]


def farmers_to_pay(site: Site) -> int:
    """How many of the point's farmers have money they may collect now (the console's count)."""
    return sum(1 for _farmer, balance in farmers_with_balances(site) if balance.payable > 0)


def pay_farmer(
    *,
    actor,
    site: Site,
    farmer: Merchant,
    amount,
    method: str,
    receipt_number: str = "",
    idempotency_key: str,
) -> FarmerEntry:
    """The operator pays a farmer what the point owes them, in cash (the farmer signs the
    printed slip) or by transfer (with the transfer's transaction number). More than is payable
    is refused with the figures. The same form sent twice pays once."""
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("Write the amount in yuan, e.g. 120.50.")) from error
    receipt_number = (receipt_number or "").strip()
    problems = texts_too_long(FarmerEntry, {"receipt_number": receipt_number})
    if amount <= 0:
        problems.append(_("the amount must be more than zero"))
    if method not in dict(PayoutMethod.choices):
        problems.append(_("choose cash or transfer"))
    if method == PayoutMethod.TRANSFER and not receipt_number:
        problems.append(_("a transfer needs its transaction number"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    payload = {
        "site": site.pk,
        "farmer": farmer.pk,
        "amount": str(amount),
        "method": method,
        "receipt": receipt_number,
    }

    def write() -> dict:
        entry = _write_payout(actor, site, farmer, amount, method, receipt_number)
        return {"entry": entry.pk}

    result, _replayed = run_once(
        scope=PAYOUT_SCOPE,
        key=f"{getattr(actor, 'pk', '')}:{idempotency_key}",
        actor=actor,
        payload=payload,
        write=write,
    )
    return FarmerEntry.objects.get(pk=result["entry"])


def _write_payout(actor, site, farmer, amount, method, receipt_number) -> FarmerEntry:
    with transaction.atomic():
        _require_operator(actor, site)
        farmer = Merchant.objects.select_for_update().select_related("region").get(pk=farmer.pk)
        _require_represented(actor, site, farmer)
        balance = balance_of(farmer, site)
        if amount > balance.payable:
            raise PayoutTooLarge(
                _(
                    "%(farmer)s may collect ¥%(payable)s now (¥%(waiting)s more once the buyers "
                    "have their goods); ¥%(amount)s is too much."
                )
                % {
                    "farmer": farmer.name,
                    "payable": balance.payable,
                    "waiting": balance.awaiting_handover,
                    "amount": amount,
                },
                details={
                    "payable": str(balance.payable),
                    "awaiting_handover": str(balance.awaiting_handover),
                    "amount": str(amount),
                },
            )
        entry = FarmerEntry.objects.create(
            farmer=farmer,
            site=site,
            kind=K.PAYOUT,
            amount=-amount,
            method=method,
            receipt_number=receipt_number,
            recorded_by=_person(actor),
        )
        _audit_entry(actor, entry, before={"payable": str(balance.payable)})
    return entry


def _audit_entry(actor, entry: FarmerEntry, before: dict | None = None) -> None:
    audit.record(
        actor=actor,
        action=f"consignment.{entry.kind}",
        obj=entry,
        before=before,
        after={
            "farmer": entry.farmer_id,
            "site": entry.site_id,
            "order_line": entry.order_line_id,
            "gross": str(entry.gross),
            "commission": str(entry.commission),
            "amount": str(entry.amount),
            "method": entry.method,
            "receipt_number": entry.receipt_number,
        },
    )


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- reading the ledger -------------------------------------------------------------------------


def represented_farmer(site: Site, pk: int) -> Merchant:
    farmer = farmers_of(site).filter(pk=pk).first()
    if farmer is None:
        raise NotFound(details={"farmer": pk})
    return farmer


def ledger_of(farmer: Merchant, site: Site):
    return FarmerEntry.objects.filter(farmer=farmer, site=site).select_related(
        "order", "order_line", "recorded_by"
    )


def intakes_of(farmer: Merchant, site: Site):
    return ConsignmentIntake.objects.filter(farmer=farmer, site=site).select_related("sku__product")


@dataclass
class StatementRow:
    farmer: Merchant
    units: int = 0
    sales: Decimal = ZERO  # what the buyers paid, less what was refunded
    commission: Decimal = ZERO  # the point's share of that
    refunded: Decimal = ZERO  # what refunds took back (as the buyers had paid it)
    paid_cash: Decimal = ZERO
    paid_transfer: Decimal = ZERO
    balance: Decimal = ZERO  # what the point owed the farmer at the end of the month

    @property
    def owed(self) -> Decimal:
        return self.sales - self.commission


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-12' as the first instant of the month and of the next, in local time."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError as error:
        raise InvalidInput(_("The month must be written as YYYY-MM.")) from error
    last = first.replace(day=monthrange(year, number)[1])
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last, time.max, tzinfo=zone)
    return start, end


def monthly_statement(site: Site, month: str) -> list[StatementRow]:
    """Per farmer of the point: the month's sales, commission, refunds and payouts, and the
    balance owed at its end."""
    start, end = month_bounds(month)
    rows: dict[int, StatementRow] = {}
    entries = FarmerEntry.objects.filter(site=site, created_at__lte=end).select_related("farmer")
    for e in entries.order_by("farmer__name", "id"):
        row = rows.setdefault(e.farmer_id, StatementRow(farmer=e.farmer))
        row.balance += e.amount
        if e.created_at < start:
            continue
        if e.kind in (K.SALE, K.REVERSAL):
            # A reversal's figures are the sale's, negative: they take the sale back.
            row.units += e.quantity if e.kind == K.SALE else -e.quantity
            row.sales += e.gross
            row.commission += e.commission
            row.refunded -= min(e.gross, ZERO)
        elif e.method == PayoutMethod.CASH:
            row.paid_cash -= e.amount
        else:
            row.paid_transfer -= e.amount
    return list(rows.values())
