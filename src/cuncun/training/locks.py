"""Row locks of the training app, always in primary-key order so that two transactions cannot
deadlock. The order of taking them, where one transaction takes several: a session, then the
plan's training cap, then trainees, then a roster import (an import ends in the transaction that
writes its rows)."""

from collections.abc import Iterable

from cuncun.plans.models import FundRule
from cuncun.training.models import RosterImport, Trainee, TrainingSession

LOCK_CHUNK = 900  # ids per query: SQLite allows at most 999 parameters


def lock_session(session_id: int) -> TrainingSession:
    """Imports, check-ins, attendance by hand and certificates of one session queue behind each
    other: its places and its attendance change one writer at a time."""
    return TrainingSession.objects.select_for_update().get(pk=session_id)


def lock_roster_import(import_id: int) -> RosterImport:
    return RosterImport.objects.select_for_update().get(pk=import_id)


def lock_training_fund(cap: FundRule) -> FundRule:
    """Sessions paid from the special fund are scheduled or re-costed one at a time, so that two
    of them cannot both fit under the plan's training cap when only one does."""
    return FundRule.objects.select_for_update().get(pk=cap.pk)


def lock_trainees(ids: Iterable[int]) -> dict[int, Trainee]:
    """Trainees a roster completes (a phone, an ethnicity, categories), read afresh under lock."""
    ordered = sorted(set(ids))
    locked: dict[int, Trainee] = {}
    for start in range(0, len(ordered), LOCK_CHUNK):
        chunk = ordered[start : start + LOCK_CHUNK]
        for trainee in (
            Trainee.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .only("id", "name", "phone", "ethnicity")
        ):
            locked[trainee.pk] = trainee
    return locked
