from django_tasks import task

from .importing import rollup_residents


@task()
def rollup_residents_task() -> int:
    """Recompute cached resident counts above the grids (queued by the scheduler)."""
    return rollup_residents()
