"""Businesses that report their sales: a tea garden with its owner's account in 勐龙镇 and a
farmer without an account in 嘎洒镇; the plan's [[reporting]] rules are loaded."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.merchants.models import MerchantKind, Platform
from cuncun.monitoring.services import PlatformSales, accept_sales_report, submit_sales_report
from tests.conftest import township, village
from tests.factories import site_in
from tests.merchants import factories as f


@pytest.fixture
def reporters(plan, make_user, office_user, gasa_staff, menglong_staff):
    owner = make_user("tea", Role.MERCHANT, township("勐龙镇"))
    tea_garden = f.merchant("刘家茶园", owner=owner)
    farmer = f.merchant("岩香农户", region=township("嘎洒镇"), kind=MerchantKind.FARMER)
    return SimpleNamespace(
        owner=owner,
        tea_garden=tea_garden,
        farmer=farmer,
        office=office_user,
        gasa=gasa_staff,
        menglong=menglong_staff,
    )


def taobao(farm, other="0", orders=1, b2b="0", platform=Platform.TAOBAO) -> PlatformSales:
    return PlatformSales(
        platform=platform,
        farm_sales=Decimal(farm),
        other_sales=Decimal(other),
        orders=orders,
        b2b_sales=Decimal(b2b),
    )


def accepted(r, merchant, month: date, *lines, actor=None, reason=""):
    """A report submitted by whoever reports for the merchant and accepted by the office."""
    reporter = actor or (r.owner if merchant.owner_id else r.office)
    report = submit_sales_report(
        actor=reporter, merchant=merchant, month=month, lines=list(lines), reason=reason
    )
    return accept_sales_report(actor=r.office, report=report)


@pytest.fixture
def market_sale(county, make_user):
    """Sell one unit of a new product of `merchant` at `price` on the market, paid in cash at a
    village point, as if paid at `paid_at` (local time)."""
    from cuncun.accounts.models import User
    from cuncun.orders.models import Order
    from cuncun.orders.services import (
        CheckoutRequest,
        confirm_offline_payment,
        place_order,
        start_payment,
    )
    from tests.conftest import PASSWORD

    operator = f.operator_of(make_user, username="sale-operator")
    point = f.pickup_point(operator=operator, name="曼达村服务点")
    warehouse = f.warehouse(county)
    buyer = User.objects.create_user("sale-buyer", password=PASSWORD, phone="13800000009")
    sold = []

    def sell(merchant, paid_at: datetime, price: str, category=None) -> Order:
        product = f.product(merchant, f"商品{len(sold)}", price=price, cat=category)
        sku = product.skus.get()
        f.stock(sku, warehouse, 10)
        placed = place_order(
            actor=buyer,
            idempotency_key=f"sale-{len(sold)}",
            request=CheckoutRequest(
                fulfilment="pickup",
                payment_provider="offline",
                pickup_site_id=point.pk,
                lines=[(sku.pk, 1)],
            ),
        )
        payment = start_payment(actor=buyer, checkout=placed.checkout)
        confirm_offline_payment(actor=operator, payment=payment, amount=price)
        order = Order.objects.get(checkout=placed.checkout)
        # Given: paid on that day (the market records the moment it is paid).
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.make_aware(paid_at))
        sold.append(order)
        return order

    return sell


@pytest.fixture
def carriers(county):
    from cuncun.logistics.carriers import install_standard_carriers

    return install_standard_carriers()


@pytest.fixture
def points(county, carriers):
    """Two village points whose parcels the carriers bring: 曼达 (嘎洒镇) and one of 勐龙镇."""
    return [
        site_in(village("嘎洒镇", "曼达村委会"), name="曼达村服务点"),
        site_in(township("勐龙镇").children.order_by("code").first(), name="勐龙村服务点"),
    ]
