from datetime import timedelta

from gridgov.core.scheduling import periodic

from .tasks import rollup_residents_task


@periodic("regions.rollup_residents", every=timedelta(minutes=15))
def queue_resident_rollup():
    # A full rollup reads every grid: queue it rather than hold up the scheduler loop.
    rollup_residents_task.enqueue()
