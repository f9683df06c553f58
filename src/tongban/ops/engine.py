"""The job engine: django-q2 runs the jobs that apps declare in ``tongban.core.jobs`` (ADR 0020).

The broker is the database by default (django-q2's ORM broker: a queue table in the node's own
SQLite or PostgreSQL, so the embedded default needs no service) or Redis
(``TONGBAN_JOBS_REDIS_URL``). ``tongban jobs worker`` runs a django-q2 cluster: worker processes and
the scheduler, on as many machines as wanted.

Every run has a ``Job`` row, the operator's record. The broker carries only the row's id:

* ``execute`` marks the run started (attempt + 1, worker host:pid) in its own transaction, runs the
  job, and marks it succeeded, or failed: ``retrying`` while attempts are left, the broker then
  delivers it again once its lease ends (``ack_failures`` off), ``failed`` after the last one.
* A worker killed mid-job never acknowledges the run: on the database broker, the run is leased
  (``TONGBAN_JOBS_LEASE_SECONDS``, longer than a job may take) and delivered again when the lease
  ends; the next attempt finds the row ``running`` and runs the job again, which is idempotent.
* A periodic job is a django-q2 schedule (one per declared job, kept in step by ``sync_schedules``)
  calling ``run_periodic`` with the time it was due: that names the run, so a delivery of the same
  scheduled run finds the same row.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import traceback
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tongban.core import jobs
from tongban.core.context import RequestContext, bound, current
from tongban.ops.constants import JobStatus
from tongban.ops.models import Job

log = logging.getLogger("tongban.jobs")

EXECUTE = "tongban.ops.engine.execute"
RUN_PERIODIC = "tongban.ops.engine.run_periodic"
SCHEDULE_PREFIX = "tongban:"


def max_attempts() -> int:
    return max(1, int(getattr(settings, "TONGBAN_JOBS_MAX_ATTEMPTS", 5)))


def uses_database_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def hand_over(job: Job) -> None:
    """Give the run ``job`` to the broker: in the caller's transaction on the database broker (the
    queue is a table of the same database), after it commits on Redis."""
    if uses_database_broker():
        _send(job)
    else:
        transaction.on_commit(lambda: _send(job))


def _send(job: Job) -> None:
    from django_q.tasks import async_task

    async_task(EXECUTE, str(job.pk), task_name=f"{job.name} {job.pk}", group=job.name)


class DjangoQEngine:
    def enqueue(self, spec: jobs.JobSpec, kwargs: dict[str, Any], *, unique: bool) -> str | None:
        json.dumps(kwargs)  # a job's arguments are JSON values: fail here, not in the worker
        with transaction.atomic():
            if unique and Job.objects.filter(name=spec.name, status=JobStatus.QUEUED).exists():
                return None
            job = Job.objects.create(
                name=spec.name, kwargs=kwargs, queued_at=timezone.now(), request_id=current().request_id[:64]
            )
            hand_over(job)
        return str(job.pk)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)[:2000]
    return value


def execute(job_id: str) -> Any:
    """Run one attempt of the job ``job_id`` (called by a django-q2 worker)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            log.warning("job %s is unknown here; dropped", job_id)
            return None
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job.result  # a second delivery of a finished run: nothing to do
        if job.attempts >= max_attempts():
            job.status = JobStatus.FAILED
            job.finished_at = timezone.now()
            job.last_error = (job.last_error + f"\ngave up after {job.attempts} attempts").strip()
            job.save(update_fields=["status", "finished_at", "last_error"])
            log.error("job %s %s gave up after %d attempts", job.name, job.pk, job.attempts)
            return None
        job.attempts += 1
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.worker = _worker_name()
        job.save(update_fields=["attempts", "status", "started_at", "worker"])
    spec = jobs.get(job.name)
    func = import_string(spec.path)
    context = RequestContext(source="job", request_id=job.request_id or job.pk.hex)
    log.info(
        "job started",
        extra={"job": job.name, "job_id": str(job.pk), "attempt": job.attempts, "request_id": context.request_id},
    )
    try:
        with bound(context), jobs.attempt(job.attempts):
            result = func(**job.kwargs)
    except Exception as exc:
        give_up = job.attempts >= max_attempts()
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED if give_up else JobStatus.RETRYING,
            finished_at=timezone.now() if give_up else None,
            last_error="".join(traceback.format_exception(exc))[-4000:],
        )
        log.exception(
            "job failed", extra={"job": job.name, "job_id": str(job.pk), "attempt": job.attempts, "final": give_up}
        )
        if give_up:
            return None
        raise  # not acknowledged: the broker delivers it again when its lease ends
    result = _jsonable(result)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), result=result, last_error=""
    )
    log.info("job done", extra={"job": job.name, "job_id": str(job.pk), "attempt": job.attempts})
    return result


def run_periodic(name: str, intended: str = "") -> Any:
    """The scheduler's run of periodic job ``name`` due at ``intended`` (called by a django-q2 worker)."""
    key = f"{name}@{intended or timezone.now().isoformat()}"[:150]
    job, _created = Job.objects.get_or_create(run_key=key, defaults={"name": name, "queued_at": timezone.now()})
    return execute(str(job.pk))


def sync_schedules() -> list[str]:
    """One django-q2 schedule per declared periodic job, with its period; stale ones removed."""
    from django_q.models import Schedule

    wanted = {SCHEDULE_PREFIX + spec.name: spec for spec in jobs.periodic_jobs()}
    with transaction.atomic():
        for name, spec in wanted.items():
            Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": RUN_PERIODIC,
                    "kwargs": repr({"name": spec.name}),
                    "schedule_type": Schedule.MINUTES,
                    "minutes": spec.period_minutes,
                    "repeats": -1,
                    "intended_date_kwarg": "intended",
                },
            )
        Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=list(wanted)).delete()
    return sorted(wanted)
