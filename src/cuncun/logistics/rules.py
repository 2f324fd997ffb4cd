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


@dataclass(frozen=True)
class Journey:
    """What the events so far say about a parcel's journey."""

    started: bool = False  # something other than an exception has happened to it
    at_pickup_point: bool = False  # it has waited at a pickup point
    going_back: bool = False  # refused or on its way back
    ended_with: str = ""  # the final event it ended with, if it has ended

    def after(self, step: Step) -> "Journey":
        return Journey(
            started=self.started or step.kind != K.EXCEPTION,
            at_pickup_point=self.at_pickup_point or step.kind == K.AT_PICKUP_POINT,
            going_back=self.going_back or step.kind in K.RETURN_PATH,
            # An event applied after the end (a reviewer said it happened) reopens the journey.
            ended_with=step.kind if step.kind in K.TERMINAL else "",
        )


def step_problem(journey: Journey, step: Step) -> Problem | None:
    """What is impossible about one step, after the journey so far."""
    if journey.ended_with:
        return _after_terminal(journey.ended_with, step.kind)
    if step.kind == K.EXCEPTION:
        return None  # a problem may be reported at any point of the journey
    if step.kind == K.ACCEPTED and journey.started:
        return Problem(
            "accepted_not_first",
            _("A parcel is accepted (揽收) before anything else happens to it."),
        )
    if journey.going_back and step.kind in K.FORWARD_LAST_MILE:
        return Problem(
            "forward_after_return",
            _("%(kind)s cannot follow a refusal or a return.")
            % {"kind": dict(K.choices)[step.kind]},
        )
    if (
        step.kind == K.DELIVERED
        and step.delivered_to == DeliveredTo.PICKUP_POINT
        and not journey.at_pickup_point
    ):
        return Problem(
            "pickup_before_check_in",
            _("A parcel cannot be collected from a pickup point it never arrived at."),
        )
    return None


def timeline_problems(steps: list[Step]) -> dict[int, Problem]:
    """Each impossible step of a timeline (by its `order`), judged after the steps before it."""
    problems, journey = {}, Journey()
    for step in ordered(steps):
        problem = step_problem(journey, step)
        if problem:
            problems[step.order] = problem
        journey = journey.after(step)
    return problems


def new_event_problem(timeline: list[Step], new: Step) -> Problem | None:
    """What is impossible about a new event in a parcel's applied timeline, or None.

    Only what the new event causes counts: its own content, its place in the sequence, and a later
    event it would make impossible. An event a reviewer applied although it looked impossible
    stands; it does not make every event after it impossible too."""
    single = problem_with(new)
    if single:
        return single
    with_new = timeline_problems([*timeline, new])
    if new.order in with_new:
        return with_new[new.order]
    already = timeline_problems(timeline)
    caused = [problem for order, problem in with_new.items() if order not in already]
    return caused[0] if caused else None


def _after_terminal(previous: str, kind: str) -> Problem:
    return Problem(
        "after_final_event",
        _("%(kind)s cannot follow %(final)s: the parcel's journey had ended.")
        % {"kind": dict(K.choices)[kind], "final": dict(K.choices)[previous]},
    )
