"""Audit events of data sharing (one constructor per event), written with ``core.audit.record``.

Reads through the exchange are not audit events: they go to the access log (``store.append``),
which is hash-chained the same way and kept in its own table for the data tracker.
"""

from __future__ import annotations

from typing import Any

from tongban.core.audit import record
from tongban.core.models import AuditEvent
from tongban.core.workflow import Move
from tongban.sharing.models import DataRequest, DataResource, Objection, ProofRequirement, VerificationTask


def resource_saved(*, resource: DataResource, actor: Any, created: bool) -> AuditEvent:
    return record(
        stream=f"data-resource:{resource.code}",
        action="data_resource.draft_created" if created else "data_resource.draft_updated",
        object_type="data_resource",
        object_id=f"{resource.code}@{resource.version}",
        actor=actor,
        data={"version": resource.version, "fields": [f["name"] for f in resource.fields]},
    )


def resource_moved(move: Move[DataResource]) -> AuditEvent:
    return record(
        stream=f"data-resource:{move.obj.code}",
        action=f"data_resource.{move.action}",
        object_type="data_resource",
        object_id=f"{move.obj.code}@{move.obj.version}",
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, **(move.data or {})},
    )


def request_submitted(*, request: DataRequest, actor: Any) -> AuditEvent:
    return record(
        stream=f"data-request:{request.number}",
        action="data_request.submitted",
        object_type="data_request",
        object_id=request.number,
        actor=actor,
        data={
            "resource": request.resource_code,
            "requester": f"{request.requester_region}/{request.requester.code}",
            "fields": list(request.fields),
            "purposes": list(request.purposes),
            "period": [request.period_from.isoformat(), request.period_to.isoformat()],
        },
    )


def request_moved(move: Move[DataRequest]) -> AuditEvent:
    req = move.obj
    return record(
        stream=f"data-request:{req.number}",
        action=f"data_request.{move.action}",
        object_type="data_request",
        object_id=req.number,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={
            "from": move.from_status,
            "to": move.to_status,
            "approved_fields": list(req.approved_fields),
            "masked_fields": list(req.masked_fields),
            "approved_to": req.approved_to.isoformat() if req.approved_to else "",
            **(move.data or {}),
        },
    )


def proof_saved(*, proof: ProofRequirement, actor: Any, created: bool) -> AuditEvent:
    return record(
        stream=f"proof:{proof.region_id}:{proof.code}",
        action="proof.created" if created else "proof.updated",
        object_type="proof",
        object_id=f"{proof.region_id}:{proof.code}",
        actor=actor,
        data={"mode": proof.mode, "resource": proof.resource_code},
    )


def verification_created(*, task: VerificationTask, actor: Any) -> AuditEvent:
    return record(
        stream=f"verification:{task.number}",
        action="verification.created",
        object_type="verification_task",
        object_id=task.number,
        actor=actor,
        data={"proof": task.proof.code, "origin": f"{task.origin_kind}:{task.origin_id}", "due_on": str(task.due_on)},
    )


def verification_moved(move: Move[VerificationTask]) -> AuditEvent:
    return record(
        stream=f"verification:{move.obj.number}",
        action=f"verification.{move.action}",
        object_type="verification_task",
        object_id=move.obj.number,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, **(move.data or {})},
    )


def objection_raised(*, objection: Objection, actor: Any) -> AuditEvent:
    return record(
        stream=f"data-objection:{objection.subject_id}",
        action="data_objection.raised",
        object_type="data_objection",
        object_id=f"{objection.log_lane}-{objection.log_seq}",
        actor=actor,
        reason=objection.reason,
        data={"ticket": objection.ticket_number},
    )


def receipt_viewed(*, receipt_number: str, actor: Any, context: str) -> AuditEvent:
    """A member of staff looked at data fetched for a case (personal data read)."""
    return record(
        stream=f"data-receipt:{receipt_number}",
        action="data_receipt.viewed",
        object_type="data_receipt",
        object_id=receipt_number,
        actor=actor,
        data={"context": context},
    )
