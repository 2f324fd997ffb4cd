"""Background work of the tourism app (django-tasks). Each task is safe to run again."""

from django_tasks import task

from cuncun.tourism import services


@task()
def send_booking_refund(booking_id: int) -> str:
    """Have the payment provider pay a cancelled booking's refund back."""
    return services.send_booking_refund(booking_id=booking_id)


@task()
def release_expired_holds() -> int:
    """Give back the nights of bookings unpaid past their hold."""
    return services.release_expired_holds()
