"""Audit events of joint cases, on the stream ``joint:<joint id>`` (who, when, why; no personal data values)."""

from __future__ import annotations

from typing import Any

from tongban.cases.joint.models import JointCase
from tongban.core import audit
from tongban.core.models import AuditEvent

OBJECT_TYPE = "joint_case"


def _record(
    joint: JointCase, *, action: str, actor: Any, role: str, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    return audit.record(
        stream=joint.stream,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(joint.joint_id),
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data,
    )


def joint_created(*, joint: JointCase, actor: Any, role: str, case_number: str) -> AuditEvent:
    return _record(
        joint,
        action="joint.created",
        actor=actor,
        role=role,
        data={
            "source": joint.source_region,
            "destination": joint.destination_region,
            "base_code": joint.base_code,
            "case": case_number,
        },
    )


def joint_opened_for_peer(*, joint: JointCase, sender: str, case_number: str) -> AuditEvent:
    return _record(
        joint,
        action="joint.opened_for_peer",
        actor=None,
        role="peer:" + sender,
        data={"requested_by": sender, "case": case_number},
    )


def joint_open_refused(*, joint_id: str, sender: str, code: str, reason: str) -> AuditEvent:
    return audit.record(
        stream=f"joint:{joint_id}",
        action="joint.open_refused",
        object_type=OBJECT_TYPE,
        object_id=joint_id,
        actor=None,
        actor_role="peer:" + sender,
        reason=reason,
        data={"requested_by": sender, "code": code},
    )


def step_changed(*, joint: JointCase, role: str, region: str, status: str, seq: int, actor: Any) -> AuditEvent:
    return _record(
        joint,
        action="joint.step_changed",
        actor=actor,
        role="peer:" + region if actor is None else "",
        data={"step": role, "region": region, "status": status, "seq": seq},
    )


def certificate_recorded(*, joint: JointCase, actor: Any, role: str, fields: list[str]) -> AuditEvent:
    return _record(joint, action="joint.certificate_recorded", actor=actor, role=role, data={"fields": fields})


def joint_finished(*, joint: JointCase, action: str, reason: str) -> AuditEvent:
    return _record(joint, action=f"joint.{action}", actor=None, role="system", reason=reason, data={"to": joint.status})


def joint_viewed(*, joint: JointCase, actor: Any, role: str, reason: str) -> AuditEvent:
    return _record(joint, action="joint.viewed", actor=actor, role=role, reason=reason)
