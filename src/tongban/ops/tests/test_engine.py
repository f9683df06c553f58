"""The engine's record of runs, in-process: attempts, retries, giving up, an operator's requeue."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import OrmQ, Schedule

from tongban.core import jobs
from tongban.core.models import AuditEvent
from tongban.ops import engine, selectors
from tongban.ops.constants import JobStatus
from tongban.ops.models import Job
from tongban.ops.tests import jobs_for_tests  # noqa: F401  (declares the test jobs)

pytestmark = pytest.mark.django_db


def test_every_periodic_job_of_the_product_is_declared_with_its_period() -> None:
    periods = {s.name: s.period_minutes for s in jobs.periodic_jobs()}
    assert periods == {
        "cases.tick": 60,
        "cases.verification_deadlines": 60,
        "federation.deliver": 1,
        "files.sweep_orphans": 60,
        "hotline.tick": 5,
        "ops.partitions": 1440,
    }
    assert all(s.description for s in jobs.declared())


def test_schedules_follow_the_declared_periodic_jobs() -> None:
    # given a stale schedule of a job no longer declared
    Schedule.objects.create(
        name="tongban:gone.job", func=engine.RUN_PERIODIC, schedule_type=Schedule.MINUTES, minutes=1
    )
    # when the schedules are written
    names = engine.sync_schedules()
    # then there is one per periodic job with its period, and the stale one is gone
    rows = {s.name: s.minutes for s in Schedule.objects.filter(name__startswith="tongban:")}
    assert rows == {n: jobs.get(n.removeprefix("tongban:")).period_minutes for n in names}
    assert "tongban:gone.job" not in rows
    # and writing them again changes nothing
    assert engine.sync_schedules() == names and Schedule.objects.filter(name__startswith="tongban:").count() == 6


def test_a_queued_job_is_in_the_broker_in_the_same_transaction() -> None:
    # when a job is queued
    job_id = str(jobs.enqueue("ops.ping"))
    # then its record waits, and the broker holds it (the database broker: same transaction)
    job = Job.objects.get(pk=job_id)
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert OrmQ.objects.count() == 1 and selectors.queue_depth() == 1
    # and a unique job already waiting is not queued twice
    assert jobs.enqueue("ops.ping", unique=True) is None
    assert Job.objects.filter(name="ops.ping").count() == 1


def test_bad_arguments_and_unknown_jobs_are_refused_before_anything_is_queued() -> None:
    with pytest.raises(LookupError):
        jobs.enqueue("no.such_job")
    with pytest.raises(TypeError):
        jobs.enqueue("ops.ping", when=dt.datetime.now())
    assert not Job.objects.exists() and not OrmQ.objects.exists()
    with pytest.raises(ValueError, match="dotted"):
        jobs.job("NotDotted", description="x")(lambda: None)
    with pytest.raises(ValueError, match="once a minute"):
        jobs.periodic("ops.too_often", every=dt.timedelta(seconds=10), description="x")(lambda: None)


def test_a_run_succeeds_once_and_a_second_delivery_does_nothing() -> None:
    job_id = str(jobs.enqueue("ops.ping"))
    assert engine.execute(job_id) == "pong"
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.result) == (JobStatus.SUCCEEDED, 1, "pong")
    assert job.worker and job.started_at and job.finished_at
    # when the broker delivers it again (its acknowledgement was lost)
    assert engine.execute(job_id) == "pong"
    assert Job.objects.get(pk=job_id).attempts == 1


def test_a_failing_run_is_retried_then_given_up_and_an_operator_queues_it_again(settings: object) -> None:
    settings.TONGBAN_JOBS_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    job_id = str(jobs.enqueue("ops.test_fails"))
    # when it fails: it is marked for a retry, and the broker is told (the exception goes up)
    with pytest.raises(RuntimeError):
        engine.execute(job_id)
    assert Job.objects.get(pk=job_id).status == JobStatus.RETRYING
    assert selectors.job_counts().retrying == 1
    # when it fails again, at its last attempt: failed, and the broker is done with it (no exception)
    assert engine.execute(job_id) is None
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 2) and "always fails" in job.last_error
    counts = selectors.job_counts()
    assert (counts.failed, counts.retried) == (1, 1)
    # then a later delivery does not run it again
    assert engine.execute(job_id) is None and Job.objects.get(pk=job_id).attempts == 2
    # when an operator queues it again
    out = StringIO()
    call_command("jobs", "retry", job_id, stdout=out)
    # then it waits again with its attempts started over, and the decision is audited
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
    assert AuditEvent.objects.filter(action="ops.job_requeued", object_id=job_id).count() == 1


def test_only_failed_jobs_are_queued_again() -> None:
    job_id = str(jobs.enqueue("ops.ping"))
    with pytest.raises(CommandError, match="job_not_failed"):
        call_command("jobs", "retry", job_id)
    with pytest.raises(CommandError, match="job_not_found"):
        call_command("jobs", "retry", "not-a-uuid")
    assert not AuditEvent.objects.filter(action="ops.job_requeued").exists()


def test_a_killed_periodic_run_is_found_again_by_its_due_time() -> None:
    # given a scheduled run whose worker died mid-job (attempt 1 left running)
    with pytest.raises(RuntimeError):
        engine.run_periodic("ops.test_fails", intended="2026-01-01T00:00:00+00:00")
    # when the broker delivers the same scheduled run again
    with pytest.raises(RuntimeError):
        engine.run_periodic("ops.test_fails", intended="2026-01-01T00:00:00+00:00")
    # then it is the same run, at its second attempt
    [job] = Job.objects.filter(name="ops.test_fails")
    assert job.attempts == 2 and job.run_key == "ops.test_fails@2026-01-01T00:00:00+00:00"


def test_operators_list_jobs_by_status_as_json() -> None:
    done = str(jobs.enqueue("ops.ping"))
    engine.execute(done)
    waiting = str(jobs.enqueue("ops.ping"))
    out = StringIO()
    call_command("jobs", "list", "--status", "queued", stdout=out)
    assert [j["id"] for j in json.loads(out.getvalue())] == [waiting]
    out = StringIO()
    call_command("jobs", "status", stdout=out)
    status = json.loads(out.getvalue())
    assert status["jobs"]["queued"] == 1 and status["jobs"]["succeeded"] == 1 and status["queue_depth"] == 2
