"""The 12345 hotline over the federation (ADR 0013): cross-region ticket transfers (京津冀 转送) and the
shared knowledge base, as signed messages between nodes.

Message types (schema version 1), each with its handler registered in ``HotlineConfig.ready``:

- ``hotline.ticket_transfer`` (originating line → receiving region): the ticket, without the
  caller's contact details. The receiver creates a ticket there (channel ``transfer``, marked with
  the originating region and its number) and answers with
- ``hotline.ticket_transfer_received`` (receiver → origin): the receiver's ticket number; the
  originating line's transfer is marked sent (received there).
- ``hotline.ticket_transfer_outcome`` (receiver → origin), once the receiving line closes its
  ticket: the reply. The originating ticket is closed with it and its line does the revisit (回访).
- ``hotline.kb_entry`` (origin → every peer): a shareable entry published, or a new version of it.
- ``hotline.kb_entry_withdrawn`` (origin → every peer): a shared entry retired.
- ``hotline.kb_pull`` (a new peer → origin): asks for every shareable entry, answered with
- ``hotline.kb_snapshot`` (origin → that peer): the entries, in parts of ``SNAPSHOT_PART`` entries.

Each handler checks that the sender is the counterpart of what it touches (the region the ticket
was transferred to, the origin region of an entry) and refuses with a stable code otherwise. They
are idempotent: a transfer is keyed on its id, an outcome on its transfer, an entry on its uid and
version. The federation's inbox already refuses a second delivery of the same message.

The sending side lives with the services (``services.transfers``, ``services.knowledge_base``),
which send through ``federation.services``; this module only receives, and nothing in the
services imports it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import ValidationFailed
from tongban.federation import services as federation
from tongban.federation.models import InboxMessage
from tongban.federation.registry import register
from tongban.hotline import services
from tongban.hotline.constants import (
    KB_ENTRY_MESSAGE,
    KB_EXPORT_FORMAT,
    KB_PULL_MESSAGE,
    KB_SNAPSHOT_MESSAGE,
    KB_WITHDRAWN_MESSAGE,
    OUTCOME_MESSAGE,
    TRANSFER_MESSAGE,
    TRANSFER_RECEIVED_MESSAGE,
    KnowledgeStatus,
)
from tongban.hotline.models import KnowledgeEntry

TRANSFER = TRANSFER_MESSAGE
TRANSFER_RECEIVED = TRANSFER_RECEIVED_MESSAGE
OUTCOME = OUTCOME_MESSAGE
KB_ENTRY = KB_ENTRY_MESSAGE
KB_WITHDRAWN = KB_WITHDRAWN_MESSAGE
KB_PULL = KB_PULL_MESSAGE
KB_SNAPSHOT = KB_SNAPSHOT_MESSAGE
SNAPSHOT_PART = 200


def _payload(message: InboxMessage) -> dict[str, Any]:
    return message.payload if isinstance(message.payload, dict) else {}


# ------------------------------------------------------------------ asking peers


@transaction.atomic(durable=True)
def kb_pull(*, actor: User | None, region: str | None = None) -> list[str]:
    """Ask peers (all, or one region) for their shareable knowledge base; they answer with snapshots."""
    peers = [region] if region else services.active_peers()
    for code in peers:
        federation.message_send(recipient_region=code, type=KB_PULL, payload={}, actor=actor)
    return peers


# ------------------------------------------------------------------ handlers (in the receiving transaction)


@register(TRANSFER, versions=(1,))
def _transfer(message: InboxMessage) -> None:
    ticket = services.transfer_receive(payload=_payload(message), sender_region=message.sender_region)
    federation.message_send(
        recipient_region=message.sender_region,
        type=TRANSFER_RECEIVED,
        payload={"message_id": ticket.external_id, "number": ticket.number},
        correlation_id=ticket.external_id,
        actor=None,
    )


@register(TRANSFER_RECEIVED, versions=(1,))
def _transfer_received(message: InboxMessage) -> None:
    payload = _payload(message)
    services.transfer_mark_sent(
        message_id=str(payload.get("message_id", "")),
        sender_region=message.sender_region,
        remote_number=str(payload.get("number", "")),
    )


@register(OUTCOME, versions=(1,))
def _outcome(message: InboxMessage) -> None:
    services.transfer_outcome_receive(payload=_payload(message), sender_region=message.sender_region)


@register(KB_ENTRY, versions=(1,))
def _kb_entry(message: InboxMessage) -> None:
    entry = _payload(message).get("entry")
    services.kb_receive(sender_region=message.sender_region, entries=[entry])


@register(KB_SNAPSHOT, versions=(1,))
def _kb_snapshot(message: InboxMessage) -> None:
    entries = _payload(message).get("entries")
    if not isinstance(entries, list):
        raise ValidationFailed(_("This is not a knowledge-base export."), code="invalid_kb_document")
    services.kb_receive(sender_region=message.sender_region, entries=entries)


@register(KB_WITHDRAWN, versions=(1,))
def _kb_withdrawn(message: InboxMessage) -> None:
    payload = _payload(message)
    services.kb_withdraw_receive(
        sender_region=message.sender_region, uid=str(payload.get("uid", "")), version=payload.get("version")
    )


@register(KB_PULL, versions=(1,))
def _kb_pull(message: InboxMessage) -> None:
    """Answer a peer's pull with every shareable published entry of this region, in parts."""
    own = settings.TONGBAN_REGION
    entries = [
        services.kb_entry_document(e)
        for e in KnowledgeEntry.objects.filter(
            status=KnowledgeStatus.PUBLISHED, shareable=True, origin_region_id=own
        ).order_by("pk")
    ]
    parts = max(1, -(-len(entries) // SNAPSHOT_PART))
    for part in range(parts):
        federation.message_send(
            recipient_region=message.sender_region,
            type=KB_SNAPSHOT,
            payload={
                "format": KB_EXPORT_FORMAT,
                "part": part + 1,
                "parts": parts,
                "entries": entries[part * SNAPSHOT_PART : (part + 1) * SNAPSHOT_PART],
            },
            correlation_id=str(message.message_id),
            actor=None,
        )
