"""run_scheduler: due jobs run once, even with two schedulers; a failing job does not stop others."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.core.models import PeriodicJob
from gridgov.core.scheduling import Job, claim, ensure_rows, run_due

pytestmark = pytest.mark.django_db


def _jobs(*jobs):
    registry = {job.name: job for job in jobs}
    ensure_rows(registry)
    return registry


def test_a_due_job_runs_and_is_scheduled_again():
    calls = []
    jobs = _jobs(Job("test.count", timedelta(minutes=5), lambda: calls.append(1)))
    assert run_due(jobs) == ["test.count"]
    assert run_due(jobs) == []  # not due again for five minutes
    assert calls == [1]
    row = PeriodicJob.objects.get(name="test.count")
    assert row.runs == 1 and row.next_run_at > timezone.now() + timedelta(minutes=4)


def test_two_schedulers_cannot_claim_the_same_run():
    job = Job("test.once", timedelta(minutes=5), lambda: None)
    _jobs(job)
    now = timezone.now()
    assert claim(job, now) is True
    assert claim(job, now) is False


def test_a_failing_job_keeps_its_error_and_the_others_still_run():
    def boom():
        raise RuntimeError("磁盘已满")

    calls = []
    jobs = _jobs(
        Job("test.boom", timedelta(minutes=1), boom),
        Job("test.ok", timedelta(minutes=1), lambda: calls.append(1)),
    )
    assert sorted(run_due(jobs)) == ["test.boom", "test.ok"]
    assert "磁盘已满" in PeriodicJob.objects.get(name="test.boom").last_error
    assert calls == [1]


def test_the_command_runs_the_registered_jobs_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("run_scheduler", "--once", stdout=io.StringIO())
    names = set(PeriodicJob.objects.exclude(last_finished_at=None).values_list("name", flat=True))
    assert {"regions.rollup_residents", "accounts.expire_login_failures"} <= names
    assert not PeriodicJob.objects.exclude(last_error="").exists()
