"""Writing the audit log. Services call `record` inside their own transaction."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from cuncun.core.models import AuditEntry


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, JSON-ready, for an entry's before/after."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    # Dates, decimals and the like become the strings DjangoJSONEncoder makes of them.
    values = {name: getattr(obj, name) for name in names}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def record(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry. Refuses to run outside a transaction: the entry and the change it
    describes must commit or fail together."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction.atomic")
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        reason=reason,
    )
