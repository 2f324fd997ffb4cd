"""Which sequences of tracking events are possible.

Events are ordered by their event time (not by when they arrived); a sequence that cannot have
happened is not applied but flagged for a person to review. The rules are deliberately few and
sure: carriers skip scans, so a missing step is never an error, only an impossible one is.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from cuncun.logistics.models import ConsentBasis, DeliveredTo, EventKind

K = EventKind


@dataclass(frozen=True)
class Step:
    kind: str
    occurred_at: datetime
    delivered_to: str = ""
    consent_basis: str = ""
    order: int = 0  # tie-break for equal times: the order events were recorded in


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def ordered(steps: list[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: (s.occurred_at, s.order))


def problem_with(step: Step) -> Problem | None:
    """What is wrong with one event on its own."""
    if step.kind == K.AT_PICKUP_POINT and step.consent_basis not in dict(ConsentBasis.choices):
        return Problem(
            "no_consent_basis",
            _(
                "A parcel may wait at a pickup point only with the recipient's consent; "
                "none was recorded."
            ),
        )
    if step.kind == K.DELIVERED and step.delivered_to not in dict(DeliveredTo.choices):
        return Problem("delivered_to_unknown", _("A delivery must say who received the parcel."))
    return None


def sequence_problem(steps: list[Step]) -> Problem | None:
    """The first impossibility in a timeline, or None when it could have happened."""
    seen_pickup_point = False
    going_back = False
    first = True
    previous_kind, previous_terminal = "", False
    for step in ordered(steps):
        single = problem_with(step)
        if single:
            return single
        if previous_terminal:
            return _after_terminal(previous_kind, step.kind)
        if step.kind == K.EXCEPTION:
            continue  # a problem may be reported at any point of the journey
        if step.kind == K.ACCEPTED and not first:
            return Problem(
                "accepted_not_first",
                _("A parcel is accepted (揽收) before anything else happens to it."),
            )
        if going_back and step.kind in K.FORWARD_LAST_MILE:
            return Problem(
                "forward_after_return",
                _("%(kind)s cannot follow a refusal or a return.")
                % {"kind": dict(K.choices)[step.kind]},
            )
        if (
            step.kind == K.DELIVERED
            and step.delivered_to == DeliveredTo.PICKUP_POINT
            and not seen_pickup_point
        ):
            return Problem(
                "pickup_before_check_in",
                _("A parcel cannot be collected from a pickup point it never arrived at."),
            )
        seen_pickup_point |= step.kind == K.AT_PICKUP_POINT
        going_back |= step.kind in K.RETURN_PATH
        first = False
        previous_kind = step.kind
        previous_terminal = step.kind in K.TERMINAL
    return None


def _after_terminal(previous: str, kind: str) -> Problem:
    return Problem(
        "after_final_event",
        _("%(kind)s cannot follow %(final)s: the parcel's journey had ended.")
        % {"kind": dict(K.choices)[kind], "final": dict(K.choices)[previous]},
    )


def latest(steps: list[Step]) -> Step | None:
    timeline = ordered(steps)
    return timeline[-1] if timeline else None
