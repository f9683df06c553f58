"""``tongban jobs worker|status|list|declared|schedule|run|retry``: the job engine for operators (ADR 0020).

``worker`` runs a django-q2 cluster (worker processes and the scheduler) after writing one schedule
per declared periodic job; run one per machine, as many machines as wanted (PostgreSQL or Redis).
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongban.core import jobs
from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.ops import engine, selectors, services
from tongban.ops.constants import JobStatus


class Command(BaseCommand):
    help = "Background jobs: run a worker, see queued, running, failed and retried jobs, queue one, retry one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("worker", help="run the workers and the scheduler (until SIGTERM / Ctrl-C)")
        status = sub.add_parser("status", help="counts of jobs by status, the broker's queue, the schedules (JSON)")
        status.add_argument("--hours", type=float, default=None, help="only jobs queued in the last HOURS")
        listing = sub.add_parser("list", help="jobs, newest first (JSON)")
        listing.add_argument("--status", choices=JobStatus.values, default=None)
        listing.add_argument("--name", default=None)
        listing.add_argument("--retried", action="store_true", help="only runs that took more than one attempt")
        listing.add_argument("--limit", type=int, default=50)
        sub.add_parser("declared", help="every declared job with its period (JSON)")
        sub.add_parser("schedule", help="write the schedules of the periodic jobs (the worker does it too)")
        run = sub.add_parser("run", help="queue a job for the workers")
        run.add_argument("name")
        run.add_argument("--kwargs", default="{}", help="the job's arguments, a JSON object")
        retry = sub.add_parser("retry", help="queue a failed job again")
        retry.add_argument("job_id")

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            try:
                getattr(self, "_" + options["action"])(**options)
            except ApplicationError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def _worker(self, **_: Any) -> None:
        from django_q.scheduler import scheduler

        names = engine.sync_schedules()
        self.stderr.write(f"schedules: {', '.join(names)}")
        scheduler()  # what is due now is queued now, not at the cluster's first scheduler round
        call_command("qcluster")

    def _status(self, *, hours: float | None, **_: Any) -> None:
        since = timezone.now() - dt.timedelta(hours=hours) if hours else None
        self._json(
            {
                "jobs": selectors.job_counts(since=since).as_dict(),
                "broker": "database" if engine.uses_database_broker() else "redis",
                "queue_depth": selectors.queue_depth(),
                "schedules": selectors.schedules(),
            }
        )

    def _list(self, *, status: str | None, name: str | None, retried: bool, limit: int, **_: Any) -> None:
        self._json(
            [
                {
                    "id": j.pk,
                    "job": j.name,
                    "status": j.status,
                    "attempts": j.attempts,
                    "queued_at": j.queued_at,
                    "started_at": j.started_at,
                    "finished_at": j.finished_at,
                    "worker": j.worker,
                    "result": j.result,
                    "last_error": j.last_error.strip().splitlines()[-1] if j.last_error.strip() else "",
                }
                for j in selectors.job_list(status=status, name=name, retried=retried)[: max(1, limit)]
            ]
        )

    def _declared(self, **_: Any) -> None:
        self._json(
            [
                {"job": s.name, "every_minutes": s.period_minutes, "function": s.path, "description": s.description}
                for s in jobs.declared()
            ]
        )

    def _schedule(self, **_: Any) -> None:
        for name in engine.sync_schedules():
            self.stdout.write(name)

    def _run(self, *, name: str, kwargs: str, **_: Any) -> None:
        try:
            data = json.loads(kwargs)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            jobs.get(name)
        except (ValueError, LookupError) as exc:
            raise CommandError(f"invalid_job: {exc}") from exc
        self.stdout.write(str(jobs.enqueue(name, **data)))

    def _retry(self, *, job_id: str, **_: Any) -> None:
        job = services.job_requeue(job_id=job_id, actor=None)
        self.stdout.write(f"{job.pk} {job.status}")
