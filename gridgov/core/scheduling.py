"""The periodic jobs that `run_scheduler` runs, and how a run is claimed.

Apps register jobs in their `scheduled.py` with `@periodic(name, every=…)`. A job should be
short: long work is handed to the job queue (django-tasks) from inside the job.
"""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import PeriodicJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


REGISTRY: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta):
    def register(func):
        REGISTRY[name] = Job(name, every, func)
        return func

    return register


def discover() -> dict[str, Job]:
    autodiscover_modules("scheduled")
    return REGISTRY


def ensure_rows(jobs: dict[str, Job]) -> None:
    now = timezone.now()
    for job in jobs.values():
        PeriodicJob.objects.get_or_create(
            name=job.name, defaults={"interval_seconds": int(job.every.total_seconds()), "next_run_at": now}
        )


def claim(job: Job, now) -> bool:
    """Take the due run of `job`; False if it is not due or another scheduler took it first."""
    claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + job.every,
        interval_seconds=int(job.every.total_seconds()),
        last_started_at=now,
        runs=F("runs") + 1,
    )
    return claimed == 1


def run_due(jobs: dict[str, Job]) -> list[str]:
    """Run every job that is due now; returns the names that ran."""
    now = timezone.now()
    due = PeriodicJob.objects.filter(next_run_at__lte=now, name__in=list(jobs)).values_list("name", flat=True)
    ran = []
    for name in list(due):
        job = jobs[name]
        if not claim(job, now):
            continue
        error = ""
        try:
            job.run()
        except Exception:  # one failing job must not stop the others; the error is kept on its row
            error = traceback.format_exc()[-4000:]
            log.exception("periodic job %s failed", name)
        PeriodicJob.objects.filter(name=name).update(last_finished_at=timezone.now(), last_error=error)
        ran.append(name)
    return ran
