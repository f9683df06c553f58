"""Operators' writes: queue a failed job again."""

from __future__ import annotations

import uuid

from django.db import transaction

from tongban.accounts.models import User
from tongban.ops import engine, events
from tongban.ops.constants import JobStatus
from tongban.ops.errors import JobNotFailed, JobNotFound
from tongban.ops.models import Job


@transaction.atomic
def job_requeue(*, job_id: str, actor: User | None) -> Job:
    """Hand a failed job to the workers again (its attempts start over); recorded in the audit trail."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise JobNotFound() from None
    job = Job.objects.select_for_update().filter(pk=pk).first()
    if job is None:
        raise JobNotFound()
    if job.status != JobStatus.FAILED:
        raise JobNotFailed()
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.finished_at = None
    job.save(update_fields=["status", "attempts", "finished_at"])
    engine.hand_over(job)
    events.job_requeued(job=job, actor=actor)
    return job
