"""`cuncun requeue_stale_tasks [--older-than SECONDS]`: put back in the queue the tasks whose
worker died mid-task (RUNNING for longer than any task takes). Run it every few minutes
(deploy/systemd/cuncun-requeue.timer)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from cuncun.core.taskqueue import requeue_stale_tasks


class Command(BaseCommand):
    help = "Put back in the queue tasks left RUNNING by a worker that died."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=settings.CUNCUN_TASK_STALE_SECONDS,
            help="seconds a task may run before it is taken as abandoned",
        )

    def handle(self, *args, **options):
        ids = requeue_stale_tasks(older_than=timedelta(seconds=options["older_than"]))
        self.stdout.write(f"{len(ids)} tasks put back in the queue")
