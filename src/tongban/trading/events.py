"""Audit events of public-resource trading, one constructor per event.

Streams: ``procedure:<id>`` (the procedure, its notices, registrations, opening and evaluation),
``bid:<id>``, ``expert:<uid>``, ``draw:<id>``, ``seat:<uid>``, ``summons:<seat uid>``,
``complaint:<id>``. Moves through a workflow write ``<object>.<action>`` with ``from``/``to``.
Events never copy a bid's content before it is opened (only its commitment and digests).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from tongban.core import audit
from tongban.core.models import AuditEvent
from tongban.core.workflow import Move


def _record(
    *,
    stream: str,
    action: str,
    object_type: str,
    object_id: Any,
    actor: Any,
    role: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit.record(
        stream=stream,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data,
    )


def _moved(move: Move[Any], *, object_type: str, stream: str) -> AuditEvent:
    return _record(
        stream=stream,
        action=f"{object_type}.{move.action}",
        object_type=object_type,
        object_id=move.obj.pk,
        actor=move.actor,
        role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, **(move.data or {})},
    )


def _stream(obj: Model, prefix: str) -> str:
    return f"{prefix}:{obj.pk}"


# ------------------------------------------------------------------ moves (Workflow.record)


def procedure_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="procedure", stream=_stream(move.obj, "procedure"))


def registration_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="registration", stream=f"procedure:{move.obj.procedure_id}")


def bid_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="bid", stream=_stream(move.obj, "bid"))


def objection_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="objection", stream=f"procedure:{move.obj.procedure_id}")


def expert_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="expert", stream=f"expert:{move.obj.uid}")


def draw_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="draw", stream=_stream(move.obj, "draw"))


def seat_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="seat", stream=f"seat:{move.obj.uid}")


def summons_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="summons", stream=f"summons:{move.obj.seat_uid}")


def sheet_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="sheet", stream=f"procedure:{move.obj.procedure_id}")


def report_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="report", stream=f"procedure:{move.obj.procedure_id}")


def complaint_moved(move: Move[Any]) -> AuditEvent:
    return _moved(move, object_type="complaint", stream=_stream(move.obj, "complaint"))


# ------------------------------------------------------------------ creations and other facts


def procedure_created(*, procedure: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=procedure.stream,
        action="procedure.created",
        object_type="procedure",
        object_id=procedure.pk,
        actor=actor,
        role="operator",
        data={"number": procedure.number, "ocid": procedure.ocid, "kind": procedure.kind},
    )


def notice_published(*, notice: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"procedure:{notice.procedure_id}",
        action="notice.published",
        object_type="notice",
        object_id=notice.pk,
        actor=actor,
        role="operator",
        data={"version": notice.version, "kind": notice.kind, "changes": notice.changes},
    )


def registration_created(*, registration: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"procedure:{registration.procedure_id}",
        action="registration.created",
        object_type="registration",
        object_id=registration.pk,
        actor=actor,
        role="bidder",
        data={"enterprise": registration.enterprise_id},
    )


def bid_sealed(*, bid: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"bid:{bid.pk}",
        action="bid.sealed",
        object_type="bid",
        object_id=bid.pk,
        actor=actor,
        role="bidder",
        data={
            "procedure": bid.procedure_id,
            "enterprise": bid.enterprise_id,
            "commitment": bid.commitment,
            "ciphertext_sha256": bid.ciphertext_sha256,
            "submitted_at": bid.submitted_at.isoformat(),
            "replaces": bid.replaces_id,
        },
    )


def bid_key_refused(*, bid: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"bid:{bid.pk}",
        action="bid.key_refused",
        object_type="bid",
        object_id=bid.pk,
        actor=actor,
        role="bidder",
    )


def objection_raised(*, objection: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"procedure:{objection.procedure_id}",
        action="objection.raised",
        object_type="objection",
        object_id=objection.pk,
        actor=actor,
        role="bidder",
        data={"enterprise": objection.enterprise_id},
    )


def expert_saved(*, expert: Any, actor: Any, created: bool, source: str = "local") -> AuditEvent:
    return _record(
        stream=f"expert:{expert.uid}",
        action="expert.created" if created else "expert.updated",
        object_type="expert",
        object_id=expert.pk,
        actor=actor,
        role="operator" if source == "local" else "peer",
        data={"origin_region": expert.origin_region_id, "version": expert.version, "source": source},
    )


def conflict_declared(*, expert: Any, uscc: str, kind: str, actor: Any, after_draw: bool) -> AuditEvent:
    return _record(
        stream=f"expert:{expert.uid}",
        action="expert.conflict_declared",
        object_type="expert",
        object_id=expert.pk,
        actor=actor,
        role="expert",
        data={"uscc": uscc, "kind": kind, "after_draw": after_draw},
    )


def draw_committed(*, draw: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"draw:{draw.pk}",
        action="draw.committed",
        object_type="draw",
        object_id=draw.pk,
        actor=actor,
        role="operator",
        data={
            "procedure": draw.procedure_id,
            "seed_hash": draw.seed_hash,
            "candidates_digest": draw.candidates_digest,
            "candidates": len(draw.candidates),
            "excluded": len(draw.excluded),
        },
    )


def draw_short(*, draw: Any, actor: Any, details: dict[str, Any]) -> AuditEvent:
    """A replacement could not be drawn from the published list (``too_few_experts``)."""
    return _record(
        stream=f"draw:{draw.pk}",
        action="draw.short",
        object_type="draw",
        object_id=draw.pk,
        actor=actor,
        role="operator",
        reason="too_few_experts",
        data=details,
    )


def scores_saved(*, sheet: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"procedure:{sheet.procedure_id}",
        action="sheet.saved",
        object_type="sheet",
        object_id=sheet.pk,
        actor=actor,
        role="expert",
        data={"seat": str(sheet.seat_id), "bids": len(sheet.scores)},
    )


def report_signed(*, signature: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"procedure:{signature.report.procedure_id}",
        action="report.signed",
        object_type="report",
        object_id=signature.report_id,
        actor=actor,
        role="expert",
        data={"seat": signature.seat_id, "digest": signature.digest, "dissent": bool(signature.dissent)},
    )


def complaint_submitted(*, complaint: Any, actor: Any) -> AuditEvent:
    return _record(
        stream=f"complaint:{complaint.pk}",
        action="complaint.submitted",
        object_type="complaint",
        object_id=complaint.pk,
        actor=actor,
        role="bidder",
        data={"procedure": complaint.procedure_id, "enterprise": complaint.enterprise_id},
    )
