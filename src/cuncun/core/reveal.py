"""Showing personal data in full: the one way a full ID number or phone number reaches a screen or
a file. Every page, export and API shows them masked; a person whose work needs the full number
(the training office checking an ID card, an operator calling a farmer, a host calling a guest)
opens it here, and each look leaves an audit row in the same transaction.

Who may open what is the owning app's rule: each app registers, at ready(), the fields of its
models that can be opened and a predicate `may_see(actor, subject)` (apps above core decide,
core only enforces and records). An export that must carry full numbers writes one audit row
saying what it holds and for how many people (`record_personal_data_export`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from cuncun.core import audit
from cuncun.core.errors import NotAllowed

SHOWN = "personal_data.shown"
EXPORTED = "personal_data.exported"


@dataclass(frozen=True)
class Disclosure:
    fields: frozenset[str]
    may_see: Callable[[object, models.Model], bool]
    refusal: str


_rules: dict[str, Disclosure] = {}
REFUSAL = _("You may not see this person's full numbers.")


def allow_reveal(
    model: type[models.Model],
    fields: Iterable[str],
    *,
    may_see: Callable[[object, models.Model], bool],
    refusal=REFUSAL,
) -> None:
    """Called by the owning app at ready(): these fields of `model` may be opened by whoever
    `may_see` allows (it is given the actor and the row), refused with `refusal` otherwise."""
    _rules[model._meta.label_lower] = Disclosure(frozenset(fields), may_see, refusal)


def may_reveal(actor, subject: models.Model) -> bool:
    """Whether `actor` may open this row's personal data (to offer the button or not)."""
    rule = _rules.get(subject._meta.label_lower)
    return bool(rule and getattr(actor, "is_authenticated", False) and rule.may_see(actor, subject))


def reveal_personal_data(
    *, actor, subject: models.Model, fields: Iterable[str], reason: str = ""
) -> dict[str, str]:
    """The full values of `fields` of `subject` for `actor`, after checking the owning app's rule;
    the look is recorded (who, whose, which fields, why) before anything is returned."""
    fields = sorted(set(fields))
    rule = _rules.get(subject._meta.label_lower)
    if rule is None or not set(fields) <= rule.fields:
        raise LookupError(f"{subject._meta.label} does not allow revealing {fields}")
    if not may_reveal(actor, subject):
        raise NotAllowed(rule.refusal)
    with transaction.atomic():
        audit.record(
            actor=actor, action=SHOWN, obj=subject, after={"fields": fields}, reason=reason
        )
    return {name: getattr(subject, name) for name in fields}


def record_personal_data_export(
    *,
    actor,
    fields: Iterable[str],
    people: int,
    reason: str,
    obj: models.Model | None = None,
) -> None:
    """An export that carries full numbers (a recall's call list, a register for its keepers):
    one audit row on what it is about (`obj`, else the person who took it), naming the fields
    and how many people it holds. The caller has checked that the actor may make it."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=EXPORTED,
            obj=obj if obj is not None else actor,
            after={"fields": sorted(set(fields)), "people": people},
            reason=reason,
        )


def views_of(subject: models.Model):
    """The audit rows of the looks at this row's personal data, newest first."""
    from cuncun.core.models import AuditEntry

    return AuditEntry.objects.for_object(subject).filter(action=SHOWN).select_related("actor")
