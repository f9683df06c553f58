"""Audit events of operations: what an operator did to the jobs."""

from __future__ import annotations

from typing import Any

from tongban.core import audit
from tongban.core.models import AuditEvent
from tongban.ops.models import Job

OBJECT_TYPE = "job"


def job_requeued(*, job: Job, actor: Any) -> AuditEvent:
    return audit.record(
        stream="ops:jobs",
        action="ops.job_requeued",
        object_type=OBJECT_TYPE,
        object_id=str(job.pk),
        actor=actor,
        actor_role="operator",
        data={"name": job.name},
    )
