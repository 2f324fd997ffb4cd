"""Background work of the training app (django-tasks; a worker is `cuncun db_worker`).

Tasks only call services and are safe to run twice: a finished import is not run again.
"""

from django_tasks import task


@task()
def run_roster_import(import_id: int) -> dict:
    from cuncun.training.services import process_roster_import

    return process_roster_import(import_id=import_id)
