"""What a checkout costs, order by order: pure arithmetic on the prices in force, the pickup
point's fee and the vouchers the buyer chose, with no database, so the rules can be tested
exhaustively.

The rules (explicit, in this order):
1. A line costs its festival price when its SKU is in a running campaign, else its list price.
2. Money off (满减, 直降): an order (one merchant's goods) takes at most one such voucher of its
   own merchant; a checkout takes at most one of the program. A merchant's and the program's
   stack.
3. A money-off voucher counts the goods it may apply to: its merchant's (a merchant voucher), any
   (a program voucher); only those at list price unless it is "also on festival prices".
4. 满减 applies when those goods reach its threshold; 直降 always. The merchant's voucher comes
   off first, then the program's, which goes to the order where its goods are largest (the
   smallest merchant id on a tie).
5. A voucher never takes an order below one fen: its amount is cut to leave ¥0.01.
6. A free-pickup voucher (免取件费) pays the pickup point's fee for handing an order over, up to
   its amount per order, in place of the buyer: a merchant's for its own order, the program's for
   every order of the checkout. A checkout takes at most one; it stacks with money-off vouchers,
   since it takes nothing off the goods. It needs a pickup at a point that charges a fee.
So an order never costs less than ¥0.01 nor more than its goods at list price, and what the buyer
pays the point at pickup is between nothing and the point's fee.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.core.money import CENT, format_yuan
from cuncun.promotions.models import Funder, VoucherKind

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineToPrice:
    sku_id: int
    merchant_id: int
    list_price: Decimal
    quantity: int
    festival_price: Decimal | None = None

    @property
    def unit_price(self) -> Decimal:
        return self.festival_price if self.festival_price is not None else self.list_price

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class VoucherTerms:
    id: int
    name: str
    funder: str
    kind: str
    amount: Decimal
    threshold: Decimal = ZERO
    merchant_id: int | None = None
    with_festival_prices: bool = False


@dataclass
class OrderPrice:
    merchant_id: int
    lines: list[LineToPrice]
    # What the pickup point charges for handing this order over (0: a delivery, or no fee).
    pickup_fee: Decimal = ZERO
    discounts: list[tuple[VoucherTerms, Decimal]] = field(default_factory=list)  # off the goods
    fee_paid: list[tuple[VoucherTerms, Decimal]] = field(default_factory=list)  # of pickup_fee

    @property
    def list_total(self) -> Decimal:
        return sum((x.list_price * x.quantity for x in self.lines), ZERO)

    @property
    def goods(self) -> Decimal:
        return sum((x.total for x in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.goods - sum((amount for _v, amount in self.discounts), ZERO)

    @property
    def fee_due(self) -> Decimal:
        """What the buyer pays the point when the order is handed over."""
        return self.pickup_fee - sum((amount for _v, amount in self.fee_paid), ZERO)

    @property
    def taken(self) -> list[tuple[VoucherTerms, Decimal]]:
        """What each voucher used on this order takes of its budget."""
        return [*self.discounts, *self.fee_paid]

    def base_for(self, voucher: VoucherTerms) -> Decimal:
        """The goods of this order the voucher counts (rule 3)."""
        if voucher.merchant_id is not None and voucher.merchant_id != self.merchant_id:
            return ZERO
        return sum(
            (
                x.total
                for x in self.lines
                if voucher.with_festival_prices or x.festival_price is None
            ),
            ZERO,
        )


def price_orders(
    lines: list[LineToPrice], vouchers: list[VoucherTerms], pickup_fee: Decimal = ZERO
) -> dict[int, OrderPrice]:
    """The price of each merchant's order (by merchant id). `pickup_fee`: what the chosen pickup
    point charges for handing one order over (0 for a delivery). Raises InvalidInput naming every
    voucher that cannot be used, and why."""
    orders: dict[int, OrderPrice] = {}
    for line in lines:
        orders.setdefault(
            line.merchant_id, OrderPrice(line.merchant_id, [], pickup_fee=pickup_fee)
        ).lines.append(line)
    problems = _stacking_problems(vouchers)
    ordered = sorted(vouchers, key=lambda v: (v.funder != Funder.MERCHANT, v.id))
    for voucher in ordered:
        if problems:
            break
        if voucher.kind == VoucherKind.FREE_PICKUP:
            problem = _pay_pickup_fees(voucher, orders, pickup_fee)
        else:
            problem = _take_off(voucher, orders)
        if problem:
            problems.append(problem)
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return orders


def _take_off(voucher: VoucherTerms, orders: dict[int, OrderPrice]) -> str:
    """A money-off voucher off its order (rules 3 to 5); what stops it, if anything."""
    order = _order_for(voucher, orders)
    problem = _not_applicable(voucher, order)
    if not problem:
        order.discounts.append((voucher, min(voucher.amount, order.total - CENT)))
    return problem


def _pay_pickup_fees(voucher: VoucherTerms, orders: dict[int, OrderPrice], fee: Decimal) -> str:
    """A free-pickup voucher pays the fee of the orders it applies to (rule 6)."""
    paid = [o for o in orders.values() if voucher.merchant_id in (None, o.merchant_id)]
    if not paid:
        return _("%s: there are no goods it applies to") % voucher.name
    if fee <= ZERO:
        return _("%s: it pays a pickup point's fee; choose pickup at a point that charges one") % (
            voucher.name
        )
    for order in paid:
        order.fee_paid.append((voucher, min(voucher.amount, fee)))
    return ""


def _stacking_problems(vouchers: list[VoucherTerms]) -> list[str]:
    problems = []
    if len({v.id for v in vouchers}) != len(vouchers):
        problems.append(_("a voucher can be used once in a checkout"))
    money_off = [v for v in vouchers if v.kind != VoucherKind.FREE_PICKUP]
    if sum(v.funder == Funder.PROGRAM for v in money_off) > 1:
        problems.append(_("only one money-off voucher of the program can be used in a checkout"))
    merchants = [v.merchant_id for v in money_off if v.funder == Funder.MERCHANT]
    if len(set(merchants)) != len(merchants):
        problems.append(_("only one money-off voucher of each shop can be used in an order"))
    if len(vouchers) - len(money_off) > 1:
        problems.append(_("only one free-pickup voucher can be used in a checkout"))
    return problems


def _order_for(voucher: VoucherTerms, orders: dict[int, OrderPrice]) -> OrderPrice | None:
    if voucher.merchant_id is not None:
        return orders.get(voucher.merchant_id)
    candidates = sorted(orders.values(), key=lambda o: (-o.base_for(voucher), o.merchant_id))
    return candidates[0] if candidates else None


def _not_applicable(voucher: VoucherTerms, order: OrderPrice | None) -> str:
    base = order.base_for(voucher) if order is not None else ZERO
    if base <= ZERO:
        if voucher.with_festival_prices or order is None:
            return _("%s: there are no goods it applies to") % voucher.name
        return _("%s: it does not apply to goods at festival prices") % voucher.name
    if voucher.kind == VoucherKind.THRESHOLD and base < voucher.threshold:
        return _("%(name)s: needs goods of %(threshold)s, these come to %(base)s") % {
            "name": voucher.name,
            "threshold": format_yuan(voucher.threshold),
            "base": format_yuan(base),
        }
    if order.total <= CENT:
        return _("%s: the order cannot cost less") % voucher.name
    return ""
