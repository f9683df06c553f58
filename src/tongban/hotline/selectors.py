"""Reads of the hotline: queues by role, ticket views with the caller masked by role, duplicates, figures.

Who sees the caller: agents and supervisors of the line see the caller's name and phone on the
ticket page (they call back; each such read is an audit event ``ticket.caller_viewed``). Everyone
else — department handlers, the public follow-up page, Open311 clients, lists — sees them masked
(王**, 138****5678) or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.core.context import current
from tongban.core.models import AuditEvent
from tongban.core.throttle import Guard
from tongban.hotline import events, sla
from tongban.hotline.constants import (
    DUPLICATE_MIN_SIMILARITY,
    DUPLICATE_WINDOW_HOURS,
    FINISHED_STATES,
    HANDLING_STATES,
    Channel,
    Satisfaction,
    TicketCategory,
    TicketStatus,
)
from tongban.hotline.dispatch import analyzer
from tongban.hotline.models import Ticket
from tongban.hotline.services.common import TicketNotFound, handler_department_ids, line_roles

MAX_LIST = 200


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str) -> str:
    if "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if local else ""


@dataclass(frozen=True)
class Viewer:
    """What the actor may see of tickets of this line."""

    line: bool
    supervisor: bool
    departments: frozenset[int]

    @property
    def staff(self) -> bool:
        return self.line or bool(self.departments)


def viewer_for(actor: User | Any) -> Viewer:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Viewer(False, False, frozenset())
    roles = line_roles(actor=actor, region_id=settings.TONGBAN_REGION)
    return Viewer(
        line=bool(roles),
        supervisor=StaffRoleKind.HOTLINE_SUPERVISOR in roles,
        departments=frozenset(handler_department_ids(actor=actor)),
    )


def can_see(viewer: Viewer, ticket: Ticket) -> bool:
    return viewer.line or (ticket.department_id is not None and ticket.department_id in viewer.departments)


def ticket_get_for(*, actor: User, pk: int) -> Ticket:
    """A ticket the actor may see (the line's staff; the handlers of its department); else not found."""
    ticket = (
        Ticket.objects.select_related("department", "region", "line_region", "knowledge_entry").filter(pk=pk).first()
    )
    if ticket is None or not can_see(viewer_for(actor), ticket):
        raise TicketNotFound()
    return ticket


def caller_for(*, ticket: Ticket, actor: User | None, audit_read: bool = True) -> dict[str, str]:
    """The caller's details as ``actor`` may see them; unmasked reads by line staff are audited."""
    if ticket.caller_anonymous:
        return {"name": "", "phone": "", "email": "", "masked": "anonymous"}
    viewer = viewer_for(actor)
    if viewer.line:
        if audit_read and (ticket.caller_name or ticket.caller_phone or ticket.caller_email):
            from django.db import transaction

            with transaction.atomic():
                events.caller_viewed(
                    ticket=ticket,
                    actor=actor,
                    role=StaffRoleKind.HOTLINE_SUPERVISOR if viewer.supervisor else StaffRoleKind.HOTLINE_AGENT,
                )
        return {"name": ticket.caller_name, "phone": ticket.caller_phone, "email": ticket.caller_email, "masked": ""}
    return {
        "name": mask_name(ticket.caller_name),
        "phone": mask_phone(ticket.caller_phone),
        "email": mask_email(ticket.caller_email),
        "masked": "masked",
    }


def warning(ticket: Ticket, now: dt.datetime | None = None) -> str:
    if ticket.status not in HANDLING_STATES:
        return ""
    return sla.warning_level(
        start=ticket.dispatched_at,
        due=ticket.due_at,
        allowed=ticket.sla_hours,
        urgency=ticket.urgency,
        now=now or timezone.now(),
    )


QUEUES = ("new", "returned", "replied", "revisit", "handling", "overdue", "all", "mine")


def ticket_queue(*, actor: User, queue: str = "new", q: str = "") -> QuerySet[Ticket]:
    """The tickets of one queue of the actor's workbench."""
    viewer = viewer_for(actor)
    qs = Ticket.objects.select_related("department", "region")
    if viewer.line:
        qs = qs.filter(line_region_id=settings.TONGBAN_REGION)
    elif viewer.departments:
        qs = qs.filter(department_id__in=viewer.departments)
    else:
        return Ticket.objects.none()
    now = timezone.now()
    if queue == "new":
        qs = qs.filter(status=TicketStatus.RECEIVED) if viewer.line else qs.filter(status=TicketStatus.DISPATCHED)
    elif queue == "returned":
        qs = qs.filter(status=TicketStatus.RETURNED)
    elif queue == "replied":
        qs = qs.filter(status=TicketStatus.REPLIED)
    elif queue == "revisit":
        qs = qs.filter(status__in=[TicketStatus.CLOSED, TicketStatus.REVISITED])
    elif queue == "handling":
        qs = qs.filter(status__in=HANDLING_STATES)
    elif queue == "overdue":
        qs = qs.filter(status__in=HANDLING_STATES, due_at__lt=now)
    elif queue == "mine":
        qs = qs.filter(created_by=actor)
    q = q.strip()[:100]
    if q:
        qs = qs.filter(Q(number__iexact=q) | Q(title__icontains=q) | Q(content__icontains=q))
    return qs.order_by("due_at", "-created_at") if queue in ("handling", "overdue") else qs.order_by("-created_at")


def queue_counts(*, actor: User) -> dict[str, int]:
    return {key: ticket_queue(actor=actor, queue=key).count() for key in QUEUES if key not in ("all", "mine")}


def timeline(*, ticket: Ticket) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(stream=ticket.stream, action__in=events.TIMELINE_ACTIONS).order_by("seq"))


# Guessing a check code (six digits) is stopped per ticket and per address: ten wrong codes for a
# ticket, or thirty from an address, within fifteen minutes stop further tries (the right code too)
# until the window has passed. Following a ticket and rating it count together.
TRACK_PER_TICKET = Guard(scope="hotline.track.ticket", limit=10, window=900)
TRACK_PER_SOURCE = Guard(scope="hotline.track.source", limit=30, window=900)


def ticket_track(*, number: str, check_code: str) -> Ticket:
    """The caller's follow-up: number and check code must both match (numbers cannot be enumerated).

    Raises ``TooManyGuesses`` (``too_many_attempts``, 429) once the ticket or the caller's address
    has used up its wrong codes."""
    number = (number or "").strip().upper()[:24]
    code = (check_code or "").strip()[:8]
    source = current().source
    TRACK_PER_TICKET.check([number])
    TRACK_PER_SOURCE.check([source])
    ticket = Ticket.objects.select_related("department").filter(number=number).first()
    expected = ticket.check_code if ticket is not None else "000000-x"
    if not secrets.compare_digest(code.encode(), expected.encode()) or ticket is None:
        TRACK_PER_TICKET.fail([number])
        TRACK_PER_SOURCE.fail([source])
        raise TicketNotFound()
    return ticket


# ------------------------------------------------------------------ duplicates


def _similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class DuplicateCandidate:
    ticket: Ticket
    similarity: float


def duplicate_candidates(*, ticket: Ticket, limit: int = 5) -> list[DuplicateCandidate]:
    """Earlier or later tickets of the same region within the window with similar content and location."""
    window = dt.timedelta(hours=DUPLICATE_WINDOW_HOURS)
    others = (
        Ticket.objects.filter(
            line_region_id=ticket.line_region_id,
            region_id=ticket.region_id,
            created_at__gte=ticket.created_at - window,
            created_at__lte=ticket.created_at + window,
        )
        .exclude(pk=ticket.pk)
        .exclude(status=TicketStatus.MERGED)
        .select_related("department")
        .order_by("-created_at")[:300]
    )
    mine = set(analyzer(f"{ticket.title} {ticket.content}"))
    place = set(analyzer(ticket.location))
    found: list[DuplicateCandidate] = []
    for other in others:
        score = _similarity(mine, set(analyzer(f"{other.title} {other.content}")))
        if place and other.location:
            score = 0.8 * score + 0.2 * _similarity(place, set(analyzer(other.location)))
        if score >= DUPLICATE_MIN_SIMILARITY:
            found.append(DuplicateCandidate(other, round(score, 2)))
    found.sort(key=lambda c: -c.similarity)
    return found[:limit]


# ------------------------------------------------------------------ figures


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    total: int = 0
    by_day: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, str, int]] = field(default_factory=list)
    by_category: list[tuple[str, str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    on_time_rate: float | None = None
    direct_answer_rate: float | None = None
    revisit_rate: float | None = None
    satisfaction_rate: float | None = None
    hot_topics: list[tuple[str, int, int]] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures(*, start: dt.date, end: dt.date, today: dt.date | None = None) -> Figures:
    """Counts and rates for tickets received from ``start`` to ``end`` (inclusive) on this line."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Ticket.objects.filter(line_region_id=settings.TONGBAN_REGION, created_at__gte=lo, created_at__lt=hi).exclude(
        status=TicketStatus.MERGED
    )
    out = Figures(start=start, end=end)
    out.total = qs.count()
    days: Counter[str] = Counter()
    for created in qs.values_list("created_at", flat=True).iterator():
        days[timezone.localtime(created, tz).date().isoformat()] += 1
    day = start
    while day <= end:
        out.by_day.append((day.isoformat(), days.get(day.isoformat(), 0)))
        day += dt.timedelta(days=1)
    channel_counts = dict(qs.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    out.by_channel = [(c.value, str(c.label), channel_counts.get(c.value, 0)) for c in Channel]
    category_counts = dict(qs.values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    out.by_category = [(c.value, str(c.label), category_counts.get(c.value, 0)) for c in TicketCategory]
    out.by_department = [
        (name or "—", n)
        for name, n in qs.filter(department__isnull=False)
        .values_list("department__name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("department__name", "n")
    ]
    replied = qs.filter(on_time__isnull=False)
    out.on_time_rate = _rate(replied.filter(on_time=True).count(), replied.count())
    finished = qs.filter(status__in=FINISHED_STATES)
    out.direct_answer_rate = _rate(qs.filter(answered_directly=True).count(), out.total)
    out.revisit_rate = _rate(finished.filter(revisited_at__isnull=False).count(), finished.count())
    rated = qs.exclude(satisfaction="")
    out.satisfaction_rate = _rate(
        rated.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]).count(), rated.count()
    )
    out.hot_topics = hot_topics(today=today or end)
    return out


def _term_counts(lo: dt.datetime, hi: dt.datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    rows = Ticket.objects.filter(
        line_region_id=settings.TONGBAN_REGION, created_at__gte=lo, created_at__lt=hi
    ).values_list("title", "content")
    for title, content in rows.iterator():
        counts.update(set(w for w in analyzer(f"{title} {content}") if len(w) >= 2 and not w.isdigit()))
    return counts


STOP_TERMS = frozenset(
    {
        "希望",
        "尽快",
        "处理",
        "反映",
        "谢谢",
        "您好",
        "请问",
        "相关",
        "部门",
        "核实",
        "一下",
        "麻烦",
        "来电",
        "市民",
        "已经",
        "一次",
        "没有",
        "怎么",
        "需要",
        "什么",
    }
)


def hot_topics(*, today: dt.date, limit: int = 10) -> list[tuple[str, int, int]]:
    """Terms of this week's tickets (last 7 days) rising most against the 7 days before: (term, now, before)."""
    tz = timezone.get_current_timezone()
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    this_week = _term_counts(end - dt.timedelta(days=7), end)
    last_week = _term_counts(end - dt.timedelta(days=14), end - dt.timedelta(days=7))
    rising = [
        (term, n, last_week.get(term, 0))
        for term, n in this_week.items()
        if term not in STOP_TERMS and n >= 2 and n > last_week.get(term, 0)
    ]
    rising.sort(key=lambda r: (-(r[1] - r[2]), -r[1], r[0]))
    return rising[:limit]


def figures_csv(data: Figures) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "label", "value"])
    writer.writerow(["total", "tickets", "", data.total])
    for day, n in data.by_day:
        writer.writerow(["day", day, "", n])
    for code, label, n in data.by_channel:
        writer.writerow(["channel", code, label, n])
    for code, label, n in data.by_category:
        writer.writerow(["category", code, label, n])
    for name, n in data.by_department:
        writer.writerow(["department", "", name, n])
    for key in ("on_time_rate", "direct_answer_rate", "revisit_rate", "satisfaction_rate"):
        value = getattr(data, key)
        writer.writerow(["rate", key, "", "" if value is None else value])
    for term, now_n, before in data.hot_topics:
        writer.writerow(["hot_topic", term, before, now_n])
    return buffer.getvalue()


def timeline_rows(*, ticket: Ticket, with_reasons: bool = True) -> list[dict[str, Any]]:
    """The ticket's history for display: when, what (translated), and the reasons given."""
    from tongban.hotline.constants import TicketAction

    labels = {f"ticket.{a.value}": str(a.label) for a in TicketAction}
    labels["ticket.created"] = str(TicketStatus.RECEIVED.label)
    return [
        {
            "at": e.occurred_at,
            "label": labels.get(e.action, e.action),
            "reason": e.reason if with_reasons else "",
        }
        for e in timeline(ticket=ticket)
    ]
