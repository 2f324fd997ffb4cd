"""Base mixins and the two ledgers every app writes into: the audit log and idempotency keys."""

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core import crypto
from cuncun.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from cuncun.core.personal import mask_id_number


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


def id_number_q(id_numbers, path: str = "") -> models.Q:
    """Rows (or rows related through `path`, e.g. "trainee__") holding one of these resident ID
    numbers, found by their keyed hash under every known key (the column holds no ID)."""
    keys = crypto.keyring()
    digests = [d for n in id_numbers if n for d in keys.digests(n, crypto.ID_NUMBER)]
    return models.Q(**{f"{path}id_number_digest__in": digests})


class SealedIdNumberQuerySet(models.QuerySet):
    def with_id_number(self, id_number: str):
        return self.filter(id_number_q([id_number]))

    def with_id_numbers(self, id_numbers):
        return self.filter(id_number_q(id_numbers))


class SealedIdNumber(models.Model):
    """A resident ID number sealed at rest (core.crypto): the ciphertext, with the id of the key
    that sealed it, and its keyed hash for lookups and uniqueness. `id_number` reads and sets it
    in clear (empty stays empty); querysets find it with `with_id_number`. Read in full, it is
    shown only through `cuncun.core.reveal.reveal_personal_data`, which audits the look."""

    id_number_encrypted = models.CharField(
        _("ID number (encrypted)"), max_length=120, blank=True, editable=False
    )
    id_number_digest = models.CharField(
        _("ID number (keyed hash)"), max_length=64, blank=True, editable=False
    )

    class Meta:
        abstract = True

    @property
    def id_number(self) -> str:
        sealed = self.id_number_encrypted
        opened = self.__dict__.get("_id_number_opened")
        if opened is None or opened[0] != sealed:
            opened = (sealed, crypto.open_id_number(sealed))
            self.__dict__["_id_number_opened"] = opened
        return opened[1]

    @id_number.setter
    def id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        keys = crypto.keyring()
        self.id_number_encrypted = keys.seal(value, crypto.ID_NUMBER) if value else ""
        self.id_number_digest = keys.digest(value, crypto.ID_NUMBER) if value else ""
        self.__dict__["_id_number_opened"] = (self.id_number_encrypted, value)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


SEAL_BATCH = 500  # rows sealed or re-sealed per transaction


def _pk_batches(queryset, batch_size: int):
    """The rows of `queryset` in primary-key order, a batch at a time, each batch read afresh
    (so a long run neither holds every row in memory nor one transaction open)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def seal_clear_id_numbers(model, batch_size: int = SEAL_BATCH) -> None:
    """For the migration that seals a table: fill each row's sealed pair from its clear
    `id_number` (a historical model, which has no `SealedIdNumber` property)."""
    keys = crypto.keyring()
    for batch in _pk_batches(
        model.objects.exclude(id_number="").exclude(id_number=None), batch_size
    ):
        for row in batch:
            value = row.id_number.strip().upper()
            row.id_number_encrypted = keys.seal(value, crypto.ID_NUMBER)
            row.id_number_digest = keys.digest(value, crypto.ID_NUMBER)
        with transaction.atomic():
            model.objects.bulk_update(batch, ["id_number_encrypted", "id_number_digest"])


def unseal_id_numbers(model, batch_size: int = SEAL_BATCH) -> None:
    """The way back (the migration's reverse): the clear `id_number` from the sealed pair."""
    keys = crypto.keyring()
    for batch in _pk_batches(model.objects.exclude(id_number_encrypted=""), batch_size):
        for row in batch:
            row.id_number = keys.open(row.id_number_encrypted, crypto.ID_NUMBER)
        with transaction.atomic():
            model.objects.bulk_update(batch, ["id_number"])


def reseal_id_numbers(model, batch_size: int = SEAL_BATCH) -> int:
    """Seal again under the current key every row of `model` sealed under an old one; returns
    how many. Each row is written only if it still holds what was read (a row changed meanwhile
    is already under the current key), so it is safe beside the servers and to run again."""
    keys = crypto.keyring()
    stale = model.objects.exclude(id_number_encrypted="").exclude(
        id_number_encrypted__startswith=f"{keys.current.id}:"
    )
    resealed = 0
    for batch in _pk_batches(stale.only("pk", "id_number_encrypted"), batch_size):
        with transaction.atomic():
            for row in batch:
                value = keys.open(row.id_number_encrypted, crypto.ID_NUMBER)
                resealed += model.objects.filter(
                    pk=row.pk, id_number_encrypted=row.id_number_encrypted
                ).update(
                    id_number_encrypted=keys.seal(value, crypto.ID_NUMBER),
                    id_number_digest=keys.digest(value, crypto.ID_NUMBER),
                )
    return resealed


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
    # In context: Django's admin has its own word for its log's "object id".
    object_id = models.CharField(pgettext_lazy("audit", "object id"), max_length=64)
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
    # In context: the shared catalogue outranks the apps', where "to" is a status change's.
    to = models.CharField(pgettext_lazy("text message", "to"), max_length=20)
    text = models.TextField(_("text"))
    reference = models.CharField(
        pgettext_lazy("related record", "reference"), max_length=100, blank=True, db_index=True
    )
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


class ImportStatus:
    """Where a spreadsheet import handed to a background worker stands."""

    QUEUED = "queued"  # uploaded, waiting for a worker
    VALIDATING = "validating"  # the worker is checking the rows
    NEEDS_DECISION = "needs_decision"  # bad rows found, nothing imported: the user decides
    IMPORTING = "importing"  # writing the good rows
    DONE = "done"  # imported
    FAILED = "failed"  # could not be read or written, or bad rows; nothing imported
    DISCARDED = "discarded"  # bad rows, and the user chose to import nothing

    # In their own context: "queued" and "failed" are also the SMS outbox's words, told otherwise.
    choices = [
        (QUEUED, pgettext_lazy("file import", "queued")),
        (VALIDATING, pgettext_lazy("file import", "checking rows")),
        (NEEDS_DECISION, pgettext_lazy("file import", "bad rows: nothing imported")),
        (IMPORTING, pgettext_lazy("file import", "importing")),
        (DONE, pgettext_lazy("file import", "imported")),
        (FAILED, pgettext_lazy("file import", "failed")),
        (DISCARDED, pgettext_lazy("file import", "discarded")),
    ]
    RUNNING = {QUEUED, VALIDATING, IMPORTING}
    FINISHED = {DONE, FAILED, DISCARDED}
    # A running import that has not moved for this long has lost its worker (a crash, a restart):
    # checking reports progress every few hundred rows and writing takes well under a minute.
    STALLED_AFTER = timedelta(minutes=10)


class FileImport(models.Model):
    """A spreadsheet handed in for a background worker to check and import, with its progress
    and outcome, so that a large file never holds a request and the page can show how far it got.

    The file is kept in the database (any worker can read it, no shared disk) only until the
    import ends: the personal data in it is then stored once, on the rows it made, or nowhere."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(_("file content"), null=True, blank=True)
    good_rows_only = models.BooleanField(_("import the good rows only"), default=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    good_rows = models.PositiveIntegerField(_("good rows"), default=0)
    bad_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    problems = models.JSONField(_("bad rows"), default=list, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progressed_at = models.DateTimeField(
        _("last progress at"),
        null=True,
        blank=True,
        help_text=_(
            "When the worker last reported progress: a running import silent for long has stalled."
        ),
    )

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        return self.status in ImportStatus.RUNNING

    @property
    def is_stalled(self) -> bool:
        """Running, but its worker has not reported for STALLED_AFTER: shown as failed."""
        last = self.progressed_at or self.uploaded_at
        return (
            self.is_running
            and last is not None
            and timezone.now() - last > ImportStatus.STALLED_AFTER
        )

    @property
    def is_progressing(self) -> bool:
        """What the page follows (polls) until it ends."""
        return self.is_running and not self.is_stalled

    @property
    def state_label(self) -> str:
        if self.is_stalled:
            return str(_("stalled: failed"))
        return self.get_status_display()

    @property
    def stalled_minutes(self) -> int:
        return int(ImportStatus.STALLED_AFTER.total_seconds() // 60)

    @property
    def percent(self) -> int:
        if self.status in ImportStatus.FINISHED | {ImportStatus.NEEDS_DECISION}:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))
