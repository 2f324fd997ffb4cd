"""Background work of the orders app (django-tasks). Each task is safe to run again."""

from django_tasks import task

from cuncun.orders import services
from cuncun.orders.models import SandboxCharge
from cuncun.orders.payments import PROVIDERS


@task()
def release_expired_reservations() -> int:
    """Cancel checkouts left unpaid past their reservation and give their stock back.
    Run it every minute or so (`cuncun release_expired_reservations` from cron)."""
    return services.release_expired_reservations()


@task()
def deliver_sandbox_notification(charge_id: int) -> str:
    """The sandbox gateway's asynchronous, signed notification of a charge's state."""
    gateway = PROVIDERS["sandbox"]
    charge = SandboxCharge.objects.get(pk=charge_id)
    body, signature = gateway.notification(charge)
    return services.receive_gateway_callback(
        provider_code=gateway.code, body=body, signature=signature
    )


@task()
def send_refund(refund_id: int) -> str:
    """Have the payment provider pay a refund back; retried later if it fails."""
    return services.send_refund(refund_id=refund_id)
