"""Audit events of the hotline: tickets on ``ticket:<id>``, knowledge entries on ``knowledge:<uid>``.

Events name the ticket and what changed; they do not copy the caller's personal data. Reading a
caller's unmasked details is itself an event (``ticket.caller_viewed``).
"""

from __future__ import annotations

from typing import Any

from tongban.core import audit
from tongban.core.models import AuditEvent
from tongban.hotline.models import KnowledgeEntry, Ticket

# Actions the caller sees on the follow-up page.
TIMELINE_ACTIONS: frozenset[str] = frozenset(
    {
        "ticket.created",
        "ticket.dispatch",
        "ticket.answer_directly",
        "ticket.accept",
        "ticket.return",
        "ticket.reassign",
        "ticket.reply",
        "ticket.supervise",
        "ticket.close",
        "ticket.revisit",
        "ticket.evaluate",
        "ticket.reopen",
        "ticket.merge",
        "ticket.transfer",
        "ticket.transfer_outcome",
    }
)


def _record(
    ticket: Ticket, *, action: str, actor: Any, role: str, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    return audit.record(
        stream=ticket.stream,
        action=action,
        object_type="ticket",
        object_id=ticket.pk,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=data,
    )


def ticket_created(*, ticket: Ticket, actor: Any, role: str) -> AuditEvent:
    return _record(
        ticket,
        action="ticket.created",
        actor=actor,
        role=role,
        data={"number": ticket.number, "channel": ticket.channel, "category": ticket.category},
    )


def ticket_created_and_dispatched(
    *, ticket: Ticket, actor: Any, role: str, from_status: str, data: dict[str, Any]
) -> list[AuditEvent]:
    """``ticket.created`` then ``ticket.dispatch`` of a ticket dispatched at intake, appended together."""
    transition = {"from": from_status, "to": ticket.status}
    transition.update(data)
    return audit.record_many(
        stream=ticket.stream,
        entries=[
            audit.Entry(
                action="ticket.created",
                object_type="ticket",
                object_id=ticket.pk,
                actor=actor,
                actor_role=role,
                data={"number": ticket.number, "channel": ticket.channel, "category": ticket.category},
            ),
            audit.Entry(
                action="ticket.dispatch",
                object_type="ticket",
                object_id=ticket.pk,
                actor=actor,
                actor_role=role,
                data=transition,
            ),
        ],
    )


def ticket_transitioned(
    *,
    ticket: Ticket,
    action: str,
    from_status: str,
    actor: Any,
    role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    payload = {"from": from_status, "to": ticket.status}
    payload.update(data or {})
    return _record(ticket, action=f"ticket.{action}", actor=actor, role=role, reason=reason, data=payload)


def transfer_received(*, ticket: Ticket, to_region: str, remote_number: str) -> AuditEvent:
    """The region a ticket was transferred to has it (its node acknowledged, with its own number)."""
    return _record(
        ticket,
        action="ticket.transfer_received",
        actor=None,
        role="federation",
        data={"to_region": to_region, "remote_number": remote_number},
    )


def caller_viewed(*, ticket: Ticket, actor: Any, role: str) -> AuditEvent:
    return _record(ticket, action="ticket.caller_viewed", actor=actor, role=role, data={"fields": ["caller"]})


def knowledge_changed(
    *, entry: KnowledgeEntry, action: str, actor: Any, role: str = "", reason: str = ""
) -> AuditEvent:
    return audit.record(
        stream=entry.stream,
        action=f"knowledge.{action}",
        object_type="knowledge_entry",
        object_id=entry.pk,
        actor=actor,
        actor_role=role,
        reason=reason,
        data={"version": entry.version, "status": entry.status},
    )
