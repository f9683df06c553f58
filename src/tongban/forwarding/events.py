"""Audit events of cross-region cases.

Origin side: the stream ``remote-case:<id>``. Deciding side: the case's own stream
``case:<id>`` (the peer's steps recorded with the role ``peer_node`` and the origin region).
Personal data is not copied into events.
"""

from __future__ import annotations

from typing import Any

from tongban.cases.models import Case
from tongban.core import audit
from tongban.core.models import AuditEvent
from tongban.forwarding.models import RemoteCase

PEER_ROLE = "peer_node"


def remote(
    remote_case: RemoteCase,
    *,
    action: str,
    actor: Any,
    role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit.record(
        stream=remote_case.stream,
        action=f"remote_case.{action}",
        object_type="remote_case",
        object_id=remote_case.pk,
        actor=actor,
        actor_role=role,
        reason=reason,
        data={"forward_id": str(remote_case.forward_id), "peer": remote_case.peer_region, **(data or {})},
    )


def on_case(case: Case, *, action: str, origin: str, data: dict[str, Any] | None = None) -> AuditEvent:
    return audit.record(
        stream=case.stream,
        action=f"case.{action}",
        object_type="case",
        object_id=case.pk,
        actor=None,
        actor_role=PEER_ROLE,
        data={"origin_region": origin, **(data or {})},
    )


def peer_refusal(*, origin: str, forward_id: str, code: str) -> AuditEvent:
    return audit.record(
        stream=f"forwarding:{origin}",
        action="forwarding.refused",
        object_type="forwarded_case",
        object_id=forward_id,
        actor=None,
        actor_role=PEER_ROLE,
        data={"code": code},
    )
