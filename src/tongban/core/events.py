"""Audit events of the core: one typed constructor per event."""

from __future__ import annotations

from typing import Any

from tongban.core import audit
from tongban.core.models import AuditEvent


def personal_data_read(*, actor: Any, view: str, purpose: str, reason: str, path: str, query: str) -> AuditEvent:
    """A member of staff got personal data of others from a view that recorded nothing itself."""
    return audit.record(
        stream=f"staff-reads:{getattr(actor, 'pk', '')}",
        action="core.personal_data_read",
        object_type="view",
        object_id=view[:120],
        actor=actor,
        actor_role="staff",
        reason=reason or purpose,
        data={"purpose": purpose, "path": path, "query": query},
    )
