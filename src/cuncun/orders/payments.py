"""Payment providers: one interface, two providers built in.

- `offline`: cash paid at a service point, confirmed there by its operator.
- `sandbox`: a stand-in for an online gateway that behaves like one. The buyer is redirected to
  its hosted page; it answers with an asynchronous notification signed with HMAC-SHA256 (and can
  be asked for the state of a charge, as real gateways can); its notifications carry an event id
  and a sequence number so that duplicates and out-of-order deliveries are harmless.

Providers never change orders themselves: they report `Notification`s, and
`orders.services.apply_payment_notification` (or `confirm_offline_payment`) is the only way an
order becomes paid. A provider talks to the outside; orders code calls it outside its own
transactions, and every call may be repeated: `start` opens one charge per payment, `refund` pays
each refund reference once, as real gateways do with the merchant's order and refund numbers.
"""

import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.core.errors import DomainError, InvalidInput
from cuncun.core.money import to_money
from cuncun.orders.models import Payment, SandboxCharge, SandboxRefund


class BadSignature(DomainError):
    code = "bad_signature"
    http_status = 400
    default_message = gettext_lazy("The notification's signature is not valid; it was refused.")


@dataclass(frozen=True)
class Notification:
    """What a gateway says about one payment, at one point of its life."""

    event_id: str
    reference: str  # our Payment.reference
    gateway_reference: str
    status: str  # pending | succeeded | failed | cancelled | refunded
    amount: Decimal
    sequence: int  # grows with each change of the charge; older news is ignored
    raw: dict


class PaymentProvider:
    code = ""
    name = ""
    # How long units stay reserved for a checkout paid this way.
    reservation_minutes = 15
    # Whether the money is taken in person at a service point.
    in_person = False

    def start(self, payment: Payment, *, return_url: str) -> str:
        """Open the payment with the provider (again: the same charge); answer the URL to send
        the buyer to, or "" when the buyer pays in person."""
        return ""

    def verify(self, body: bytes, signature: str) -> Notification:
        raise BadSignature()

    def query(self, payment: Payment) -> Notification | None:
        """Ask the provider for the payment's state; None when it cannot be asked."""
        return None

    def cancel(self, payment: Payment) -> None:
        """Withdraw an unpaid payment, so that it can no longer be paid."""

    def refund(self, payment: Payment, amount: Decimal, *, reference: str) -> str:
        """Give money back, once per `reference` (asked again, answer the first refund); answer
        the provider's reference for it."""
        return ""


class OfflinePayment(PaymentProvider):
    """Cash at the service point (现金支付): the point's operator confirms receipt."""

    code = "offline"
    name = gettext_lazy("cash at the service point")
    reservation_minutes = 24 * 60  # a day to get to the point
    in_person = True

    def refund(self, payment, amount, *, reference) -> str:
        return "cash"  # handed back at the point by the person recording the refund


class SandboxGateway(PaymentProvider):
    """A test gateway kept inside cuncun (沙箱支付). Never real money."""

    code = "sandbox"
    name = gettext_lazy("online payment (sandbox)")
    reservation_minutes = 15
    signature_header = "X-Sandbox-Signature"

    STATUS = {
        SandboxCharge.Status.OPEN: "pending",
        SandboxCharge.Status.PAID: "succeeded",
        SandboxCharge.Status.FAILED: "failed",
        SandboxCharge.Status.CLOSED: "cancelled",
        SandboxCharge.Status.REFUNDED: "refunded",
    }

    # --- what cuncun calls ------------------------------------------------------------------

    def start(self, payment, *, return_url):
        try:
            with transaction.atomic():
                charge, _created = SandboxCharge.objects.get_or_create(
                    merchant_reference=payment.reference,
                    defaults={
                        "token": secrets.token_urlsafe(18),
                        "amount": payment.amount,
                        "return_url": return_url,
                    },
                )
        except IntegrityError:  # the same payment opened twice at once: one charge
            charge = SandboxCharge.objects.get(merchant_reference=payment.reference)
        return reverse("orders:sandbox_gateway", args=[charge.token])

    def verify(self, body: bytes, signature: str) -> Notification:
        if not signature or not hmac.compare_digest(self.sign(body), signature):
            raise BadSignature()
        try:
            data = json.loads(body)
            return Notification(
                event_id=str(data["event_id"]),
                reference=str(data["reference"]),
                gateway_reference=str(data["charge"]),
                status=str(data["status"]),
                amount=to_money(str(data["amount"])),
                sequence=int(data["sequence"]),
                raw=data,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(_("The notification is not in the gateway's format.")) from error

    def query(self, payment):
        charge = SandboxCharge.objects.filter(merchant_reference=payment.reference).first()
        if charge is None:
            return None
        body, signature = self.notification(charge)
        return self.verify(body, signature)

    def cancel(self, payment):
        with transaction.atomic():
            charge = self._charge(payment)
            if charge and charge.status == SandboxCharge.Status.OPEN:
                self._move(charge, SandboxCharge.Status.CLOSED)

    def refund(self, payment, amount, *, reference):
        with transaction.atomic():
            charge = self._charge(payment)
            done = SandboxRefund.objects.filter(merchant_reference=reference).first()
            if done is not None:
                return done.gateway_reference  # asked again: it was paid once already
            if charge is None or charge.status not in {
                SandboxCharge.Status.PAID,
                SandboxCharge.Status.REFUNDED,
            }:
                raise InvalidInput(_("The gateway has no paid charge to refund."))
            charge.refunded_amount += amount
            if charge.refunded_amount > charge.amount:
                raise InvalidInput(_("The gateway cannot refund more than was paid."))
            if charge.refunded_amount == charge.amount:
                charge.status = SandboxCharge.Status.REFUNDED
            charge.sequence += 1
            charge.save(update_fields=["refunded_amount", "status", "sequence", "updated_at"])
            done = SandboxRefund.objects.create(
                charge=charge,
                merchant_reference=reference,
                amount=amount,
                gateway_reference=f"{charge.token}-r{charge.sequence}",
            )
        return done.gateway_reference

    # --- the gateway's side: its hosted page and its notifications ----------------------------

    def decide(self, token: str, *, pay: bool) -> SandboxCharge:
        """The buyer pays (or gives up) on the gateway's page; it then notifies cuncun."""
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(token=token).first()
            if charge is None:
                raise InvalidInput(_("The gateway knows no such charge."))
            if charge.status != SandboxCharge.Status.OPEN:
                return charge  # decided already (a double click): the first answer stands
            self._move(charge, SandboxCharge.Status.PAID if pay else SandboxCharge.Status.FAILED)
            transaction.on_commit(lambda: enqueue_notification(charge.pk))
        return charge

    def notification(self, charge: SandboxCharge) -> tuple[bytes, str]:
        body = json.dumps(
            {
                "event_id": f"{charge.token}:{charge.sequence}",
                "charge": charge.token,
                "reference": charge.merchant_reference,
                "status": self.STATUS[charge.status],
                "amount": str(charge.amount),
                "sequence": charge.sequence,
            },
            sort_keys=True,
        ).encode()
        return body, self.sign(body)

    def sign(self, body: bytes) -> str:
        secret = getattr(settings, "CUNCUN_SANDBOX_GATEWAY_SECRET", "") or settings.SECRET_KEY
        return salted_hmac(
            "cuncun.orders.sandbox-gateway", body, secret=secret, algorithm="sha256"
        ).hexdigest()

    def _charge(self, payment) -> SandboxCharge | None:
        return (
            SandboxCharge.objects.select_for_update()
            .filter(merchant_reference=payment.reference)
            .first()
        )

    def _move(self, charge: SandboxCharge, status: str) -> None:
        charge.status = status
        charge.sequence += 1
        charge.save(update_fields=["status", "sequence", "updated_at"])


def enqueue_notification(charge_id: int) -> None:
    """Deliver the gateway's notification asynchronously, through the task queue."""
    from cuncun.orders.tasks import deliver_sandbox_notification

    deliver_sandbox_notification.enqueue(charge_id)


PROVIDERS: dict[str, PaymentProvider] = {
    provider.code: provider for provider in (OfflinePayment(), SandboxGateway())
}


def get_provider(code: str) -> PaymentProvider:
    provider = PROVIDERS.get(code)
    if provider is None:
        raise InvalidInput(
            _("Unknown payment method %(code)s; choose one of: %(known)s.")
            % {"code": code, "known": ", ".join(sorted(PROVIDERS))},
            details={"provider": code},
        )
    return provider


def provider_choices() -> list[tuple[str, str]]:
    return [(code, str(p.name)) for code, p in PROVIDERS.items()]


# Other things paid through these providers (a homestay booking): each is known by the prefix of
# its reference and brings the function that applies a provider's notification to it. An app
# registers here at start-up (orders cannot import the apps below it); a provider sees such a
# payable as it sees a Payment: a `reference` and an `amount`.
OTHER_PAYABLES: dict[str, Callable[..., str]] = {}


def register_payable(prefix: str, apply_notification: Callable[..., str]) -> None:
    OTHER_PAYABLES[prefix] = apply_notification


def other_payable(reference: str) -> Callable[..., str] | None:
    """The function applying notifications about `reference`, if another app owns it."""
    return next(
        (apply for prefix, apply in OTHER_PAYABLES.items() if reference.startswith(prefix)), None
    )
