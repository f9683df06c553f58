"""Trading over the federation: the shared expert pool and the summons of a peer's experts (ADR 0020).

Message types (schema version 1), handlers registered in ``TradingConfig.ready``; the sending side
is in ``pool`` (in the caller's transaction, through the outbox):

- ``trading.expert`` (origin → every peer): a shared expert, new or a new version (or unshared,
  suspended: peers stop drawing them). Only the expert's own region may send it.
- ``trading.pool_pull`` (a peer → origin): answered with ``trading.pool_snapshot`` parts of
  ``SNAPSHOT_PART`` experts.
- ``trading.summons`` (drawing node → the expert's home node): the expert was drawn; the home node
  notifies them and they answer there.
- ``trading.summons_reply`` (home node → drawing node): confirm, decline or recuse (conflict after the
  draw); a replacement is drawn at once for a decline or recusal.

Handlers check that the sender is the counterpart (the expert's region) and refuse with stable codes
otherwise; they are idempotent (expert versions, one summons per seat, answers to a seat that left).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ValidationFailed
from tongban.federation import services as federation
from tongban.federation.models import InboxMessage
from tongban.federation.registry import register
from tongban.trading import pool


def _payload(message: InboxMessage) -> dict[str, Any]:
    return message.payload if isinstance(message.payload, dict) else {}


@register(pool.EXPERT_MESSAGE, versions=(1,))
def _expert(message: InboxMessage) -> None:
    pool.expert_receive(sender_region=message.sender_region, doc=_payload(message).get("expert"))


@register(pool.POOL_SNAPSHOT, versions=(1,))
def _snapshot(message: InboxMessage) -> None:
    experts = _payload(message).get("experts")
    if not isinstance(experts, list):
        raise ValidationFailed(_("This is not an expert pool."), code="invalid_pool_snapshot")
    for doc in experts:
        pool.expert_receive(sender_region=message.sender_region, doc=doc)


@register(pool.POOL_PULL, versions=(1,))
def _pull(message: InboxMessage) -> None:
    docs = pool.shareable_documents()
    parts = max(1, -(-len(docs) // pool.SNAPSHOT_PART))
    for part in range(parts):
        federation.message_send(
            recipient_region=message.sender_region,
            type=pool.POOL_SNAPSHOT,
            payload={
                "part": part + 1,
                "parts": parts,
                "experts": docs[part * pool.SNAPSHOT_PART : (part + 1) * pool.SNAPSHOT_PART],
            },
            correlation_id=str(message.message_id),
            actor=None,
        )


@register(pool.SUMMONS_MESSAGE, versions=(1,))
def _summons(message: InboxMessage) -> None:
    pool.summons_receive(sender_region=message.sender_region, payload=_payload(message))


@register(pool.SUMMONS_REPLY, versions=(1,))
def _summons_reply(message: InboxMessage) -> None:
    pool.seat_reply_receive(sender_region=message.sender_region, payload=_payload(message))
