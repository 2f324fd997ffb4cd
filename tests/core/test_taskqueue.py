"""A task whose worker died mid-task is put back in the queue and finished once by another; a
rebuild already waiting in the queue is not queued twice."""

import os
import subprocess
import sys
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cuncun.core.taskqueue import enqueue_once, requeue_stale_tasks
from cuncun.monitoring.tasks import refresh_sales_rollup
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


def test_a_rebuild_already_waiting_is_not_queued_again(db):
    # given a month's rollup rebuild waiting in the queue
    enqueue_once(refresh_sales_rollup, "2018-03-01")

    # when that month changes again before a worker takes it
    enqueue_once(refresh_sales_rollup, "2018-03-01")

    # then one rebuild waits (it will read both changes); another month gets its own
    enqueue_once(refresh_sales_rollup, "2018-04-01")
    months = DBTaskResult.objects.values_list("args_kwargs__args", flat=True)
    assert sorted(months) == [["2018-03-01"], ["2018-04-01"]]


def test_a_rebuild_already_running_is_queued_again(db):
    # given a month's rebuild that a worker has started (it may have read before the change)
    enqueue_once(refresh_sales_rollup, "2018-03-01")
    DBTaskResult.objects.get().claim("worker-1")

    # when the month changes
    enqueue_once(refresh_sales_rollup, "2018-03-01")

    # then another rebuild waits for the next worker
    statuses = DBTaskResult.objects.values_list("status", flat=True)
    assert sorted(statuses) == [TaskResultStatus.READY, TaskResultStatus.RUNNING]
