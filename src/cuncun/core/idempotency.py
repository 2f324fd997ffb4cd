"""Retried writes: the second delivery of the same key returns the first result."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.models import IdempotencyKey

MAX_KEY_LENGTH = 128


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_once(
    *,
    scope: str,
    key: str,
    actor,
    payload: Any,
    write: Callable[[], dict],
    look_first: bool = True,
) -> tuple[dict, bool]:
    """Run `write` once per (scope, key). Returns (result, replayed).

    `write` runs in the same transaction as the key row, so a failed write leaves no key and
    may be retried. A key reused for a different request is refused rather than replayed.

    `look_first=False` is for a hot write whose keys are new but for a retried request (a
    checkout in a flash sale): the lookup before the write is skipped, and a repeat is found
    when its key row collides with the first one's, after its `write` ran and was rolled back.
    Such a `write` must do nothing outside the transaction, and a caller refused by it (stock
    taken by the first delivery) looks the key up itself (`stored_result`).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(_("An idempotency key of 1 to 128 characters is required."))
    digest = fingerprint(payload)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    if look_first:
        existing = _stored(scope, key, digest)
        if existing is not None:
            return existing, True
    try:
        with transaction.atomic():
            result = write()
            IdempotencyKey.objects.create(
                scope=scope, key=key, actor_id=actor_id, fingerprint=digest, result=result
            )
            return result, False
    except IntegrityError:
        # A concurrent delivery of the same key committed first: answer with its result.
        stored = _stored(scope, key, digest)
        if stored is None:
            raise
        return stored, True


def stored_result(*, scope: str, key: str, payload: Any) -> dict | None:
    """The result kept for this key, None if there is none; Conflict if the key was used for a
    different request."""
    return _stored(scope, key, fingerprint(payload))


def _stored(scope: str, key: str, digest: str) -> dict | None:
    row = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if row is None:
        return None
    if row.fingerprint != digest:
        raise Conflict(
            _("This idempotency key was already used for a different request."),
            details={"key": key},
        )
    return row.result
