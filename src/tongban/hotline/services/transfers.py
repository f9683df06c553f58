"""Cross-region transfers of tickets (京津冀 转送) over the federation (ADR 0013).

The originating line transfers a ticket (``ticket_transfer``): the ticket, without the caller's
contact details, goes to the other region's node as ``hotline.ticket_transfer``; there it becomes a
ticket of channel ``transfer`` (``transfer_receive``), acknowledged with its number
(``transfer_mark_sent``); once the receiving line closes it, its outcome goes back
(``send_outcome_back``) and closes the original (``transfer_outcome_receive``), whose line then
calls the caller back. The handlers of the messages are in ``hotline.federation``; this module
only sends through ``federation.services`` (a lower layer) and never imports them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tongban.federation import services as federation
from tongban.federation.constants import PeerStatus
from tongban.federation.models import Peer
from tongban.hotline import events
from tongban.hotline.constants import (
    MAX_CONTENT,
    OUTCOME_MESSAGE,
    SUBJECTS,
    TRANSFER_MESSAGE,
    Channel,
    TicketAction,
    TicketCategory,
    TransferStatus,
    Urgency,
)
from tongban.hotline.models import Ticket, TicketTransfer
from tongban.hotline.services import common
from tongban.hotline.services.common import (
    TICKETS,
    clean_reason,
    clean_text,
    lock_ticket,
    now_or,
    require_line,
    validate_region,
)
from tongban.regions.models import Region

# ------------------------------------------------------------------ sending (in the caller's transaction)


def send_transfer(*, transfer: TicketTransfer, actor: User | None) -> None:
    """Queue the transfer for the receiving region's node (refused if that region is not a peer)."""
    if not Peer.objects.filter(region_code=transfer.to_region_id, status=PeerStatus.ACTIVE).exists():
        raise ValidationFailed(
            _("This region's hotline is not connected to this node."), code="transfer_region_not_peer"
        )
    federation.message_send(
        recipient_region=transfer.to_region_id,
        type=TRANSFER_MESSAGE,
        payload=transfer.payload,
        correlation_id=str(transfer.message_id),
        actor=actor,
    )


def send_outcome(*, ticket: Ticket, actor: User | None) -> None:
    """The receiving line closed a transferred ticket: its reply goes back to the originating line."""
    if ticket.transferred_from_id is None:
        return
    federation.message_send(
        recipient_region=ticket.transferred_from_id,
        type=OUTCOME_MESSAGE,
        payload=transfer_outcome_payload(ticket=ticket),
        correlation_id=ticket.external_id,
        actor=actor,
    )


def send_outcome_back(ticket: Ticket, actor: User | None) -> None:
    """A ticket transferred here from another region is closed: its outcome goes back to that line."""
    if ticket.channel == Channel.TRANSFER and ticket.transferred_from_id is not None:
        send_outcome(ticket=ticket, actor=actor)


# ------------------------------------------------------------------ the transfer


def transfer_payload(*, ticket: Ticket, transfer_id: uuid.UUID, to_region: Region, reason: str) -> dict[str, Any]:
    """The message the federation carries to the other region's node. No caller's contact details:
    the originating line keeps the caller and does the revisit."""
    return {
        "type": TRANSFER_MESSAGE,
        "version": 1,
        "message_id": str(transfer_id),
        "from_region": ticket.line_region_id,
        "to_region": to_region.code,
        "ticket": {
            "number": ticket.number,
            "category": ticket.category,
            "subject": ticket.subject,
            "urgency": ticket.urgency,
            "title": ticket.title,
            "content": ticket.content,
            "location": ticket.location,
            "region": ticket.region_id,
            "lat": ticket.lat,
            "long": ticket.long,
            "received_at": ticket.created_at.isoformat(),
        },
        "reason": reason,
    }


@transaction.atomic
def ticket_transfer(*, ticket: Ticket, actor: User, to_region: Region, reason: str) -> TicketTransfer:
    """Mark a ticket as transferred to another region and queue the transfer message for that region's node
    (refused when the region is not a peer of this node)."""
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    reason = clean_reason(reason)
    TICKETS.check(ticket, TicketAction.TRANSFER)
    if to_region.code == ticket.line_region_id or to_region.parent_id is not None:
        raise ValidationFailed(
            _("Transfer to another province-level region's hotline."), code="invalid_transfer_region"
        )
    message_id = uuid.uuid4()
    transfer = TicketTransfer.objects.create(
        message_id=message_id,
        ticket=ticket,
        to_region=to_region,
        payload=transfer_payload(ticket=ticket, transfer_id=message_id, to_region=to_region, reason=reason),
    )
    send_transfer(transfer=transfer, actor=actor)
    ticket.transferred_to = to_region
    TICKETS.apply(
        ticket,
        action=TicketAction.TRANSFER,
        actor=actor,
        role=role,
        fields=["transferred_to"],
        reason=reason,
        data={"to_region": to_region.code, "message_id": str(message_id)},
    )
    return transfer


@transaction.atomic
def transfer_mark_sent(
    *,
    message_id: uuid.UUID | str,
    sender_region: str | None = None,
    remote_number: str = "",
    now: dt.datetime | None = None,
) -> TicketTransfer:
    """The receiving region's node has the transfer (its acknowledgement, with its ticket number). Idempotent.

    ``sender_region``: the node that acknowledged; it must be the region the ticket was transferred to."""
    try:
        transfer = TicketTransfer.objects.select_for_update().get(message_id=message_id)
    except (TicketTransfer.DoesNotExist, ValueError, Exception) as exc:
        raise NotFound(_("The transfer was not found."), code="transfer_not_found") from exc
    if sender_region is not None and sender_region != transfer.to_region_id:
        raise PermissionDenied(_("The acknowledgement comes from another region."), code="wrong_transfer_region")
    if transfer.status == TransferStatus.PENDING:
        transfer.status = TransferStatus.SENT
        transfer.sent_at = now_or(now)
        transfer.remote_number = remote_number.strip()[:24]
        transfer.save(update_fields=["status", "sent_at", "remote_number"])
        ticket = Ticket.objects.get(pk=transfer.ticket_id)
        events.transfer_received(ticket=ticket, to_region=transfer.to_region_id, remote_number=transfer.remote_number)
    return transfer


@transaction.atomic
def transfer_receive(
    *, payload: dict[str, Any], sender_region: str | None = None, now: dt.datetime | None = None
) -> Ticket:
    """On the receiving node: turn a transfer message into a local ticket (idempotent by message id),
    marked with the originating region and its number there.

    ``sender_region``: the node the message came from; it must be the ticket's originating line."""
    if payload.get("type") != TRANSFER_MESSAGE or not isinstance(payload.get("ticket"), dict):
        raise ValidationFailed(_("This is not a ticket transfer."), code="invalid_transfer_message")
    if sender_region is not None and payload.get("from_region") != sender_region:
        raise PermissionDenied(_("The transfer comes from another region's node."), code="transfer_sender_mismatch")
    origin = Region.objects.filter(code=str(payload.get("from_region", ""))[:6], parent__isnull=True).first()
    if origin is None:
        raise ValidationFailed(_("This is not a ticket transfer."), code="invalid_transfer_message")
    message_id = str(payload.get("message_id", ""))[:64]
    try:
        uuid.UUID(message_id)
    except ValueError as exc:
        raise ValidationFailed(_("This is not a ticket transfer."), code="invalid_transfer_message") from exc
    existing = Ticket.objects.filter(channel=Channel.TRANSFER, external_id=message_id).first()
    if existing is not None:
        return existing
    data = payload["ticket"]
    line_region = validate_region(settings.TONGBAN_REGION)
    if payload.get("to_region") != line_region.code:
        raise ValidationFailed(_("The transfer is meant for another region."), code="wrong_transfer_region")
    region_code = str(data.get("region") or line_region.code)
    region = Region.objects.filter(code=region_code).first() or line_region
    category = str(data.get("category", ""))
    if category not in TicketCategory.values:
        raise ValidationFailed(_("Choose a category."), code="invalid_category")
    now = now_or(now)
    ticket = Ticket.objects.create(
        number=common.new_number(line_region, now),
        check_code=f"{secrets.randbelow(10**6):06d}",
        line_region=line_region,
        region=region,
        channel=Channel.TRANSFER,
        category=category,
        subject=str(data.get("subject", "")) if data.get("subject") in SUBJECTS else "",
        urgency=str(data.get("urgency")) if data.get("urgency") in Urgency.values else Urgency.NORMAL,
        title=str(data.get("title", ""))[:200] or gettext("Transferred ticket"),
        content=clean_text(
            str(data.get("content", "")),
            max_length=MAX_CONTENT,
            code="invalid_content",
            message=_("Describe the request (at most 4000 characters)."),
        ),
        location=str(data.get("location", ""))[:200],
        caller_anonymous=True,
        created_at=now,
        external_id=message_id,
        transferred_from=origin,
        origin_number=str(data.get("number", ""))[:24],
    )
    events.ticket_created(ticket=ticket, actor=None, role="federation")
    return ticket


def transfer_outcome_payload(*, ticket: Ticket) -> dict[str, Any]:
    """On the receiving node, once a transferred ticket is replied to: the outcome message to send back."""
    if ticket.channel != Channel.TRANSFER or not ticket.reply:
        raise InvalidTransition(_("The ticket has no outcome to send back yet."), code="no_transfer_outcome")
    return {
        "type": OUTCOME_MESSAGE,
        "version": 1,
        "message_id": ticket.external_id,
        "from_region": ticket.line_region_id,
        "reply": ticket.reply,
        "department": ticket.department.name if ticket.department else "",
        "replied_at": ticket.replied_at.isoformat() if ticket.replied_at else None,
        "on_time": ticket.on_time,
    }


@transaction.atomic
def transfer_outcome_receive(
    *, payload: dict[str, Any], sender_region: str | None = None, now: dt.datetime | None = None
) -> Ticket:
    """On the originating node: the other region's outcome closes the ticket; the line then revisits.

    ``sender_region``: the node the outcome came from; it must be the region the ticket was
    transferred to. Idempotent: a second delivery of the same outcome changes nothing."""
    if payload.get("type") != OUTCOME_MESSAGE:
        raise ValidationFailed(_("This is not a transfer outcome."), code="invalid_outcome_message")
    try:
        transfer = TicketTransfer.objects.select_for_update().get(message_id=str(payload.get("message_id")))
    except (TicketTransfer.DoesNotExist, ValueError, Exception) as exc:
        raise NotFound(_("The transfer was not found."), code="transfer_not_found") from exc
    ticket = lock_ticket(transfer.ticket_id)
    if payload.get("from_region") != transfer.to_region_id or sender_region not in (None, transfer.to_region_id):
        raise PermissionDenied(_("The outcome comes from another region."), code="wrong_outcome_region")
    if transfer.status == TransferStatus.ANSWERED:
        return ticket
    reply = clean_text(
        str(payload.get("reply", "")), max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the reply.")
    )
    now = now_or(now)
    transfer.status = TransferStatus.ANSWERED
    transfer.outcome = payload
    transfer.outcome_at = now
    transfer.save(update_fields=["status", "outcome", "outcome_at"])
    ticket.reply = reply
    ticket.replied_at = ticket.closed_at = now
    ticket.on_time = payload.get("on_time") if isinstance(payload.get("on_time"), bool) else None
    return TICKETS.apply(
        ticket,
        action=TicketAction.TRANSFER_OUTCOME,
        actor=None,
        role="federation",
        fields=["reply", "replied_at", "closed_at", "on_time"],
        data={"message_id": str(transfer.message_id), "from_region": transfer.to_region_id},
    )
