"""A task whose worker died mid-task is put back in the queue and finished once by another."""

import os
import subprocess
import sys
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cuncun.core.taskqueue import requeue_stale_tasks
from cuncun.orders.tasks import release_expired_reservations


def _claimed_by_a_worker_that_died(minutes_ago: int) -> DBTaskResult:
    release_expired_reservations.enqueue()
    task = DBTaskResult.objects.get()
    task.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return task


def _run_a_worker_until_the_queue_is_empty(worker_id: str) -> None:
    """A real `cuncun db_worker` process on this test's database (it closes its connections as
    it goes, so it cannot run inside the test's own)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{name}"
    else:
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    environment = {**os.environ, "DATABASE_URL": url}
    environment.pop("CUNCUN_TEST_DB_NAME", None)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cuncun.manage",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            worker_id,
        ],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_a_task_abandoned_by_a_dead_worker_is_finished_once_by_another(transactional_db):
    task = _claimed_by_a_worker_that_died(minutes_ago=30)

    requeued = requeue_stale_tasks(older_than=timedelta(minutes=15))
    _run_a_worker_until_the_queue_is_empty("survivor")

    task.refresh_from_db()
    assert requeued == [str(task.pk)]
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["worker-that-died", "survivor"]


def test_a_task_running_less_than_the_limit_is_left_to_its_worker(db):
    task = _claimed_by_a_worker_that_died(minutes_ago=2)

    assert requeue_stale_tasks(older_than=timedelta(minutes=15)) == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_the_command_says_how_many_it_put_back(db, capsys):
    _claimed_by_a_worker_that_died(minutes_ago=30)

    call_command("requeue_stale_tasks", "--older-than", "60")

    assert "1 tasks put back in the queue" in capsys.readouterr().out
