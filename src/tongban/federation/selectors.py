"""Reads of the federation context."""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.federation import errors
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer


def peer_list() -> QuerySet[Peer]:
    return Peer.objects.prefetch_related("keys").order_by("region_code")


def peer_get(*, region_code: str) -> Peer:
    peer = Peer.objects.filter(region_code=region_code).first()
    if peer is None:
        raise errors.peer_not_found()
    return peer


def outbox_list(*, status: str | None = None) -> QuerySet[OutboxMessage]:
    rows = OutboxMessage.objects.order_by("id")
    return rows.filter(status=status) if status else rows


def inbox_list(*, sender_region: str | None = None) -> QuerySet[InboxMessage]:
    rows = InboxMessage.objects.order_by("id")
    return rows.filter(sender_region=sender_region) if sender_region else rows


def log_list(*, direction: str | None = None) -> QuerySet[MessageLog]:
    rows = MessageLog.objects.order_by("id")
    return rows.filter(direction=direction) if direction else rows
