"""Base mixins and the two ledgers every app writes into: the audit log and idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class MoneyField(models.DecimalField):
    """CNY with two places; never a float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEntry(models.Model):
    """One change of money, stock, status or reference data: who, when, what, before and after.

    Append-only: services create rows, nothing updates or deletes them.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system itself acted (a loader, a scheduled task)."),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class IdempotencyKey(models.Model):
    """The first result of a write a client may retry; a retry with the same key gets it back."""

    scope = models.CharField(_("operation"), max_length=64)
    key = models.CharField(_("key"), max_length=128)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    result = models.JSONField(_("result"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique_in_scope")
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class OutboxMessage(models.Model):
    """A message to a person (an SMS), written in the same transaction as the change it reports.

    The configured gateway delivers it; the default gateway keeps it here for the admin to read,
    so that a message is never silently dropped.
    """

    class Status:
        QUEUED = "queued"  # written, not yet handed to a gateway
        SENT = "sent"  # the gateway accepted it
        KEPT = "kept"  # no real gateway: kept in the outbox for staff to read and relay
        FAILED = "failed"  # the gateway refused it

        choices = [
            (QUEUED, _("queued")),
            (SENT, _("sent")),
            (KEPT, _("kept in outbox")),
            # In context: the shared catalogue outranks the apps', and "发送失败" is a message's
            # word only (a roster import that failed reads "失败").
            (FAILED, pgettext_lazy("text message", "failed")),
        ]

    channel = models.CharField(_("channel"), max_length=16, default="sms")
    to = models.CharField(_("to"), max_length=20)
    text = models.TextField(_("text"))
    reference = models.CharField(_("reference"), max_length=100, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.channel} → {self.to}: {self.text[:30]}"
