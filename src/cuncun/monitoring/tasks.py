"""Background work of monitoring (django-tasks). Each task is safe to run again."""

from datetime import date

from django_tasks import task

from cuncun.monitoring import rollups


@task()
def refresh_sales_rollup(month: str) -> int:
    """Rebuild one month of the sales rollup after its records changed."""
    return rollups.rebuild_month(date.fromisoformat(month))
