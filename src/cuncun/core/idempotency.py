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
    *, scope: str, key: str, actor, payload: Any, write: Callable[[], dict]
) -> tuple[dict, bool]:
    """Run `write` once per (scope, key). Returns (result, replayed).

    `write` runs in the same transaction as the key row, so a failed write leaves no key and
    may be retried. A key reused for a different request is refused rather than replayed.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(_("An idempotency key of 1 to 128 characters is required."))
    digest = fingerprint(payload)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
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
