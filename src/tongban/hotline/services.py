"""Writes of the 12345 hotline: tickets through the closed loop, extensions, transfers, the knowledge base.

Every ticket transition locks the ticket row, checks the allowed previous states in
``constants.TRANSITIONS``, checks the actor's role, saves with ``update_fields`` and writes an
audit event on ``ticket:<id>``, all in one transaction.

Roles: hotline agents (``hotline_agent``) and supervisors (``hotline_supervisor``) of a department
of the line's region take, dispatch, answer, close, revisit and transfer tickets; supervisors also
supervise (督办), decide on extensions and escalate; handlers (``hotline_handler``) of the
department a ticket is dispatched to accept, return, reply and ask for extensions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.notifications import notify, notify_role_holders
from tongban.core.context import request_context
from tongban.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.hotline import events, sla, store
from tongban.hotline.constants import (
    MAX_CONTENT,
    SUBJECTS,
    TRANSITIONS,
    WORKING_HOURS_PER_DAY,
    Channel,
    ExtensionStatus,
    KnowledgeStatus,
    Satisfaction,
    TicketAction,
    TicketCategory,
    TicketStatus,
    TransferStatus,
    Urgency,
)
from tongban.hotline.models import ExtensionRequest, KnowledgeEntry, Open311Key, Ticket, TicketTransfer
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
_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# ------------------------------------------------------------------ roles


_ROLES_MEMO = "_tongban_hotline_roles"


def _hotline_roles(actor: User) -> list[tuple[str, int, str, str | None]]:
    """(role, department id, its region, the region's parent) of every hotline role of ``actor``.

    Within one request the answer is remembered on the actor (the request's user object) and keyed
    by the request's context, so the intake, its checks and its response ask the database once;
    outside a request (tasks, commands, tests calling services) it is read every time.
    """
    ctx = request_context()
    memo = actor.__dict__.get(_ROLES_MEMO)
    if ctx is not None and memo is not None and memo[0] is ctx:
        return cast(list[tuple[str, int, str, str | None]], memo[1])
    rows = store.hotline_role_rows(actor.pk, [str(r) for r in HOTLINE_ROLES])
    if ctx is not None:
        actor.__dict__[_ROLES_MEMO] = (ctx, rows)
    return rows


def line_roles(*, actor: User | None, region_id: str) -> set[str]:
    """The hotline roles (agent, supervisor) ``actor`` holds on the line of ``region_id``."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return set()
    if actor.is_superuser:
        return {StaffRoleKind.HOTLINE_AGENT.value, StaffRoleKind.HOTLINE_SUPERVISOR.value}
    return {
        role
        for role, _department, region, parent in _hotline_roles(actor)
        if role in LINE_ROLES and region_id in (region, parent)
    }


def handler_department_ids(*, actor: User) -> set[int]:
    return {
        department
        for role, department, _region, _parent in _hotline_roles(actor)
        if role == StaffRoleKind.HOTLINE_HANDLER
    }


def _require_line(actor: User | None, ticket: Ticket, *, supervisor: bool = False) -> str:
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


def _require_handler(actor: User, ticket: Ticket) -> str:
    if (
        actor.is_active
        and ticket.department_id is not None
        and ticket.department_id in handler_department_ids(actor=actor)
    ):
        return StaffRoleKind.HOTLINE_HANDLER
    raise NotYourTicket(_("Only handlers of the department the ticket is dispatched to may do this."))


# ------------------------------------------------------------------ helpers


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return now or timezone.now()


def _lock(ticket: Ticket | int) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        return Ticket.objects.select_for_update(of=("self",)).select_related("department", "line_region").get(pk=pk)
    except Ticket.DoesNotExist as exc:
        raise TicketNotFound() from exc


def _check(ticket: Ticket, action: TicketAction) -> TicketStatus:
    transition = TRANSITIONS[action]
    if ticket.status not in transition.sources:
        raise InvalidTransition(
            _("This action is not allowed while the ticket is “%(status)s”.")
            % {"status": TicketStatus(ticket.status).label},
            details={"status": ticket.status, "action": action.value},
        )
    return transition.target or TicketStatus(ticket.status)


def _apply(
    ticket: Ticket,
    *,
    action: TicketAction,
    actor: User | None,
    role: str,
    fields: Iterable[str] = (),
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Ticket:
    previous = ticket.status
    ticket.status = _check(ticket, action)
    ticket.save(update_fields=["status", "updated_at", *fields])
    events.ticket_transitioned(
        ticket=ticket, action=action.value, from_status=previous, actor=actor, role=role, reason=reason, data=data
    )
    return ticket


def _text(value: str, *, max_length: int, code: str, message: Any, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if "\x00" in cleaned:
        raise ValidationFailed(message, code=code)
    if required and not cleaned:
        raise ValidationFailed(message, code=code)
    if len(cleaned) > max_length:
        raise ValidationFailed(message, code=code)
    return cleaned


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonRequired()
    if len(cleaned) > 2000 or "\x00" in cleaned:
        raise ValidationFailed(_("The reasons are too long (2000 characters at most)."), code="reason_too_long")
    return cleaned


def _notify_department(ticket: Ticket, subject: str) -> None:
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


def _start_clock(ticket: Ticket, now: dt.datetime) -> list[str]:
    ticket.dispatched_at = now
    ticket.due_at, ticket.sla_hours = sla.due_at(start=now, category=ticket.category, urgency=ticket.urgency)
    return ["dispatched_at", "due_at", "sla_hours"]


def _check_department(ticket: Ticket, department: Department) -> None:
    if department.region_id == ticket.line_region_id:
        return
    if department.region.parent_id != ticket.line_region_id:
        raise ValidationFailed(
            _("The department does not belong to this hotline's region."), code="department_not_in_region"
        )


# ------------------------------------------------------------------ intake


def _new_number(line_region: Region, now: dt.datetime) -> str:
    prefix = PREFIXES.get(line_region.code, line_region.code[:2])
    return f"{prefix}{timezone.localtime(now):%y%m%d}{secrets.randbelow(10**8):08d}"


def _insert_numbered(ticket: Ticket, line_region: Region, now: dt.datetime, *, attempts: int = 5) -> None:
    """Insert a new ticket under a fresh random number in one statement: a number already taken
    (``ON CONFLICT`` on the unique number does nothing) is drawn again, with no savepoint."""
    for _attempt in range(attempts):
        ticket.number = _new_number(line_region, now)
        if store.ticket_insert_unless_number_taken(ticket):
            return
    raise Conflict(_("Please try again."), code="number_collision")


def _validate_region(region: Region | str | None) -> Region:
    if isinstance(region, Region):
        return region
    code = region or settings.TONGBAN_REGION
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise ValidationFailed(_("The region is unknown."), code="unknown_region") from exc


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    channel: str,
    category: str,
    content: str,
    title: str = "",
    region: Region | str | None = None,
    subject: str = "",
    urgency: str = Urgency.NORMAL,
    location: str = "",
    lat: float | None = None,
    long: float | None = None,
    anonymous: bool = False,
    caller_name: str = "",
    caller_phone: str = "",
    caller_email: str = "",
    external_id: str = "",
    department: Department | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Take a request (受理) from any channel; with ``department``, dispatch it (派单) in the same transaction.

    Phone calls, social media and letters are entered by agents; residents file on the web or the
    app themselves (``actor`` is the resident); Open311 clients file with an API key (``actor``
    is None, channel ``open311``). An anonymous caller leaves no name or contact.
    """
    now = _now(now)
    line_code = settings.TONGBAN_REGION
    wanted = region.code if isinstance(region, Region) else (region or line_code)
    found = {r.code: r for r in store.regions_by_code(sorted({line_code, str(wanted)[:6]}))}
    if line_code not in found:
        raise ValidationFailed(_("The region is unknown."), code="unknown_region")
    line_region = found[line_code]
    if channel not in Channel.values or channel == Channel.TRANSFER:
        raise ValidationFailed(_("The channel is unknown."), code="invalid_channel")
    roles = line_roles(actor=actor, region_id=line_region.code)
    caller_user = None
    if roles:
        role = StaffRoleKind.HOTLINE_AGENT.value
    elif channel in (Channel.WEB, Channel.MOBILE) and actor is not None and actor.is_authenticated:
        role, caller_user = "caller", actor
    elif channel == Channel.OPEN311 and actor is None:
        role = "open311"
    else:
        raise NotYourTicket(_("Only hotline agents may enter tickets from this channel."))
    if category not in TicketCategory.values:
        raise ValidationFailed(_("Choose a category."), code="invalid_category")
    if urgency not in Urgency.values:
        raise ValidationFailed(_("The urgency is unknown."), code="invalid_urgency")
    if subject and subject not in SUBJECTS:
        raise ValidationFailed(_("The subject is unknown."), code="invalid_subject")
    content = _text(
        content,
        max_length=MAX_CONTENT,
        code="invalid_content",
        message=_("Describe the request (at most 4000 characters)."),
    )
    title = _text(title, max_length=200, code="invalid_title", message=_("The title is too long."), required=False)
    title = title or content.replace("\n", " ")[:40]
    location = _text(
        location, max_length=200, code="invalid_location", message=_("The location is too long."), required=False
    )
    for value, low, high in ((lat, -90.0, 90.0), (long, -180.0, 180.0)):
        if value is not None and not (low <= value <= high):
            raise ValidationFailed(_("The coordinates are not valid."), code="invalid_coordinates")
    if isinstance(region, Region):
        region_obj = region
    elif str(wanted) in found:
        region_obj = found[str(wanted)]
    else:
        raise ValidationFailed(_("The region is unknown."), code="unknown_region")
    if anonymous:
        caller_name = caller_phone = caller_email = ""
    else:
        caller_name = _text(
            caller_name, max_length=60, code="invalid_caller", message=_("The name is too long."), required=False
        )
        caller_phone = (caller_phone or "").strip()
        if caller_phone and not _PHONE.match(caller_phone):
            raise ValidationFailed(_("The phone number is not valid."), code="invalid_phone")
        caller_email = (caller_email or "").strip()
        if caller_email and (len(caller_email) > 120 or not _EMAIL.match(caller_email)):
            raise ValidationFailed(_("The email address is not valid."), code="invalid_email")
        if caller_user is not None:
            caller_name = caller_name or caller_user.display_name
            caller_phone = caller_phone or caller_user.phone
    ticket = Ticket(
        check_code=f"{secrets.randbelow(10**6):06d}",
        line_region=line_region,
        region=region_obj,
        channel=channel,
        category=category,
        subject=subject,
        urgency=urgency,
        title=title,
        content=content,
        location=location,
        lat=lat,
        long=long,
        caller_anonymous=anonymous,
        caller_name=caller_name,
        caller_phone=caller_phone,
        caller_email=caller_email,
        caller_user=caller_user,
        created_by=actor if role != "open311" else None,
        created_at=now,
        external_id=external_id[:64],
    )
    if urgency == Urgency.EMERGENCY:
        ticket.escalated = True
    received = ticket.status
    if department is not None:
        # 派单 at intake: the same checks and fields as ``ticket_dispatch``, applied before the row is
        # written so that it is written once (nobody else can see the ticket before the commit)
        if role != StaffRoleKind.HOTLINE_AGENT:
            raise NotYourTicket(_("Only hotline agents of this line may do this."))
        target = _check(ticket, TicketAction.DISPATCH)
        _check_department(ticket, department)
        ticket.department = department
        _start_clock(ticket, now)
        ticket.status = target
    _insert_numbered(ticket, line_region, now)
    if department is None:
        events.ticket_created(ticket=ticket, actor=actor, role=role)
        return ticket
    events.ticket_created_and_dispatched(
        ticket=ticket, actor=actor, role=role, from_status=received, data={"department": department.pk}
    )
    _notify_department(ticket, gettext("New 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


# ------------------------------------------------------------------ the loop


@transaction.atomic
def ticket_dispatch(
    *, ticket: Ticket, actor: User, department: Department, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """派单: send the ticket to the department that must handle it; the SLA clock starts."""
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    return _dispatch(ticket, actor=actor, role=role, department=department, note=note, now=_now(now))


def _dispatch(
    ticket: Ticket, *, actor: User | None, role: str, department: Department, note: str, now: dt.datetime
) -> Ticket:
    _check(ticket, TicketAction.DISPATCH)
    _check_department(ticket, department)
    ticket.department = department
    fields = ["department", *(_start_clock(ticket, now) if ticket.due_at is None else [])]
    _apply(
        ticket,
        action=TicketAction.DISPATCH,
        actor=actor,
        role=role,
        fields=fields,
        reason=note.strip()[:2000],
        data={"department": department.pk},
    )
    _notify_department(ticket, gettext("New 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


@transaction.atomic
def ticket_answer_directly(
    *, ticket: Ticket, actor: User, reply: str, entry: KnowledgeEntry | None = None, now: dt.datetime | None = None
) -> Ticket:
    """直接答复: the agent answers at once (usually from the knowledge base); the ticket is closed."""
    now = _now(now)
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    reply = _text(reply, max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the answer."))
    ticket.reply = reply
    ticket.answered_directly = True
    ticket.knowledge_entry = entry
    ticket.replied_at = ticket.closed_at = now
    ticket.on_time = True
    _apply(
        ticket,
        action=TicketAction.ANSWER_DIRECTLY,
        actor=actor,
        role=role,
        fields=["reply", "answered_directly", "knowledge_entry", "replied_at", "closed_at", "on_time"],
        data={"knowledge_entry": entry.pk if entry else None},
    )
    _transfer_outcome_back(ticket, actor)
    return ticket


@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor: User) -> Ticket:
    """办理: the department's handler takes the ticket on."""
    ticket = _lock(ticket)
    role = _require_handler(actor, ticket)
    return _apply(ticket, action=TicketAction.ACCEPT, actor=actor, role=role)


@transaction.atomic
def ticket_return(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    """退单: the department returns a wrongly dispatched ticket with its reasons; the line re-dispatches."""
    ticket = _lock(ticket)
    role = _require_handler(actor, ticket)
    reason = _reason(reason)
    _check(ticket, TicketAction.RETURN)
    previous = ticket.department_id
    ticket.department = None
    ticket.return_count += 1
    ticket.return_reason = reason
    return _apply(
        ticket,
        action=TicketAction.RETURN,
        actor=actor,
        role=role,
        fields=["department", "return_count", "return_reason"],
        reason=reason,
        data={"department": previous},
    )


@transaction.atomic
def ticket_reassign(*, ticket: Ticket, actor: User, department: Department, reason: str) -> Ticket:
    """Send a ticket being handled to another department (agent or supervisor)."""
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    reason = _reason(reason)
    _check(ticket, TicketAction.REASSIGN)
    _check_department(ticket, department)
    if department.pk == ticket.department_id:
        raise ValidationFailed(_("The ticket is already with this department."), code="same_department")
    previous = ticket.department_id
    ticket.department = department
    _apply(
        ticket,
        action=TicketAction.REASSIGN,
        actor=actor,
        role=role,
        fields=["department"],
        reason=reason,
        data={"from_department": previous, "department": department.pk},
    )
    _notify_department(ticket, gettext("New 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: User, reply: str, now: dt.datetime | None = None) -> Ticket:
    """答复: the department's answer to the caller."""
    now = _now(now)
    ticket = _lock(ticket)
    role = _require_handler(actor, ticket)
    reply = _text(reply, max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the reply."))
    ticket.reply = reply
    ticket.replied_at = now
    ticket.on_time = ticket.due_at is None or now <= ticket.due_at
    return _apply(
        ticket,
        action=TicketAction.REPLY,
        actor=actor,
        role=role,
        fields=["reply", "replied_at", "on_time"],
        data={"on_time": ticket.on_time},
    )


@transaction.atomic
def ticket_supervise(*, ticket: Ticket, actor: User | None, reason: str) -> Ticket:
    """督办: a supervisor (or the clock, ``actor=None``) presses the department."""
    ticket = _lock(ticket)
    role = "system" if actor is None else _require_line(actor, ticket, supervisor=True)
    reason = _reason(reason)
    ticket.supervised = True
    _apply(ticket, action=TicketAction.SUPERVISE, actor=actor, role=role, fields=["supervised"], reason=reason)
    _notify_department(ticket, gettext("12345 ticket %(number)s is under supervision") % {"number": ticket.number})
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    """办结: the line checks the department's reply and closes the ticket."""
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    ticket.closed_at = _now(now)
    _apply(ticket, action=TicketAction.CLOSE, actor=actor, role=role, fields=["closed_at"])
    _transfer_outcome_back(ticket, actor)
    return ticket


def _transfer_outcome_back(ticket: Ticket, actor: User | None) -> None:
    """A ticket transferred here from another region is closed: its outcome goes back to that line."""
    if ticket.channel == Channel.TRANSFER and ticket.transferred_from_id is not None:
        from tongban.hotline import federation

        federation.send_outcome(ticket=ticket, actor=actor)


@transaction.atomic
def ticket_revisit(
    *, ticket: Ticket, actor: User, resolved: bool, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """回访: the line calls the caller back and notes whether the matter is resolved."""
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    if ticket.channel == Channel.TRANSFER and ticket.transferred_from_id is not None:
        raise InvalidTransition(
            _("The line the ticket was transferred from calls the caller back."), code="revisit_at_origin"
        )
    ticket.revisited_at = _now(now)
    ticket.revisit_note = _text(
        note, max_length=2000, code="invalid_note", message=_("The note is too long."), required=False
    )
    return _apply(
        ticket,
        action=TicketAction.REVISIT,
        actor=actor,
        role=role,
        fields=["revisited_at", "revisit_note"],
        data={"resolved": resolved},
    )


@transaction.atomic
def ticket_evaluate(
    *, ticket: Ticket, satisfaction: str, actor: User | None = None, check_code: str | None = None
) -> Ticket:
    """评价: the caller's satisfaction, given to the agent on the revisit or on the follow-up page."""
    ticket = _lock(ticket)
    if check_code is not None:
        if not secrets.compare_digest(check_code.strip(), ticket.check_code):
            raise TicketNotFound()
        role = "caller"
    else:
        role = _require_line(actor, ticket)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Choose how satisfied the caller is."), code="invalid_satisfaction")
    ticket.satisfaction = satisfaction
    return _apply(
        ticket,
        action=TicketAction.EVALUATE,
        actor=actor,
        role=role,
        fields=["satisfaction"],
        data={"satisfaction": satisfaction},
    )


def _last_revisit_resolved(ticket: Ticket) -> bool:
    from tongban.core.models import AuditEvent

    event = AuditEvent.objects.filter(stream=ticket.stream, action="ticket.revisit").order_by("-seq").first()
    return bool(event and event.data.get("resolved"))


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, actor: User, reason: str, department: Department | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Reopen after an unsatisfied revisit: back to a department (the same one unless given), new clock."""
    now = _now(now)
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    reason = _reason(reason)
    _check(ticket, TicketAction.REOPEN)
    unsatisfied = ticket.satisfaction == Satisfaction.UNSATISFIED or (
        ticket.status == TicketStatus.REVISITED and not _last_revisit_resolved(ticket)
    )
    if not unsatisfied:
        raise InvalidTransition(
            _("Only a ticket whose caller was not satisfied can be reopened."), code="not_unsatisfied"
        )
    target = department or ticket.department
    if target is None:
        raise ValidationFailed(_("Choose the department."), code="department_required")
    _check_department(ticket, target)
    ticket.department = target
    ticket.reopen_count += 1
    ticket.satisfaction = ""
    ticket.reply = ""
    ticket.replied_at = ticket.closed_at = ticket.revisited_at = None
    ticket.on_time = None
    ticket.answered_directly = False
    fields = [
        "department",
        "reopen_count",
        "satisfaction",
        "reply",
        "replied_at",
        "closed_at",
        "revisited_at",
        "on_time",
        "answered_directly",
        *_start_clock(ticket, now),
    ]
    _apply(
        ticket,
        action=TicketAction.REOPEN,
        actor=actor,
        role=role,
        fields=fields,
        reason=reason,
        data={"department": target.pk},
    )
    _notify_department(ticket, gettext("12345 ticket %(number)s was reopened") % {"number": ticket.number})
    return ticket


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, actor: User) -> Ticket:
    """Merge a duplicate into an earlier ticket about the same matter."""
    first, second = sorted([ticket.pk, into.pk])
    if first == second:
        raise ValidationFailed(_("A ticket cannot be merged into itself."), code="merge_into_self")
    _lock(first), _lock(second)  # lock both in a fixed order
    ticket = _lock(ticket)
    into = _lock(into)
    role = _require_line(actor, ticket)
    if into.status == TicketStatus.MERGED or into.line_region_id != ticket.line_region_id:
        raise ValidationFailed(_("The ticket cannot be merged into that one."), code="invalid_merge_target")
    ticket.merged_into = into
    return _apply(
        ticket,
        action=TicketAction.MERGE,
        actor=actor,
        role=role,
        fields=["merged_into"],
        data={"into": into.pk, "into_number": into.number},
    )


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, actor: User, reason: str, now: dt.datetime | None = None) -> Ticket:
    """Emergency escalation: the ticket becomes an emergency and its clock shortens to clock hours."""
    now = _now(now)
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    reason = _reason(reason)
    _check(ticket, TicketAction.ESCALATE)
    if ticket.escalated:
        raise InvalidTransition(_("The ticket is already escalated."), code="already_escalated")
    ticket.urgency = Urgency.EMERGENCY
    ticket.escalated = True
    fields = ["urgency", "escalated"]
    if ticket.dispatched_at is not None:
        due, hours = sla.due_at(start=now, category=ticket.category, urgency=Urgency.EMERGENCY)
        if ticket.due_at is None or due < ticket.due_at:
            ticket.due_at, ticket.sla_hours = due, hours
            ticket.dispatched_at = now
            fields += ["due_at", "sla_hours", "dispatched_at"]
    _apply(ticket, action=TicketAction.ESCALATE, actor=actor, role=role, fields=fields, reason=reason)
    supervisors = User.objects.filter(
        staff_roles__role=StaffRoleKind.HOTLINE_SUPERVISOR, staff_roles__department__region_id=ticket.line_region_id
    ).distinct()
    for user in supervisors:
        notify(
            user=user,
            subject=gettext("Emergency: 12345 ticket %(number)s") % {"number": ticket.number},
            body=reason,
            kind="warning",
            link=f"/hotline/tickets/{ticket.pk}/",
        )
    _notify_department(ticket, gettext("Emergency: 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


# ------------------------------------------------------------------ extensions


@transaction.atomic
def extension_request(*, ticket: Ticket, actor: User, working_days: int, reason: str) -> ExtensionRequest:
    """The department asks for more working days; a supervisor decides."""
    ticket = _lock(ticket)
    role = _require_handler(actor, ticket)
    _check(ticket, TicketAction.REQUEST_EXTENSION)
    reason = _reason(reason)
    if not 1 <= working_days <= 15:
        raise ValidationFailed(_("Ask for 1 to 15 working days."), code="invalid_extension_days")
    if ticket.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Conflict(_("An extension request is already waiting for a decision."), code="extension_pending")
    extension = ExtensionRequest.objects.create(
        ticket=ticket, requested_by=actor, working_days=working_days, reason=reason
    )
    events.ticket_transitioned(
        ticket=ticket,
        action=TicketAction.REQUEST_EXTENSION.value,
        from_status=ticket.status,
        actor=actor,
        role=role,
        reason=reason,
        data={"extension": extension.pk, "working_days": working_days},
    )
    return extension


@transaction.atomic
def extension_decide(
    *, extension: ExtensionRequest, actor: User, approve: bool, reason: str = "", now: dt.datetime | None = None
) -> ExtensionRequest:
    ticket = _lock(extension.ticket_id)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    role = _require_line(actor, ticket, supervisor=True)
    _check(ticket, TicketAction.DECIDE_EXTENSION)
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("The extension request was already decided."), code="extension_decided")
    if not approve:
        reason = _reason(reason)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by = actor
    extension.decided_at = _now(now)
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    data: dict[str, Any] = {"extension": extension.pk, "approved": approve}
    if approve and ticket.due_at is not None:
        extra = extension.working_days * WORKING_HOURS_PER_DAY
        ticket.due_at = sla.add_working_hours(ticket.due_at, extra)
        ticket.sla_hours += extra
        ticket.save(update_fields=["due_at", "sla_hours", "updated_at"])
        data["due_at"] = ticket.due_at.isoformat()
    events.ticket_transitioned(
        ticket=ticket,
        action=TicketAction.DECIDE_EXTENSION.value,
        from_status=ticket.status,
        actor=actor,
        role=role,
        reason=reason.strip(),
        data=data,
    )
    return extension


# ------------------------------------------------------------------ cross-region transfer (京津冀 转送)

TRANSFER_MESSAGE = "hotline.ticket_transfer"
OUTCOME_MESSAGE = "hotline.ticket_transfer_outcome"


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
    (``hotline.federation``; refused when the region is not a peer of this node)."""
    ticket = _lock(ticket)
    role = _require_line(actor, ticket)
    reason = _reason(reason)
    _check(ticket, TicketAction.TRANSFER)
    if to_region.code == ticket.line_region_id or to_region.parent_id is not None:
        raise ValidationFailed(
            _("Transfer to another province-level region's hotline."), code="invalid_transfer_region"
        )
    from tongban.hotline import federation

    message_id = uuid.uuid4()
    transfer = TicketTransfer.objects.create(
        message_id=message_id,
        ticket=ticket,
        to_region=to_region,
        payload=transfer_payload(ticket=ticket, transfer_id=message_id, to_region=to_region, reason=reason),
    )
    federation.send_transfer(transfer=transfer, actor=actor)
    ticket.transferred_to = to_region
    _apply(
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
        transfer.sent_at = _now(now)
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
    line_region = _validate_region(settings.TONGBAN_REGION)
    if payload.get("to_region") != line_region.code:
        raise ValidationFailed(_("The transfer is meant for another region."), code="wrong_transfer_region")
    region_code = str(data.get("region") or line_region.code)
    region = Region.objects.filter(code=region_code).first() or line_region
    category = str(data.get("category", ""))
    if category not in TicketCategory.values:
        raise ValidationFailed(_("Choose a category."), code="invalid_category")
    now = _now(now)
    ticket = Ticket.objects.create(
        number=_new_number(line_region, now),
        check_code=f"{secrets.randbelow(10**6):06d}",
        line_region=line_region,
        region=region,
        channel=Channel.TRANSFER,
        category=category,
        subject=str(data.get("subject", "")) if data.get("subject") in SUBJECTS else "",
        urgency=str(data.get("urgency")) if data.get("urgency") in Urgency.values else Urgency.NORMAL,
        title=str(data.get("title", ""))[:200] or gettext("Transferred ticket"),
        content=_text(
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
    ticket = _lock(transfer.ticket_id)
    if payload.get("from_region") != transfer.to_region_id or sender_region not in (None, transfer.to_region_id):
        raise PermissionDenied(_("The outcome comes from another region."), code="wrong_outcome_region")
    if transfer.status == TransferStatus.ANSWERED:
        return ticket
    reply = _text(
        str(payload.get("reply", "")), max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the reply.")
    )
    now = _now(now)
    transfer.status = TransferStatus.ANSWERED
    transfer.outcome = payload
    transfer.outcome_at = now
    transfer.save(update_fields=["status", "outcome", "outcome_at"])
    ticket.reply = reply
    ticket.replied_at = ticket.closed_at = now
    ticket.on_time = payload.get("on_time") if isinstance(payload.get("on_time"), bool) else None
    return _apply(
        ticket,
        action=TicketAction.TRANSFER_OUTCOME,
        actor=None,
        role="federation",
        fields=["reply", "replied_at", "closed_at", "on_time"],
        data={"message_id": str(transfer.message_id), "from_region": transfer.to_region_id},
    )


# ------------------------------------------------------------------ the clock


@dataclass
class TickReport:
    supervised: list[str] = field(default_factory=list)


def hotline_tick(*, now: dt.datetime | None = None) -> TickReport:
    """Overdue tickets still with a department go to 督办 (run it every few minutes)."""
    now = _now(now)
    report = TickReport()
    overdue = Ticket.objects.filter(
        status__in=[TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS], due_at__lt=now
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            ticket = _lock(pk)
            if ticket.status not in (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS):
                continue
            if ticket.due_at is None or ticket.due_at >= now:
                continue
            ticket_supervise(ticket=ticket, actor=None, reason=gettext("Overdue: the time limit has passed."))
            report.supervised.append(ticket.number)
    return report


# ------------------------------------------------------------------ knowledge base


def _require_kb(actor: User, *, publish: bool = False) -> str:
    roles = line_roles(actor=actor, region_id=settings.TONGBAN_REGION)
    if publish:
        if StaffRoleKind.HOTLINE_SUPERVISOR in roles:
            return StaffRoleKind.HOTLINE_SUPERVISOR
        raise PermissionDenied(_("Only a hotline supervisor may review and publish entries."), code="kb_forbidden")
    if roles:
        return sorted(roles)[0]
    raise PermissionDenied(_("Only hotline staff may edit the knowledge base."), code="kb_forbidden")


def _clean_entry(
    *, category: str, question: str, answer: str, variants: list[str], source: str
) -> tuple[str, str, str, list[str], str]:
    category = _text(category, max_length=60, code="invalid_category", message=_("Give the entry a category."))
    question = _text(question, max_length=300, code="invalid_question", message=_("Write the question."))
    answer = _text(answer, max_length=20000, code="invalid_answer", message=_("Write the answer."))
    source = _text(source, max_length=300, code="invalid_source", message=_("The source is too long."), required=False)
    cleaned = [v.strip()[:300] for v in variants if v and v.strip()][:20]
    return category, question, answer, cleaned, source


@transaction.atomic
def kb_entry_create(
    *,
    actor: User,
    category: str,
    question: str,
    answer: str,
    variants: list[str] | None = None,
    source: str = "",
    owner: Department | None = None,
    shareable: bool = False,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    proposed_from: Ticket | None = None,
) -> KnowledgeEntry:
    """A new draft entry (version 1)."""
    role = _require_kb(actor)
    category, question, answer, cleaned, source = _clean_entry(
        category=category, question=question, answer=answer, variants=variants or [], source=source
    )
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed(_("The entry must end after it starts."), code="invalid_validity")
    entry = KnowledgeEntry.objects.create(
        origin_region=_validate_region(settings.TONGBAN_REGION),
        category=category,
        question=question,
        variants=cleaned,
        answer=answer,
        source=source,
        owner=owner,
        shareable=shareable,
        valid_from=valid_from,
        valid_until=valid_until,
        proposed_from=proposed_from,
        author=actor,
    )
    events.knowledge_changed(entry=entry, action="created", actor=actor, role=role)
    return entry


@transaction.atomic
def kb_propose_from_ticket(*, ticket: Ticket, actor: User, category: str = "") -> KnowledgeEntry:
    """Propose an answered ticket as a new entry: its content as the question, its reply as the answer."""
    ticket = _lock(ticket)
    _require_line(actor, ticket)
    if not ticket.reply:
        raise InvalidTransition(_("Only answered tickets can be proposed."), code="ticket_not_answered")
    entry = kb_entry_create(
        actor=actor,
        category=category or (SUBJECTS[ticket.subject][0] if ticket.subject in SUBJECTS else gettext("General")),
        question=ticket.title,
        variants=[ticket.content[:300]],
        answer=ticket.reply,
        source=gettext("Ticket %(number)s") % {"number": ticket.number},
        owner=ticket.department,
        proposed_from=ticket,
    )
    entry.status = KnowledgeStatus.IN_REVIEW
    entry.save(update_fields=["status"])
    return entry


@transaction.atomic
def kb_entry_submit(*, entry: KnowledgeEntry, actor: User) -> KnowledgeEntry:
    role = _require_kb(actor)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != KnowledgeStatus.DRAFT:
        raise InvalidTransition(_("Only drafts can be sent for review."), code="kb_not_draft")
    entry.status = KnowledgeStatus.IN_REVIEW
    entry.save(update_fields=["status", "updated_at"])
    events.knowledge_changed(entry=entry, action="submitted", actor=actor, role=role)
    return entry


@transaction.atomic
def kb_entry_publish(*, entry: KnowledgeEntry, actor: User, now: dt.datetime | None = None) -> KnowledgeEntry:
    """Review and publish a version; the previously published version of the entry retires."""
    from tongban.hotline import knowledge

    role = _require_kb(actor, publish=True)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in (KnowledgeStatus.DRAFT, KnowledgeStatus.IN_REVIEW):
        raise InvalidTransition(_("This entry cannot be published."), code="kb_not_publishable")
    if entry.author_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Someone else must review an entry you wrote."), code="kb_self_review")
    for old in KnowledgeEntry.objects.select_for_update().filter(uid=entry.uid, status=KnowledgeStatus.PUBLISHED):
        old.status = KnowledgeStatus.RETIRED
        old.save(update_fields=["status", "updated_at"])
        knowledge.reindex(old)
    entry.status = KnowledgeStatus.PUBLISHED
    entry.reviewed_by = actor
    entry.published_at = _now(now)
    entry.save(update_fields=["status", "reviewed_by", "published_at", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="published", actor=actor, role=role)
    if entry.shareable and entry.origin_region_id == settings.TONGBAN_REGION:
        from tongban.hotline import federation

        federation.share_entry(entry=entry, actor=actor)
    return entry


@transaction.atomic
def kb_entry_new_version(
    *, entry: KnowledgeEntry, actor: User, answer: str, question: str | None = None, variants: list[str] | None = None
) -> KnowledgeEntry:
    """A new draft version of a published entry (the published one stays live until it is replaced)."""
    role = _require_kb(actor)
    latest = KnowledgeEntry.objects.filter(uid=entry.uid).order_by("-version").first()
    assert latest is not None
    category, question_, answer_, cleaned, source = _clean_entry(
        category=entry.category,
        question=question or entry.question,
        answer=answer,
        variants=variants if variants is not None else list(entry.variants),
        source=entry.source,
    )
    draft = KnowledgeEntry.objects.create(
        uid=entry.uid,
        version=latest.version + 1,
        origin_region=entry.origin_region,
        category=category,
        question=question_,
        variants=cleaned,
        answer=answer_,
        source=source,
        owner=entry.owner,
        shareable=entry.shareable,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        author=actor,
    )
    events.knowledge_changed(entry=draft, action="new_version", actor=actor, role=role)
    return draft


@transaction.atomic
def kb_entry_retire(*, entry: KnowledgeEntry, actor: User, reason: str) -> KnowledgeEntry:
    from tongban.hotline import knowledge

    role = _require_kb(actor, publish=True)
    reason = _reason(reason)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == KnowledgeStatus.RETIRED:
        raise InvalidTransition(_("The entry is already retired."), code="kb_retired")
    was_shared = (
        entry.status == KnowledgeStatus.PUBLISHED
        and entry.shareable
        and entry.origin_region_id == settings.TONGBAN_REGION
    )
    entry.status = KnowledgeStatus.RETIRED
    entry.save(update_fields=["status", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="retired", actor=actor, role=role, reason=reason)
    if was_shared:
        from tongban.hotline import federation

        federation.share_withdrawal(entry=entry, actor=actor)
    return entry


EXPORT_FORMAT = "tongban.hotline.knowledge/1"


def kb_export_shareable() -> dict[str, Any]:
    """Published shareable entries as the JSON document the federation carries to peers (origin kept)."""
    entries = (
        KnowledgeEntry.objects.filter(status=KnowledgeStatus.PUBLISHED, shareable=True)
        .select_related("owner")
        .order_by("pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "region": settings.TONGBAN_REGION,
        "exported_at": timezone.now().isoformat(),
        "entries": [kb_entry_document(e) for e in entries],
    }


def kb_entry_document(e: KnowledgeEntry) -> dict[str, Any]:
    """One entry as exported and as carried to peers (its origin region kept)."""
    return {
        "uid": str(e.uid),
        "version": e.version,
        "origin_region": e.origin_region_id,
        "category": e.category,
        "question": e.question,
        "variants": list(e.variants),
        "answer": e.answer,
        "source": e.source,
        "owner": e.owner.name if e.owner else "",
        "valid_from": e.valid_from.isoformat() if e.valid_from else None,
        "valid_until": e.valid_until.isoformat() if e.valid_until else None,
        "published_at": e.published_at.isoformat() if e.published_at else None,
    }


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(_("A date is not valid."), code="invalid_date") from exc


@transaction.atomic
def kb_import(*, document: dict[str, Any], now: dt.datetime | None = None) -> ImportReport:
    """Import a peer's shareable entries (idempotent: an entry is keyed on its uid and version; a newer
    version replaces the older one; our own entries are never overwritten). All or nothing."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValidationFailed(_("This is not a knowledge-base export."), code="invalid_kb_document")
    items = document.get("entries")
    if not isinstance(items, list):
        raise ValidationFailed(_("This is not a knowledge-base export."), code="invalid_kb_document")
    report = ImportReport()
    for index, raw in enumerate(items):
        _kb_import_entry(raw, index=index, report=report, now=_now(now))
    return report


def _invalid_entry(index: int) -> ValidationFailed:
    return ValidationFailed(_("Entry %(n)d is not valid.") % {"n": index + 1}, code="invalid_kb_entry")


def _kb_import_entry(
    raw: Any, *, index: int, report: ImportReport, now: dt.datetime, sender_region: str | None = None
) -> None:
    """One shared entry into this node's knowledge base, marked with its origin region.

    ``sender_region``: the peer it came from, which must be the entry's origin (``kb_wrong_origin``)."""
    from tongban.hotline import knowledge

    if not isinstance(raw, dict):
        raise _invalid_entry(index)
    try:
        uid = uuid.UUID(str(raw.get("uid")))
        version = int(raw.get("version", 1))
        origin = Region.objects.get(code=str(raw.get("origin_region")))
    except (ValueError, TypeError, Region.DoesNotExist) as exc:
        raise _invalid_entry(index) from exc
    if version < 1:
        raise _invalid_entry(index)
    if sender_region is not None and origin.code != sender_region:
        raise PermissionDenied(
            _("A region shares only the entries it wrote."), code="kb_wrong_origin", details={"entry": index + 1}
        )
    if origin.code == settings.TONGBAN_REGION:
        report.unchanged += 1
        return
    variants = raw.get("variants") or []
    if not isinstance(variants, list):
        raise _invalid_entry(index)
    category, question, answer, cleaned, source = _clean_entry(
        category=str(raw.get("category", "")),
        question=str(raw.get("question", "")),
        answer=str(raw.get("answer", "")),
        variants=[str(v) for v in variants],
        source=str(raw.get("source", "")),
    )
    current = KnowledgeEntry.objects.select_for_update().filter(uid=uid).order_by("-version").first()
    if current is not None and current.origin_region_id != origin.code:
        raise PermissionDenied(
            _("A region shares only the entries it wrote."), code="kb_wrong_origin", details={"entry": index + 1}
        )
    if current is not None and current.version >= version:
        report.unchanged += 1
        return
    if current is not None:
        KnowledgeEntry.objects.filter(uid=uid, status=KnowledgeStatus.PUBLISHED).update(status=KnowledgeStatus.RETIRED)
        for old in KnowledgeEntry.objects.filter(uid=uid):
            knowledge.reindex(old)
    entry = KnowledgeEntry.objects.create(
        uid=uid,
        version=version,
        origin_region=origin,
        category=category,
        question=question,
        variants=cleaned,
        answer=answer,
        source=source,
        status=KnowledgeStatus.PUBLISHED,
        shareable=True,
        valid_from=_date(raw.get("valid_from")),
        valid_until=_date(raw.get("valid_until")),
        published_at=now,
    )
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="imported", actor=None, role="federation")
    if current is None:
        report.created += 1
    else:
        report.updated += 1


@transaction.atomic
def kb_receive(*, sender_region: str, entries: list[Any], now: dt.datetime | None = None) -> ImportReport:
    """Entries shared by a peer over the federation (published, new version, or a pull's snapshot).

    Each must come from its origin region; all or nothing, idempotent like ``kb_import``."""
    report = ImportReport()
    for index, raw in enumerate(entries):
        _kb_import_entry(raw, index=index, report=report, now=_now(now), sender_region=sender_region)
    return report


@transaction.atomic
def kb_withdraw_receive(*, sender_region: str, uid: str, version: Any) -> KnowledgeEntry | None:
    """The origin region retired a shared entry: its copy here is retired too (idempotent).

    A withdrawal of an older version than the one here changes nothing; only the origin region
    may withdraw (``kb_wrong_origin``)."""
    from tongban.hotline import knowledge

    try:
        key = uuid.UUID(uid)
        withdrawn = int(version)
    except (ValueError, TypeError) as exc:
        raise _invalid_entry(0) from exc
    entry = (
        KnowledgeEntry.objects.select_for_update()
        .filter(uid=key, status=KnowledgeStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if entry is None:
        return None
    if entry.origin_region_id != sender_region or entry.origin_region_id == settings.TONGBAN_REGION:
        raise PermissionDenied(_("A region shares only the entries it wrote."), code="kb_wrong_origin")
    if entry.version > withdrawn:
        return entry
    entry.status = KnowledgeStatus.RETIRED
    entry.save(update_fields=["status", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(
        entry=entry, action="withdrawn", actor=None, role="federation", reason=f"withdrawn by {sender_region}"
    )
    return entry


# ------------------------------------------------------------------ Open311 keys


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """A new API key; the plain key is returned once and only its hash is stored."""
    name = _text(name, max_length=100, code="invalid_name", message=_("Give the key a name."))
    if Open311Key.objects.filter(name=name).exists():
        raise Conflict(_("A key with this name already exists."), code="key_exists")
    key = "o311_" + secrets.token_urlsafe(32)
    record = Open311Key.objects.create(name=name, prefix=key[5:11], key_hash=hash_key(key))
    return record, key


def open311_key_check(key: str) -> Open311Key | None:
    if not key or len(key) > 200:
        return None
    record = Open311Key.objects.filter(key_hash=hash_key(key), active=True).first()
    if record is not None:
        Open311Key.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record
