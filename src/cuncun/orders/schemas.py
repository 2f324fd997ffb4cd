from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class CartLineIn(Schema):
    sku: int
    quantity: int = 1


class QuantityIn(Schema):
    quantity: int


class CartLineOut(Schema):
    sku: int
    product: str
    variant: str
    merchant: str
    unit_price: Decimal
    quantity: int


class CartOut(Schema):
    lines: list[CartLineOut]
    total: Decimal


class CheckoutLineIn(Schema):
    sku: int
    quantity: int


class CheckoutIn(Schema):
    fulfilment: str  # delivery | pickup
    payment_provider: str  # offline | sandbox
    pickup_site: str | None = None  # site code
    recipient_name: str = ""
    recipient_phone: str = ""
    address: str = ""
    # "Buy now" lines; without them the caller's cart is checked out.
    lines: list[CheckoutLineIn] | None = None
    assisted_site: str | None = None  # site code: an operator buying for a villager (代购)
    on_behalf_of_name: str = ""
    on_behalf_of_phone: str = ""
    # Voucher batches to use (promotions): one of each shop, one of the program.
    vouchers: list[int] = Field(default_factory=list, max_length=10)


class OrderLineOut(Schema):
    sku: int
    product: str
    variant: str
    unit: str
    unit_price: Decimal
    list_price: Decimal | None = None
    quantity: int
    total: Decimal
    site: str


class OrderOut(Schema):
    id: int
    number: str
    checkout: int
    merchant_id: int
    merchant: str
    status: str
    total: Decimal
    pickup_fee: Decimal = Field(
        description="The pickup point's fee for handing the order over, as published when the "
        "order was placed; not in `total` (it is the point's, paid at the handover); 0 for a "
        "delivery or a point that charges none"
    )
    pickup_fee_due: Decimal = Field(
        description="What the buyer still pays at the counter: `pickup_fee` less what a "
        "free-pickup voucher pays of it"
    )
    fulfilment: str
    pickup_site: str | None
    created_at: datetime
    paid_at: datetime | None
    tracking_number: str
    lines: list[OrderLineOut]


class CheckoutOut(Schema):
    checkout: int
    total: Decimal
    reserved_until: datetime
    payment_provider: str
    replayed: bool
    orders: list[OrderOut]


class ShipIn(Schema):
    carrier: str = ""  # carrier code
    tracking_number: str = ""


class ReasonIn(Schema):
    reason: str = ""


class PickupIn(Schema):
    code: str


class PaymentIn(Schema):
    checkout: int
    provider: str | None = None
    return_url: str = ""


class PaymentOut(Schema):
    reference: str
    checkout: int
    provider: str
    amount: Decimal
    status: str
    redirect_url: str
    site: str | None
    orders: list[dict]


class ConfirmIn(Schema):
    amount: Decimal | None = None


class OutcomeOut(Schema):
    outcome: str
