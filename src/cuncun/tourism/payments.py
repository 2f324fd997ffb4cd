"""How bookings are paid: through orders' payment providers, which hand a booking's
notifications (by its reference's prefix) back to tourism."""

from cuncun.orders.payments import register_payable


def register() -> None:
    from cuncun.tourism.services import BOOKING_REFERENCE_PREFIX, apply_booking_notification

    register_payable(BOOKING_REFERENCE_PREFIX, apply_booking_notification)
