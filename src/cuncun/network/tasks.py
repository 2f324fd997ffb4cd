"""Background work of the network app (django-tasks; a worker is `cuncun db_worker`).

Tasks only call services and are safe to run twice: a finished import is not run again.
"""

from django_tasks import task


@task()
def run_site_import(import_id: int) -> dict:
    from cuncun.network.services import process_site_import

    return process_site_import(import_id=import_id)
