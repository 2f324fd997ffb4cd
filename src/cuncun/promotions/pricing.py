"""What a checkout costs, order by order: pure arithmetic on the prices in force and the vouchers
the buyer chose, with no database, so the rules can be tested exhaustively.

The rules (explicit, in this order):
1. A line costs its festival price when its SKU is in a running campaign, else its list price.
2. An order (one merchant's goods) takes at most one voucher of its own merchant; a checkout
   takes at most one program voucher. A merchant voucher and a program voucher stack.
3. A voucher counts the goods it may apply to: its merchant's (a merchant voucher), any (a
   program voucher); only those at list price unless it is "also on festival prices".
4. 满减 applies when those goods reach its threshold; 直降 always. The merchant's voucher comes
   off first, then the program's, which goes to the order where its goods are largest (the
   smallest merchant id on a tie).
5. A voucher never takes an order below one fen: its amount is cut to leave ¥0.01.
So an order never costs less than ¥0.01 nor more than its goods at list price.
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
    discounts: list[tuple[VoucherTerms, Decimal]] = field(default_factory=list)

    @property
    def list_total(self) -> Decimal:
        return sum((x.list_price * x.quantity for x in self.lines), ZERO)

    @property
    def goods(self) -> Decimal:
        return sum((x.total for x in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.goods - sum((amount for _v, amount in self.discounts), ZERO)

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


def price_orders(lines: list[LineToPrice], vouchers: list[VoucherTerms]) -> dict[int, OrderPrice]:
    """The price of each merchant's order (by merchant id). Raises InvalidInput naming every
    voucher that cannot be used, and why."""
    orders: dict[int, OrderPrice] = {}
    for line in lines:
        orders.setdefault(line.merchant_id, OrderPrice(line.merchant_id, [])).lines.append(line)
    problems = _stacking_problems(vouchers)
    ordered = sorted(vouchers, key=lambda v: (v.funder != Funder.MERCHANT, v.id))
    for voucher in ordered:
        if problems:
            break
        order = _order_for(voucher, orders)
        problem = _not_applicable(voucher, order)
        if problem:
            problems.append(problem)
            continue
        room = order.total - CENT
        order.discounts.append((voucher, min(voucher.amount, room)))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return orders


def _stacking_problems(vouchers: list[VoucherTerms]) -> list[str]:
    problems = []
    if len({v.id for v in vouchers}) != len(vouchers):
        problems.append(_("a voucher can be used once in a checkout"))
    if sum(v.funder == Funder.PROGRAM for v in vouchers) > 1:
        problems.append(_("only one program voucher can be used in a checkout"))
    merchants = [v.merchant_id for v in vouchers if v.funder == Funder.MERCHANT]
    if len(set(merchants)) != len(merchants):
        problems.append(_("only one voucher of each shop can be used in an order"))
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
