"""The ticket's closed loop: 受理 (intake, from any channel) → 派单 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价,
with direct answers, returns, reassignment, merging, reopening, emergency escalation and the clock
that sends overdue tickets to 督办.

Every action locks the ticket, checks the actor's role and moves the ticket through the ticket
workflow (``common.TICKETS``): the table in ``constants.TRANSITIONS`` decides, the move saves the
fields and writes ``ticket.<action>`` on ``ticket:<id>``, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.notifications import notify
from tongban.accounts.selectors import role_holders
from tongban.core.errors import Conflict, InvalidTransition, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.hotline import events, sla, store
from tongban.hotline.constants import (
    MAX_CONTENT,
    SUBJECTS,
    Channel,
    Satisfaction,
    TicketAction,
    TicketCategory,
    TicketStatus,
    Urgency,
)
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.hotline.services import common
from tongban.hotline.services.common import (
    TICKETS,
    NotYourTicket,
    TicketNotFound,
    check_department,
    clean_reason,
    clean_text,
    line_roles,
    lock_ticket,
    notify_department,
    now_or,
    require_handler,
    require_line,
    start_clock,
)
from tongban.hotline.services.transfers import send_outcome_back
from tongban.regions.models import Department, Region

_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# ------------------------------------------------------------------ intake


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
    publish: bool = False,
) -> Ticket:
    """Take a request (受理) from any channel; with ``department``, dispatch it (派单) in the same transaction.

    Phone calls, social media and letters are entered by agents; residents file on the web or the
    app themselves (``actor`` is the resident); Open311 clients file with an API key (``actor``
    is None, channel ``open311``). An anonymous caller leaves no name or contact.

    ``publish``: the caller agreed that the request be shown on the public list (Open311), with
    personal data removed; a report (举报) is never published.
    """
    now = now_or(now)
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
    content = clean_text(
        content,
        max_length=MAX_CONTENT,
        code="invalid_content",
        message=_("Describe the request (at most 4000 characters)."),
    )
    title = clean_text(title, max_length=200, code="invalid_title", message=_("The title is too long."), required=False)
    title = title or content.replace("\n", " ")[:40]
    location = clean_text(
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
        caller_name = clean_text(
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
        publish_consent=publish and category != TicketCategory.REPORT,
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
        target = TICKETS.check(ticket, TicketAction.DISPATCH)
        check_department(ticket, department)
        ticket.department = department
        start_clock(ticket, now)
        ticket.status = target
    _insert_numbered(ticket, line_region, now)
    if department is None:
        events.ticket_created(ticket=ticket, actor=actor, role=role)
        return ticket
    events.ticket_created_and_dispatched(
        ticket=ticket, actor=actor, role=role, from_status=received, data={"department": department.pk}
    )
    notify_department(ticket, gettext("New 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


def _insert_numbered(ticket: Ticket, line_region: Region, now: dt.datetime, *, attempts: int = 5) -> None:
    """Insert a new ticket under a fresh random number in one statement: a number already taken
    (``ON CONFLICT`` on the unique number does nothing) is drawn again, with no savepoint."""
    for _attempt in range(attempts):
        ticket.number = common.new_number(line_region, now)
        if store.ticket_insert_unless_number_taken(ticket):
            return
    raise Conflict(_("Please try again."), code="number_collision")


# ------------------------------------------------------------------ the loop


@transaction.atomic
def ticket_dispatch(
    *, ticket: Ticket, actor: User, department: Department, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """派单: send the ticket to the department that must handle it; the SLA clock starts."""
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    return _dispatch(ticket, actor=actor, role=role, department=department, note=note, now=now_or(now))


def _dispatch(
    ticket: Ticket, *, actor: User | None, role: str, department: Department, note: str, now: dt.datetime
) -> Ticket:
    TICKETS.check(ticket, TicketAction.DISPATCH)
    check_department(ticket, department)
    ticket.department = department
    fields = ["department", *(start_clock(ticket, now) if ticket.due_at is None else [])]
    TICKETS.apply(
        ticket,
        action=TicketAction.DISPATCH,
        actor=actor,
        role=role,
        fields=fields,
        reason=note.strip()[:2000],
        data={"department": department.pk},
        notice=gettext("New 12345 ticket %(number)s") % {"number": ticket.number},
    )
    return ticket


@transaction.atomic
def ticket_answer_directly(
    *, ticket: Ticket, actor: User, reply: str, entry: KnowledgeEntry | None = None, now: dt.datetime | None = None
) -> Ticket:
    """直接答复: the agent answers at once (usually from the knowledge base); the ticket is closed."""
    now = now_or(now)
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    reply = clean_text(reply, max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the answer."))
    ticket.reply = reply
    ticket.answered_directly = True
    ticket.knowledge_entry = entry
    ticket.replied_at = ticket.closed_at = now
    ticket.on_time = True
    TICKETS.apply(
        ticket,
        action=TicketAction.ANSWER_DIRECTLY,
        actor=actor,
        role=role,
        fields=["reply", "answered_directly", "knowledge_entry", "replied_at", "closed_at", "on_time"],
        data={"knowledge_entry": entry.pk if entry else None},
    )
    send_outcome_back(ticket, actor)
    return ticket


@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor: User) -> Ticket:
    """办理: the department's handler takes the ticket on."""
    ticket = lock_ticket(ticket)
    role = require_handler(actor, ticket)
    return TICKETS.apply(ticket, action=TicketAction.ACCEPT, actor=actor, role=role)


@transaction.atomic
def ticket_return(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    """退单: the department returns a wrongly dispatched ticket with its reasons; the line re-dispatches."""
    ticket = lock_ticket(ticket)
    role = require_handler(actor, ticket)
    reason = clean_reason(reason)
    TICKETS.check(ticket, TicketAction.RETURN)
    previous = ticket.department_id
    ticket.department = None
    ticket.return_count += 1
    ticket.return_reason = reason
    return TICKETS.apply(
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
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    reason = clean_reason(reason)
    TICKETS.check(ticket, TicketAction.REASSIGN)
    check_department(ticket, department)
    if department.pk == ticket.department_id:
        raise ValidationFailed(_("The ticket is already with this department."), code="same_department")
    previous = ticket.department_id
    ticket.department = department
    TICKETS.apply(
        ticket,
        action=TicketAction.REASSIGN,
        actor=actor,
        role=role,
        fields=["department"],
        reason=reason,
        data={"from_department": previous, "department": department.pk},
        notice=gettext("New 12345 ticket %(number)s") % {"number": ticket.number},
    )
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: User, reply: str, now: dt.datetime | None = None) -> Ticket:
    """答复: the department's answer to the caller."""
    now = now_or(now)
    ticket = lock_ticket(ticket)
    role = require_handler(actor, ticket)
    reply = clean_text(reply, max_length=MAX_CONTENT, code="invalid_reply", message=_("Write the reply."))
    ticket.reply = reply
    ticket.replied_at = now
    ticket.on_time = ticket.due_at is None or now <= ticket.due_at
    return TICKETS.apply(
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
    ticket = lock_ticket(ticket)
    role = "system" if actor is None else require_line(actor, ticket, supervisor=True)
    reason = clean_reason(reason)
    ticket.supervised = True
    return TICKETS.apply(
        ticket,
        action=TicketAction.SUPERVISE,
        actor=actor,
        role=role,
        fields=["supervised"],
        reason=reason,
        notice=gettext("12345 ticket %(number)s is under supervision") % {"number": ticket.number},
    )


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    """办结: the line checks the department's reply and closes the ticket."""
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    ticket.closed_at = now_or(now)
    TICKETS.apply(ticket, action=TicketAction.CLOSE, actor=actor, role=role, fields=["closed_at"])
    send_outcome_back(ticket, actor)
    return ticket


@transaction.atomic
def ticket_revisit(
    *, ticket: Ticket, actor: User, resolved: bool, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """回访: the line calls the caller back and notes whether the matter is resolved."""
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    if ticket.channel == Channel.TRANSFER and ticket.transferred_from_id is not None:
        raise InvalidTransition(
            _("The line the ticket was transferred from calls the caller back."), code="revisit_at_origin"
        )
    ticket.revisited_at = now_or(now)
    ticket.revisit_note = clean_text(
        note, max_length=2000, code="invalid_note", message=_("The note is too long."), required=False
    )
    return TICKETS.apply(
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
    ticket = lock_ticket(ticket)
    if check_code is not None:
        if not secrets.compare_digest(check_code.strip(), ticket.check_code):
            raise TicketNotFound()
        role = "caller"
    else:
        role = require_line(actor, ticket)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Choose how satisfied the caller is."), code="invalid_satisfaction")
    ticket.satisfaction = satisfaction
    return TICKETS.apply(
        ticket,
        action=TicketAction.EVALUATE,
        actor=actor,
        role=role,
        fields=["satisfaction"],
        data={"satisfaction": satisfaction},
    )


def _last_revisit_resolved(ticket: Ticket) -> bool:
    event = AuditEvent.objects.filter(stream=ticket.stream, action="ticket.revisit").order_by("-seq").first()
    return bool(event and event.data.get("resolved"))


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, actor: User, reason: str, department: Department | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Reopen after an unsatisfied revisit: back to a department (the same one unless given), new clock."""
    now = now_or(now)
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    reason = clean_reason(reason)
    TICKETS.check(ticket, TicketAction.REOPEN)
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
    check_department(ticket, target)
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
        *start_clock(ticket, now),
    ]
    TICKETS.apply(
        ticket,
        action=TicketAction.REOPEN,
        actor=actor,
        role=role,
        fields=fields,
        reason=reason,
        data={"department": target.pk},
        notice=gettext("12345 ticket %(number)s was reopened") % {"number": ticket.number},
    )
    return ticket


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, actor: User) -> Ticket:
    """Merge a duplicate into an earlier ticket about the same matter."""
    first, second = sorted([ticket.pk, into.pk])
    if first == second:
        raise ValidationFailed(_("A ticket cannot be merged into itself."), code="merge_into_self")
    lock_ticket(first), lock_ticket(second)  # lock both in a fixed order
    ticket = lock_ticket(ticket)
    into = lock_ticket(into)
    role = require_line(actor, ticket)
    if into.status == TicketStatus.MERGED or into.line_region_id != ticket.line_region_id:
        raise ValidationFailed(_("The ticket cannot be merged into that one."), code="invalid_merge_target")
    ticket.merged_into = into
    return TICKETS.apply(
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
    now = now_or(now)
    ticket = lock_ticket(ticket)
    role = require_line(actor, ticket)
    reason = clean_reason(reason)
    TICKETS.check(ticket, TicketAction.ESCALATE)
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
    TICKETS.apply(ticket, action=TicketAction.ESCALATE, actor=actor, role=role, fields=fields, reason=reason)
    for user in role_holders(role=StaffRoleKind.HOTLINE_SUPERVISOR, region=ticket.line_region_id):
        notify(
            user=user,
            subject=gettext("Emergency: 12345 ticket %(number)s") % {"number": ticket.number},
            body=reason,
            kind="warning",
            link=f"/hotline/tickets/{ticket.pk}/",
        )
    notify_department(ticket, gettext("Emergency: 12345 ticket %(number)s") % {"number": ticket.number})
    return ticket


# ------------------------------------------------------------------ the clock


@dataclass
class TickReport:
    supervised: list[str] = field(default_factory=list)


def hotline_tick(*, now: dt.datetime | None = None) -> TickReport:
    """Overdue tickets still with a department go to 督办 (run it every few minutes)."""
    now = now_or(now)
    report = TickReport()
    overdue = Ticket.objects.filter(
        status__in=[TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS], due_at__lt=now
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            ticket = lock_ticket(pk)
            if ticket.status not in (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS):
                continue
            if ticket.due_at is None or ticket.due_at >= now:
                continue
            ticket_supervise(ticket=ticket, actor=None, reason=gettext("Overdue: the time limit has passed."))
            report.supervised.append(ticket.number)
    return report
