"""Row locks of the training app, always in primary-key order so that two transactions cannot
deadlock."""

from cuncun.training.models import RosterImport, TrainingSession


def lock_session(session_id: int) -> TrainingSession:
    """Imports and certificates of one session queue behind each other."""
    return TrainingSession.objects.select_for_update().get(pk=session_id)


def lock_roster_import(import_id: int) -> RosterImport:
    return RosterImport.objects.select_for_update().get(pk=import_id)
