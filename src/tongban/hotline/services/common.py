"""What every part of the hotline's services shares: errors, roles, the ticket workflow, clean-up of input.

Roles: hotline agents (``hotline_agent``) and supervisors (``hotline_supervisor``) of a department
of the line's region (or of a region directly under it) take, dispatch, answer, close, revisit and
transfer tickets; supervisors also supervise (督办), decide on extensions and escalate; handlers
(``hotline_handler``) of the department a ticket is dispatched to accept, return, reply and ask for
extensions. The roles come from the one roles selector (``accounts.selectors.user_roles``).

The ticket workflow (``TICKETS``): every ticket action is checked against
``constants.TRANSITIONS``, and a move saves the status with the action's fields, appends
``ticket.<action>`` on ``ticket:<id>`` and queues the action's notice to the department's
handlers, in the caller's transaction (``core.workflow``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.notifications import notify_role_holders
from tongban.accounts.selectors import user_roles
from tongban.core.errors import NotFound, PermissionDenied, ValidationFailed
from tongban.core.workflow import Move, Workflow
from tongban.hotline import events, sla
from tongban.hotline.constants import TRANSITIONS, TicketStatus
from tongban.hotline.models import Ticket
from tongban.regions.models import Department, Region

# ------------------------------------------------------------------ errors


class TicketNotFound(NotFound):
    default_code = "ticket_not_found"
    default_message = _("The ticket was not found.")


class NotYourTicket(PermissionDenied):
    default_code = "ticket_forbidden"
    default_message = _("You may not act on this ticket.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give the reasons.")


class KnowledgeNotFound(NotFound):
    default_code = "knowledge_not_found"
    default_message = _("The knowledge-base entry was not found.")


LINE_ROLES = (StaffRoleKind.HOTLINE_AGENT, StaffRoleKind.HOTLINE_SUPERVISOR)
HOTLINE_ROLES = (*LINE_ROLES, StaffRoleKind.HOTLINE_HANDLER)
PREFIXES = {"110000": "BJ", "120000": "TJ", "130000": "HB"}

# ------------------------------------------------------------------ roles


def line_roles(*, actor: User | None, region_id: str) -> set[str]:
    """The hotline roles (agent, supervisor) ``actor`` holds on the line of ``region_id``."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return set()
    if actor.is_superuser:
        return {StaffRoleKind.HOTLINE_AGENT.value, StaffRoleKind.HOTLINE_SUPERVISOR.value}
    return {held.role for held in user_roles(user=actor, roles=LINE_ROLES, region=region_id, subregions=True)}


def handler_department_ids(*, actor: User) -> set[int]:
    return {held.department_id for held in user_roles(user=actor, roles=[StaffRoleKind.HOTLINE_HANDLER])}


def require_line(actor: User | None, ticket: Ticket, *, supervisor: bool = False) -> str:
    """The role in which ``actor`` acts for the ticket's line (a supervisor's only, with ``supervisor``)."""
    roles = line_roles(actor=actor, region_id=ticket.line_region_id)
    if supervisor:
        if StaffRoleKind.HOTLINE_SUPERVISOR in roles:
            return StaffRoleKind.HOTLINE_SUPERVISOR
        raise NotYourTicket(_("Only a hotline supervisor may do this."))
    if StaffRoleKind.HOTLINE_AGENT in roles:
        return StaffRoleKind.HOTLINE_AGENT
    if StaffRoleKind.HOTLINE_SUPERVISOR in roles:
        return StaffRoleKind.HOTLINE_SUPERVISOR
    raise NotYourTicket(_("Only hotline agents of this line may do this."))


def require_handler(actor: User, ticket: Ticket) -> str:
    """``hotline_handler`` if ``actor`` handles tickets of the department the ticket is dispatched to."""
    if (
        actor.is_active
        and ticket.department_id is not None
        and ticket.department_id in handler_department_ids(actor=actor)
    ):
        return StaffRoleKind.HOTLINE_HANDLER
    raise NotYourTicket(_("Only handlers of the department the ticket is dispatched to may do this."))


# ------------------------------------------------------------------ the ticket workflow


def lock_ticket(ticket: Ticket | int) -> Ticket:
    """The ticket's row, locked until the transaction ends (with its department and line region)."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        return Ticket.objects.select_for_update(of=("self",)).select_related("department", "line_region").get(pk=pk)
    except Ticket.DoesNotExist as exc:
        raise TicketNotFound() from exc


def notify_department(ticket: Ticket, subject: str) -> None:
    """A notice to the handlers of the department the ticket is with (none when it is with none)."""
    if ticket.department_id is None:
        return
    notify_role_holders(
        department_id=ticket.department_id,
        role=StaffRoleKind.HOTLINE_HANDLER,
        subject=subject,
        body=ticket.title,
        kind="case",
        link=f"/hotline/tickets/{ticket.pk}/",
    )


def _record(move: Move[Ticket]) -> Any:
    return events.ticket_transitioned(
        ticket=move.obj,
        action=move.action,
        from_status=move.from_status,
        actor=move.actor,
        role=move.role,
        reason=move.reason,
        data=move.data,
    )


def _notify(move: Move[Ticket]) -> None:
    if move.notice:
        notify_department(move.obj, move.notice)


TICKETS: Workflow[Ticket] = Workflow(
    name="ticket",
    model=Ticket,
    table=TRANSITIONS,
    label=lambda status: TicketStatus(status).label,
    record=_record,
    notify=_notify,
    not_allowed=_("This action is not allowed while the ticket is “%(status)s”."),
    lock=lock_ticket,
    resolve_target=lambda ticket, action: str(ticket.status),  # None in the table: the status stays
)


# ------------------------------------------------------------------ input and helpers


def now_or(now: dt.datetime | None = None) -> dt.datetime:
    return now or timezone.now()


def clean_text(value: str, *, max_length: int, code: str, message: Any, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if "\x00" in cleaned:
        raise ValidationFailed(message, code=code)
    if required and not cleaned:
        raise ValidationFailed(message, code=code)
    if len(cleaned) > max_length:
        raise ValidationFailed(message, code=code)
    return cleaned


def clean_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonRequired()
    if len(cleaned) > 2000 or "\x00" in cleaned:
        raise ValidationFailed(_("The reasons are too long (2000 characters at most)."), code="reason_too_long")
    return cleaned


def start_clock(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Start the ticket's SLA clock at ``now``; answers the fields it set."""
    ticket.dispatched_at = now
    ticket.due_at, ticket.sla_hours = sla.due_at(start=now, category=ticket.category, urgency=ticket.urgency)
    return ["dispatched_at", "due_at", "sla_hours"]


def check_department(ticket: Ticket, department: Department) -> None:
    """The department must be of the line's region or of a region directly under it."""
    if department.region_id == ticket.line_region_id:
        return
    if department.region.parent_id != ticket.line_region_id:
        raise ValidationFailed(
            _("The department does not belong to this hotline's region."), code="department_not_in_region"
        )


def new_number(line_region: Region, now: dt.datetime) -> str:
    """A random ticket number of the line: its prefix, the date, eight random digits."""
    prefix = PREFIXES.get(line_region.code, line_region.code[:2])
    return f"{prefix}{timezone.localtime(now):%y%m%d}{secrets.randbelow(10**8):08d}"


def validate_region(region: Region | str | None) -> Region:
    if isinstance(region, Region):
        return region
    code = region or settings.TONGBAN_REGION
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise ValidationFailed(_("The region is unknown."), code="unknown_region") from exc
