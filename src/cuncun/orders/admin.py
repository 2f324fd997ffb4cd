from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.orders.models import (
    Checkout,
    Order,
    Payment,
    PaymentEvent,
    Refund,
    SandboxCharge,
)


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "buyer", "fulfilment", "pickup_site", "total", "created_at"]
    exclude = ["recipient_phone", "on_behalf_of_phone"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "merchant", "status", "total", "paid_at", "created_at"]
    list_filter = ["status"]
    exclude = ["pickup_code"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "provider", "amount", "status", "created_at"]
    list_filter = ["provider", "status"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_id", "source", "outcome", "detail"]
    list_filter = ["provider", "outcome", "signature_valid"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds and whether their provider paid them back; the office sends failed ones again
    from its order page."""

    list_display = ["id", "order", "payment", "amount", "status", "attempts", "created_at"]
    list_filter = ["status"]


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdmin):
    list_display = ["token", "merchant_reference", "amount", "status", "sequence"]
