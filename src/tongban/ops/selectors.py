"""Operators' reads: the jobs by status, the broker's queue, the schedules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from tongban.ops.constants import JobStatus
from tongban.ops.models import Job


@dataclass(frozen=True)
class JobCounts:
    queued: int
    running: int
    retrying: int
    failed: int
    succeeded: int
    retried: int  # runs that needed more than one attempt (any status)
    stale: int  # running for longer than a job may take: its worker probably died; it will be run again

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def job_counts(*, since: dt.datetime | None = None) -> JobCounts:
    qs = Job.objects.all()
    if since is not None:
        qs = qs.filter(queued_at__gte=since)
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    from django.conf import settings

    timeout = dt.timedelta(seconds=int(str(settings.Q_CLUSTER.get("timeout", 600))))
    stale = qs.filter(status=JobStatus.RUNNING, started_at__lt=timezone.now() - timeout).count()
    return JobCounts(
        queued=by_status.get(JobStatus.QUEUED, 0),
        running=by_status.get(JobStatus.RUNNING, 0),
        retrying=by_status.get(JobStatus.RETRYING, 0),
        failed=by_status.get(JobStatus.FAILED, 0),
        succeeded=by_status.get(JobStatus.SUCCEEDED, 0),
        retried=qs.filter(attempts__gt=1).count(),
        stale=stale,
    )


def job_list(*, status: str | None = None, name: str | None = None, retried: bool = False) -> QuerySet[Job]:
    qs = Job.objects.all()
    if status:
        qs = qs.filter(status=status)
    if name:
        qs = qs.filter(name=name)
    if retried:
        qs = qs.filter(attempts__gt=1)
    return qs.order_by("-queued_at")


def queue_depth() -> int:
    """Runs waiting in the broker (not yet taken by a worker)."""
    from django_q.brokers import get_broker

    return int(get_broker().queue_size() or 0)


def schedules() -> list[dict[str, Any]]:
    from django_q.models import Schedule

    from tongban.ops.engine import SCHEDULE_PREFIX

    return [
        {
            "job": s.name.removeprefix(SCHEDULE_PREFIX),
            "every_minutes": s.minutes,
            "next_run": s.next_run,
            "last_run": s.task,
        }
        for s in Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).order_by("name")
    ]


def last_finished_at() -> dt.datetime | None:
    """When the last job run finished (succeeded or failed): how readiness knows workers are alive."""
    return (
        Job.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
