"""Background work of oversight (django-tasks; a worker is `cuncun db_worker`). Safe to run
twice: only a queued build runs."""

from django_tasks import task


@task()
def build_evaluation_pack(build_id: int) -> str:
    from cuncun.oversight.services import process_evaluation_pack

    return process_evaluation_pack(build_id=build_id)
