"""The task queue: the repair of a task whose worker died, and work queued once.

django-tasks' database backend claims a task by marking it RUNNING in a committed transaction
(the row is locked only while claiming), so a worker killed in the middle of a task leaves it
RUNNING for ever: the backend never retries it. A task RUNNING for longer than any task takes is
taken as abandoned and put back in the queue, where the next free worker claims it. Every task of
cuncun is written to be safe to run twice (see each app's tasks.py), so a slow task that was in
fact still running does no harm by running again.
"""

import logging
from datetime import timedelta

from django.utils import timezone

logger = logging.getLogger(__name__)


def requeue_stale_tasks(*, older_than: timedelta) -> list[str]:
    """Put back in the queue every task RUNNING since longer than `older_than`; their ids."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - older_than
    )
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)]
    # The same condition again in the UPDATE: a task that finished meanwhile stays finished.
    DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
    for task_id in ids:
        logger.warning("task %s was running past %s: put back in the queue", task_id, older_than)
    return ids


def enqueue_once(task, *args) -> None:
    """Queue `task(*args)` unless the same call already waits in the queue, not yet started.

    For work that redoes a whole unit from the records (a month's rollup): a waiting call will
    start after the caller's transaction has committed, so it reads the caller's records too, and
    a second one would only redo it. A call already running may have read before the commit, so
    then another is queued. Run it after the commit (transaction.on_commit)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=task.module_path,
        args_kwargs={"args": list(args), "kwargs": {}},
    )
    if not waiting.exists():
        task.enqueue(*args)
