"""Audit events of cases: one typed constructor per event, all on the stream ``case:<id>``.

Each event records who (actor and role), when, from where (the request context) and why.
Personal data is not copied into events: they name the case and the fields, not their values.
"""

from __future__ import annotations

from typing import Any

from tongban.cases.models import Case, CaseMaterial, VerificationTask
from tongban.core import audit
from tongban.core.models import AuditEvent

OBJECT_TYPE = "case"

# Actions shown to applicants on their timeline (views and internal bookkeeping are not).
TIMELINE_ACTIONS: frozenset[str] = frozenset(
    {
        "case.created",
        "case.submit",
        "case.accept",
        "case.accept_with_gaps",
        "case.reject_at_intake",
        "case.request_correction",
        "case.resubmit",
        "case.start_review",
        "case.approve",
        "case.deny",
        "case.sign_commitment",
        "case.issue_result",
        "case.deliver",
        "case.close",
        "case.withdraw",
        "case.suspend",
        "case.resume",
        "case.terminate",
        "case.revoke",
        "case.window_received",
        "case.material_supplied",
        "case.gap_reminder",
        "case.rated",
    }
)


def _record(
    case: Case, *, action: str, actor: Any, role: str, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    return audit.record(
        stream=case.stream,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data,
    )


def case_created(*, case: Case, actor: Any, role: str) -> AuditEvent:
    return _record(
        case, action="case.created", actor=actor, role=role, data={"item": case.item.code, "channel": case.channel}
    )


def case_draft_updated(*, case: Case, actor: Any, role: str, fields: list[str]) -> AuditEvent:
    return _record(case, action="case.draft_updated", actor=actor, role=role, data={"fields": sorted(fields)})


def case_transitioned(
    *,
    case: Case,
    action: str,
    from_status: str,
    actor: Any,
    role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    payload = {"from": from_status, "to": case.status, "number": case.number}
    payload.update(data or {})
    return _record(case, action=f"case.{action}", actor=actor, role=role, reason=reason, data=payload)


def case_window_received(*, case: Case, actor: Any, role: str, identity_check: str) -> AuditEvent:
    return _record(
        case,
        action="case.window_received",
        actor=actor,
        role=role,
        data={"identity_check": identity_check, "number": case.number},
    )


def case_viewed(*, case: Case, actor: Any, role: str, reason: str) -> AuditEvent:
    return _record(case, action="case.viewed", actor=actor, role=role, reason=reason)


def material_uploaded(*, case: Case, material: CaseMaterial, actor: Any, role: str) -> AuditEvent:
    return _record(
        case,
        action="case.material_uploaded",
        actor=actor,
        role=role,
        data={
            "material": material.material.code,
            "sha256": material.sha256,
            "size": material.size,
            "content_type": material.content_type,
        },
    )


def material_referenced(*, case: Case, material: CaseMaterial, actor: Any, role: str) -> AuditEvent:
    return _record(
        case,
        action="case.material_licence",
        actor=actor,
        role=role,
        data={"material": material.material.code, "licence_number": material.licence_number},
    )


def material_shared(*, case: Case, material: CaseMaterial, actor: Any, receipt_number: str) -> AuditEvent:
    """A material was obtained through data sharing with the applicant's consent (已由部门共享获取)."""
    return _record(
        case,
        action="case.material_shared",
        actor=actor,
        role="applicant",
        data={"material": material.material.code, "receipt": receipt_number},
    )


def material_supplied(*, case: Case, material: CaseMaterial, actor: Any, role: str) -> AuditEvent:
    return _record(
        case, action="case.material_supplied", actor=actor, role=role, data={"material": material.material.code}
    )


def material_downloaded(*, case: Case, material: CaseMaterial, actor: Any, role: str, reason: str) -> AuditEvent:
    return _record(
        case,
        action="case.material_downloaded",
        actor=actor,
        role=role,
        reason=reason,
        data={"material": material.material.code},
    )


def gap_reminder_sent(*, case: Case, deadline: str) -> AuditEvent:
    return _record(case, action="case.gap_reminder", actor=None, role="system", data={"deadline": deadline})


def deadlines_recomputed(*, case: Case, legal: str, promised: str, provisional: bool) -> AuditEvent:
    return _record(
        case,
        action="case.deadlines_recomputed",
        actor=None,
        role="system",
        data={"legal_due_date": legal, "promised_due_date": promised, "provisional": provisional},
    )


def verification_done(*, task: VerificationTask, actor: Any, role: str) -> AuditEvent:
    return _record(
        task.case,
        action="case.verification",
        actor=actor,
        role=role,
        reason=task.findings,
        data={"result": task.status},
    )


def case_rated(*, case: Case, actor: Any, stars: int) -> AuditEvent:
    return _record(case, action="case.rated", actor=actor, role="applicant", data={"stars": stars})
