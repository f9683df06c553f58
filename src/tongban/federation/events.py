"""Audit events of the federation context, written with ``core.audit.record``."""

from __future__ import annotations

from typing import Any

from tongban.core.audit import record
from tongban.core.models import AuditEvent
from tongban.federation.models import InboxMessage, OutboxMessage, Peer

PEER_STREAM = "federation-peers"


def peer_added(*, peer: Peer, kids: list[str], source: str, actor: Any) -> AuditEvent:
    return record(
        stream=PEER_STREAM,
        action="federation.peer_added",
        object_type="peer",
        object_id=peer.region_code,
        actor=actor,
        data={"base_url": peer.base_url, "kids": kids, "source": source},
    )


def peer_keys_refreshed(*, peer: Peer, pinned: list[str], withdrawn: list[str], actor: Any) -> AuditEvent:
    return record(
        stream=PEER_STREAM,
        action="federation.peer_keys_refreshed",
        object_type="peer",
        object_id=peer.region_code,
        actor=actor,
        data={"pinned": pinned, "withdrawn": withdrawn},
    )


def peer_removed(*, region_code: str, actor: Any) -> AuditEvent:
    return record(
        stream=PEER_STREAM,
        action="federation.peer_removed",
        object_type="peer",
        object_id=region_code,
        actor=actor,
    )


def outbox_parked(*, message: OutboxMessage) -> AuditEvent:
    return record(
        stream=f"federation-outbox:{message.recipient_region}",
        action="federation.message_parked",
        object_type="outbox_message",
        object_id=str(message.message_id),
        actor=None,
        data={"attempts": message.attempts, "last_error": message.last_error},
    )


def outbox_retried(*, message: OutboxMessage, actor: Any) -> AuditEvent:
    return record(
        stream=f"federation-outbox:{message.recipient_region}",
        action="federation.message_retried",
        object_type="outbox_message",
        object_id=str(message.message_id),
        actor=actor,
    )


def ping_received(*, message: InboxMessage) -> AuditEvent:
    return record(
        stream=f"federation-inbox:{message.sender_region}",
        action="federation.ping_received",
        object_type="inbox_message",
        object_id=str(message.message_id),
        actor=None,
        data={"payload": message.payload, "correlation_id": message.correlation_id},
    )
