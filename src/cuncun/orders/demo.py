"""Demo orders, placed and moved through the real services: an assisted purchase (代购) at the
demo operator's point, picked up with its code; a shopper's two-seller checkout paid online; a
cash order waiting at the point's counter; an order waiting for pickup at a partner store; a
farmer's rice taken in on consignment (代售) at 8% commission, part of it sold and picked up;
a festival that has ended, with its orders (购物节成效 has something to count).
Safe to run twice (each checkout has a fixed idempotency key)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cuncun.accounts.models import User
from cuncun.catalog.services import InsufficientStock
from cuncun.core.errors import DomainError
from cuncun.merchants.models import Merchant
from cuncun.network.models import CommissionRate, Site, SiteKind
from cuncun.network.services import set_commission_rate
from cuncun.orders import consignment, services
from cuncun.orders.models import Order, OrderStatus, PreorderOffer, SandboxCharge
from cuncun.orders.payments import PROVIDERS
from cuncun.orders.preorders import open_preorder
from cuncun.orders.services import CheckoutRequest
from cuncun.promotions.demo import county_festival, demo_sku


def load_demo() -> None:
    users = {
        u.username: u for u in User.objects.filter(username__in=["operator", "commerce", "office"])
    }
    operator = users.get("operator")
    point = Site.objects.operated_by(operator).serving().first() if operator else None
    if point is None or len(users) < 3:
        return  # the network demo (sites, the operator's point) is not there
    store = Site.objects.serving().filter(kind=SiteKind.PICKUP_STORE).order_by("pk").first()
    try:
        _assisted_purchase(operator, point)
        _two_sellers_online(users["commerce"])
        _cash_waiting(users["office"], point)
        if store is not None:
            _waiting_at_store(users["commerce"], store)
        _spring_tea_preorder()
        _consignment(users["office"], operator, point, users["commerce"])
        _past_festival(users["office"])
    except (InsufficientStock, DomainError) as error:
        print(f"orders demo: skipped a demo order ({error})")


def _place(actor, key: str, request: CheckoutRequest):
    lines = [(sku.pk, q) for sku, q in request.lines if sku is not None]
    if not lines:
        return None
    request.lines = lines
    return services.place_order(actor=actor, idempotency_key=f"demo-{key}", request=request)


def _pay_cash(placed, operator) -> None:
    payment = services.start_payment(actor=placed.checkout.buyer, checkout=placed.checkout)
    services.confirm_offline_payment(actor=operator, payment=payment)


def _pay_online(placed) -> None:
    buyer = placed.checkout.buyer
    payment = services.start_payment(
        actor=buyer, checkout=placed.checkout, return_url="/market/orders/"
    )
    charge = SandboxCharge.objects.get(merchant_reference=payment.reference)
    PROVIDERS["sandbox"].decide(charge.token, pay=True)
    services.refresh_payment(actor=buyer, payment=payment)


def _advance(order: Order, until: str, operator=None) -> None:
    """Walk a paid order forward, as its seller (the demo acts for sellers without accounts)."""
    order = Order.objects.get(pk=order.pk)
    steps = [OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.AT_PICKUP_POINT]
    for step in steps:
        if order.status == until or order.status not in {
            OrderStatus.PAID,
            OrderStatus.PACKED,
            OrderStatus.SHIPPED,
        }:
            return
        if step == OrderStatus.PACKED and order.status == OrderStatus.PAID:
            services.pack_order(actor=None, order=order)
        elif step == OrderStatus.SHIPPED and order.status == OrderStatus.PACKED:
            services.ship_order(actor=None, order=order, tracking_number="YZ9800001234")
        elif step == OrderStatus.AT_PICKUP_POINT and order.status == OrderStatus.SHIPPED:
            services.receive_at_point(actor=operator, order=order)
        order = Order.objects.get(pk=order.pk)


def _assisted_purchase(operator, point) -> None:
    # An invented villager the point buys for; written down again, the same phone gives them back.
    villager = services.register_villager(
        actor=operator, site=point, name="玉坎（演示）", phone="13900009001", village=point.region
    )
    placed = _place(
        operator,
        "assisted-1",
        CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=point.pk,
            assisted_site_id=point.pk,
            villager_id=villager.pk,
            lines=[(demo_sku("菜籽油"), 1), (demo_sku("洗衣粉"), 2)],
        ),
    )
    if placed is None or placed.replayed:
        return
    _pay_cash(placed, operator)
    for order in placed.orders:
        _advance(order, OrderStatus.AT_PICKUP_POINT, operator)
        order = Order.objects.get(pk=order.pk)
        if order.status == OrderStatus.AT_PICKUP_POINT:
            services.pick_up_order(actor=operator, order=order, code=order.pickup_code)


def _two_sellers_online(buyer) -> None:
    placed = _place(
        buyer,
        "online-1",
        CheckoutRequest(
            fulfilment="delivery",
            payment_provider="sandbox",
            recipient_name="李春燕（演示）",
            recipient_phone="13900000002",
            address="云南省昆明市五华区演示路1号",
            lines=[(demo_sku("勐龙古树普洱生茶饼"), 2), (demo_sku("香蕉"), 1)],
        ),
    )
    if placed is None or placed.replayed:
        return
    _pay_online(placed)
    for order in placed.orders:
        if order.merchant.owner_id is None:  # the tea garden packs its own; the rest ship
            _advance(order, OrderStatus.SHIPPED)


def _cash_waiting(buyer, point) -> None:
    placed = _place(
        buyer,
        "cash-1",
        CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=point.pk,
            lines=[(demo_sku("曼达紫米"), 3)],
        ),
    )
    if placed is not None and not placed.replayed:
        services.start_payment(actor=buyer, checkout=placed.checkout)


def _waiting_at_store(buyer, store) -> None:
    placed = _place(
        buyer,
        "store-1",
        CheckoutRequest(
            fulfilment="pickup",
            payment_provider="sandbox",
            pickup_site_id=store.pk,
            lines=[(demo_sku("百花蜜"), 1)],
        ),
    )
    if placed is None or placed.replayed:
        return
    _pay_online(placed)
    store_operator = User.objects.filter(
        operated_sites__site=store, operated_sites__until__isnull=True
    ).first()
    for order in placed.orders:
        _advance(order, OrderStatus.AT_PICKUP_POINT, store_operator)


def _spring_tea_preorder() -> None:
    """The tea garden's spring tea, open for pre-order until the end of February."""
    sku = demo_sku("春茶头采毛茶")
    if sku is None or PreorderOffer.objects.filter(sku=sku).exists():
        return
    today = timezone.localdate()
    harvest = date(today.year + 1, 3, 20)
    closes = timezone.make_aware(datetime.combine(harvest - timedelta(days=20), time(20)))
    open_preorder(
        actor=None,
        sku=sku,
        price="108",
        quota=50,
        closes_at=closes,
        expected_harvest=harvest,
        expected_grade="特级",
    )


def _consignment(office, operator, point, buyer) -> None:
    """The county office sets the point's commission; the operator takes in 岩温's glutinous rice
    and a shopper buys and collects 5 jin of it, so the farmer has money to collect."""
    if not CommissionRate.objects.filter(site=point).exists():
        set_commission_rate(actor=office, site=point, percent="8", reason="演示数据：示范佣金比例")
    farmer = Merchant.objects.filter(name="岩温（演示）", represented_by=operator).first()
    rice = demo_sku("傣家香糯米")
    if farmer is None or rice is None or farmer.consignments.exists():
        return
    consignment.receive_consignment(
        actor=operator, site=point, farmer=farmer, sku=rice, quantity=30, note="演示数据"
    )
    placed = _place(
        buyer,
        "consigned-1",
        CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=point.pk,
            lines=[(rice, 5)],
        ),
    )
    if placed is None or placed.replayed:
        return
    _pay_cash(placed, operator)
    for order in placed.orders:
        _advance(order, OrderStatus.AT_PICKUP_POINT, operator)
        order = Order.objects.get(pk=order.pk)
        if order.status == OrderStatus.AT_PICKUP_POINT:
            services.pick_up_order(actor=operator, order=order, code=order.pickup_code)


PAST_FESTIVAL = "金秋农产品网购节（演示数据）"
# (product, festival price, per buyer, units set aside): a poverty-registered farmer's rice from a
# village of 嘎洒镇, a family farm's bananas, 勐养's honey
PAST_FESTIVAL_GOODS = [("曼达紫米", "10", 10, 30), ("香蕉", "32", 3, 10), ("百花蜜", "49", 2, 8)]
# (buyer's username, key, [(product, units)]); the last one is refunded and so not counted
PAST_FESTIVAL_ORDERS = [
    ("13900000009", "festival-1", [("曼达紫米", 5), ("香蕉", 1)]),
    ("commerce", "festival-2", [("曼达紫米", 3), ("百花蜜", 2)]),
    ("finance", "festival-3", [("香蕉", 2), ("百花蜜", 1)]),
    ("13900000009", "festival-4", [("百花蜜", 1)]),
]
PAST_FESTIVAL_REFUNDED = "festival-4"


def _past_festival(office) -> None:
    """A county festival that ends a minute after the demo is loaded. The checkout prices at the
    moment of reservation and no service moves a campaign's window or closes it early, so its
    orders are placed and paid through the services while it runs; it ends on its own, and the
    results page then shows a past festival."""
    now = timezone.now()
    campaign = county_festival(
        actor=office,
        name=PAST_FESTIVAL,
        description="演示数据：载入演示后一分钟结束",
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(minutes=1),
        goods=PAST_FESTIVAL_GOODS,
    )
    if campaign is None:
        return
    names = {username for username, _key, _lines in PAST_FESTIVAL_ORDERS}
    buyers = {u.username: u for u in User.objects.filter(username__in=names)}
    for username, key, lines in PAST_FESTIVAL_ORDERS:
        if username not in buyers:
            continue
        placed = _place(
            buyers[username],
            key,
            CheckoutRequest(
                fulfilment="delivery",
                payment_provider="sandbox",
                recipient_name="陈小雨（演示）",
                recipient_phone="13900000009",
                address="云南省西双版纳州景洪市演示路8号",
                lines=[(demo_sku(name), n) for name, n in lines],
            ),
        )
        if placed is None or placed.replayed:
            continue
        _pay_online(placed)
        if key == PAST_FESTIVAL_REFUNDED:
            buyer = buyers[username]
            for order in placed.orders:
                services.refund_order(actor=buyer, order=order, reason="买重了（演示）")
