"""Handlers of the messages and the query other nodes send about data sharing (跨区域查询).

- ``sharing.request_submitted`` / ``sharing.request_moved`` (messages, see ``messages``);
- ``sharing.read`` (query, ADR 0022): a read of one of this region's resources by a peer's
  department; this node checks its own approval, reads, logs and signs the answer.

Handlers check that the sender is the node the business object belongs to (as the hotline does).
"""

from __future__ import annotations

from typing import Any

from tongban.federation.models import InboxMessage
from tongban.federation.registry import register, register_query
from tongban.sharing import selectors, services
from tongban.sharing.connectors.peer import READ
from tongban.sharing.messages import MOVED, SUBMITTED


def _submitted(message: InboxMessage) -> None:
    services.request_receive_remote(payload=dict(message.payload), sender_region=message.sender_region)


def _moved(message: InboxMessage) -> None:
    payload = dict(message.payload)
    request = selectors.request_get(number=str(payload.get("number", "")))
    values = payload.get("values")
    services.request_apply_remote_move(
        request=request,
        action=str(payload.get("action", "")),
        values=dict(values) if isinstance(values, dict) else {},
        sender_region=message.sender_region,
    )


def _read(message: InboxMessage) -> dict[str, Any]:
    return services.serve_peer_read(payload=dict(message.payload), sender_region=message.sender_region)


def register_handlers() -> None:
    register(SUBMITTED)(_submitted)
    register(MOVED)(_moved)
    register_query(READ)(_read)
