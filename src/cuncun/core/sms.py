"""Messages to people by SMS, through a gateway interface.

`send_sms` writes an OutboxMessage in the caller's transaction (it commits or rolls back with the
change it reports) and hands it to the gateway after commit. The gateway is a class named by
settings.CUNCUN_SMS_GATEWAY with `deliver(message) -> (status, error)`; the default,
`OutboxGateway`, keeps the message in the outbox (admin: 待发短信) for staff to read or relay.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from cuncun.core.models import OutboxMessage


class OutboxGateway:
    """No SMS provider configured: keep every message where the county office can read it."""

    def deliver(self, message: OutboxMessage) -> tuple[str, str]:
        return OutboxMessage.Status.KEPT, ""


def gateway():
    return import_string(settings.CUNCUN_SMS_GATEWAY)()


def send_sms(*, to: str, text: str, reference: str = "") -> OutboxMessage:
    message = OutboxMessage.objects.create(to=to, text=text, reference=reference)
    transaction.on_commit(lambda: deliver(message.pk))
    return message


def deliver(message_id: int) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    if message.status != OutboxMessage.Status.QUEUED:
        return  # delivered already: a retry must not send twice
    try:
        status, error = gateway().deliver(message)
    except Exception as exc:  # a gateway's failure is recorded on the message, never lost
        status, error = OutboxMessage.Status.FAILED, str(exc)
    OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.QUEUED).update(
        status=status, error=error, handled_at=timezone.now()
    )
