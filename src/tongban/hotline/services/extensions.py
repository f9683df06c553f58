"""Extensions of a ticket's time limit (延期): the department asks for more working days, a supervisor decides.

Both are actions of the ticket workflow (``common.TICKETS``) that leave the ticket's status as it is:
the request is recorded in its own row and as ``ticket.request_extension``; an approval moves the
ticket's deadline by the working days granted (``ticket.decide_extension``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import Conflict, InvalidTransition, ValidationFailed
from tongban.hotline import sla
from tongban.hotline.constants import WORKING_HOURS_PER_DAY, ExtensionStatus, TicketAction
from tongban.hotline.models import ExtensionRequest, Ticket
from tongban.hotline.services.common import TICKETS, clean_reason, lock_ticket, now_or, require_handler, require_line


@transaction.atomic
def extension_request(*, ticket: Ticket, actor: User, working_days: int, reason: str) -> ExtensionRequest:
    """The department asks for more working days; a supervisor decides."""
    ticket = lock_ticket(ticket)
    role = require_handler(actor, ticket)
    TICKETS.check(ticket, TicketAction.REQUEST_EXTENSION)
    reason = clean_reason(reason)
    if not 1 <= working_days <= 15:
        raise ValidationFailed(_("Ask for 1 to 15 working days."), code="invalid_extension_days")
    if ticket.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Conflict(_("An extension request is already waiting for a decision."), code="extension_pending")
    extension = ExtensionRequest.objects.create(
        ticket=ticket, requested_by=actor, working_days=working_days, reason=reason
    )
    TICKETS.apply(
        ticket,
        action=TicketAction.REQUEST_EXTENSION,
        actor=actor,
        role=role,
        reason=reason,
        data={"extension": extension.pk, "working_days": working_days},
        save=False,
    )
    return extension


@transaction.atomic
def extension_decide(
    *, extension: ExtensionRequest, actor: User, approve: bool, reason: str = "", now: dt.datetime | None = None
) -> ExtensionRequest:
    ticket = lock_ticket(extension.ticket_id)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    role = require_line(actor, ticket, supervisor=True)
    TICKETS.check(ticket, TicketAction.DECIDE_EXTENSION)
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("The extension request was already decided."), code="extension_decided")
    if not approve:
        reason = clean_reason(reason)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by = actor
    extension.decided_at = now_or(now)
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    data: dict[str, Any] = {"extension": extension.pk, "approved": approve}
    fields: list[str] = []
    if approve and ticket.due_at is not None:
        extra = extension.working_days * WORKING_HOURS_PER_DAY
        ticket.due_at = sla.add_working_hours(ticket.due_at, extra)
        ticket.sla_hours += extra
        fields = ["due_at", "sla_hours"]
        data["due_at"] = ticket.due_at.isoformat()
    TICKETS.apply(
        ticket,
        action=TicketAction.DECIDE_EXTENSION,
        actor=actor,
        role=role,
        fields=fields,
        reason=reason.strip(),
        data=data,
        save=bool(fields),
    )
    return extension
