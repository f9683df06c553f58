"""Audit events of supervision: rectification tasks on ``rectification:<id>``, credit records on ``credit:<user id>``."""

from __future__ import annotations

from typing import Any

from tongban.core import audit
from tongban.core.models import AuditEvent
from tongban.supervision.models import CreditRecord, RectificationTask


def rectification_changed(
    *, task: RectificationTask, action: str, from_status: str, actor: Any, role: str, reason: str = ""
) -> AuditEvent:
    return audit.record(
        stream=task.stream,
        action=f"rectification.{action}",
        object_type="rectification",
        object_id=task.pk,
        actor=actor,
        actor_role=role,
        reason=reason,
        data={"from": from_status, "to": task.status, "due_date": str(task.due_date)},
    )


def credit_recorded(*, record: CreditRecord, actor: Any, role: str) -> AuditEvent:
    return audit.record(
        stream=f"credit:{record.subject_id}",
        action="credit.recorded",
        object_type="credit_record",
        object_id=record.pk,
        actor=actor,
        actor_role=role,
        reason=record.reason,
        data={"kind": record.kind, "case": record.case_id, "department": record.department_id},
    )
