"""Connectors — the typed interface: how the exchange reaches the system that holds a resource. One module per kind.

A connector is small and typed: ``fetch(FetchRequest) -> Fetched``. It answers the record of one
subject (only the fields asked for), or ``found=False`` when the source holds none, and raises
``ProviderUnavailable`` (stable codes ``provider_unavailable`` / ``provider_timeout`` /
``provider_bad_answer``) when the source cannot answer. Approval checks, masking and the access
log are the exchange's (``services.exchange_read``), never a connector's; only the peer connector
carries the read's purpose and context to the other node, which checks its own approvals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class FetchRequest:
    resource_code: str
    resource_version: int
    config: dict[str, Any]
    subject_id: str
    fields: tuple[str, ...]
    # what the peer connector carries to the provider's node
    requester_region: str = ""
    department_code: str = ""
    department_label: str = ""
    actor_label: str = ""
    purpose: str = ""
    context_kind: str = ""
    context_id: str = ""


@dataclass(frozen=True)
class Fetched:
    found: bool
    data: dict[str, Any] = field(default_factory=dict)
    source_updated_at: dt.datetime | None = None
    # set by a peer: its signed answer, the key that signed it and its region
    token: str = ""
    kid: str = ""
    signer_region: str = ""
    approval_number: str = ""


class Connector(Protocol):
    kind: str

    def fetch(self, request: FetchRequest) -> Fetched: ...
