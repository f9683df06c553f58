"""The hotline API under ``/api/v1/hotline/``: intake from any channel, the loop's actions, suggestions,
knowledge-base search, follow-up by number and check code, and the knowledge-base exchange."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema, Status
from pydantic import BaseModel, TypeAdapter

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.core.errors import PermissionDenied, ValidationFailed
from tongban.core.sql import instances
from tongban.hotline import dispatch, knowledge, selectors, services
from tongban.hotline.constants import TicketAction
from tongban.hotline.models import ExtensionRequest, KnowledgeEntry, Ticket
from tongban.regions.models import Department, Region

router = Router(tags=["hotline"])


class TicketIn(Schema):
    channel: str = Field(..., max_length=12)
    category: str = Field(..., max_length=16)
    content: str = Field(..., max_length=4000)
    title: str = Field("", max_length=200)
    region: str = Field("", max_length=6)
    subject: str = Field("", max_length=32)
    urgency: str = Field("normal", max_length=12)
    location: str = Field("", max_length=200)
    lat: float | None = None
    long: float | None = None
    anonymous: bool = False
    caller_name: str = Field("", max_length=60)
    caller_phone: str = Field("", max_length=20)
    caller_email: str = Field("", max_length=120)
    department: str = Field("", max_length=40, description="dispatch at once to this department code")
    publish: bool = Field(
        False, description="the caller agrees to publication on the public list (personal data removed)"
    )


class CallerOut(Schema):
    name: str
    phone: str
    email: str
    masked: str


class TicketOut(Schema):
    id: int
    number: str
    status: str
    channel: str
    category: str
    subject: str
    urgency: str
    title: str
    content: str
    location: str
    region: str
    department: str | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    warning: str
    reply: str
    satisfaction: str
    answered_directly: bool
    caller: CallerOut


class CreatedOut(TicketOut):
    check_code: str


def _out(ticket: Ticket, actor: Any, *, audit_read: bool = False) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "channel": ticket.channel,
        "category": ticket.category,
        "subject": ticket.subject,
        "urgency": ticket.urgency,
        "title": ticket.title,
        "content": ticket.content,
        "location": ticket.location,
        "region": ticket.region_id,
        "department": ticket.department.code if ticket.department else None,
        "created_at": ticket.created_at,
        "due_at": ticket.due_at,
        "warning": selectors.warning(ticket),
        "reply": ticket.reply,
        "satisfaction": ticket.satisfaction,
        "answered_directly": ticket.answered_directly,
        "caller": selectors.caller_for(ticket=ticket, actor=actor, audit_read=audit_read),
    }


def _department(code: str) -> Department:
    from django.conf import settings

    found = instances(Department, "region_id = %s AND code = %s", [settings.TONGBAN_REGION, code])
    department = found[0] if found else None
    if department is None:
        raise ValidationFailed(_("The department is unknown."), code="unknown_department")
    return department


@router.post("/tickets", auth=api_auth, response={201: CreatedOut}, summary="Take a ticket (any channel)")
def ticket_create(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    actor: User = request.auth  # type: ignore[attr-defined]
    ticket = services.ticket_create(
        actor=actor,
        channel=payload.channel,
        category=payload.category,
        content=payload.content,
        title=payload.title,
        region=payload.region or None,
        subject=payload.subject,
        urgency=payload.urgency,
        location=payload.location,
        lat=payload.lat,
        long=payload.long,
        anonymous=payload.anonymous,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        caller_email=payload.caller_email,
        department=_department(payload.department) if payload.department else None,
        publish=payload.publish,
    )
    body = _out(ticket, actor)
    body["check_code"] = ticket.check_code
    return Status(201, body)


@router.get("/tickets", auth=api_auth, response=list[TicketOut], summary="A queue of the caller's workbench")
def ticket_list(request: HttpRequest, queue: str = "new", q: str = "", limit: int = 50) -> list[dict[str, Any]]:
    actor: User = request.auth  # type: ignore[attr-defined]
    if queue not in selectors.QUEUES:
        raise ValidationFailed(_("Unknown queue."), code="invalid_queue")
    limit = max(1, min(limit, selectors.MAX_LIST))
    return [_out(t, actor) for t in selectors.ticket_queue(actor=actor, queue=queue, q=q)[:limit]]


@router.get("/tickets/{int:pk}", auth=api_auth, response=TicketOut, summary="One ticket")
def ticket_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[attr-defined]
    return _out(selectors.ticket_get_for(actor=actor, pk=pk), actor, audit_read=True)


class ActionIn(Schema):
    department: str = Field("", max_length=40)
    reason: str = Field("", max_length=2000)
    reply: str = Field("", max_length=4000)
    knowledge_entry: int | None = None
    resolved: bool = True
    satisfaction: str = Field("", max_length=12)
    into: str = Field("", max_length=24, description="number of the ticket to merge into")
    working_days: int = 0
    extension: int | None = None
    approve: bool = True
    region: str = Field("", max_length=6)


@router.post("/tickets/{int:pk}/{action}", auth=api_auth, response=TicketOut, summary="An action of the loop")
def ticket_act(request: HttpRequest, pk: int, action: str, payload: ActionIn) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[attr-defined]
    ticket = selectors.ticket_get_for(actor=actor, pk=pk)
    if action not in TicketAction.values or action == TicketAction.TRANSFER_OUTCOME:
        raise ValidationFailed(_("Unknown action."), code="invalid_action")
    run(action=TicketAction(action), ticket=ticket, actor=actor, data=payload.dict())
    ticket.refresh_from_db()
    return _out(ticket, actor)


def run(*, action: TicketAction, ticket: Ticket, actor: User, data: dict[str, Any]) -> None:
    """Carry out one action of the loop with the fields of a form or an API body."""
    A = TicketAction
    reason = str(data.get("reason") or "")
    if action == A.DISPATCH:
        services.ticket_dispatch(
            ticket=ticket, actor=actor, department=_department(str(data.get("department"))), note=reason
        )
    elif action == A.ANSWER_DIRECTLY:
        entry_id = data.get("knowledge_entry")
        entry = KnowledgeEntry.objects.filter(pk=entry_id).first() if entry_id else None
        services.ticket_answer_directly(ticket=ticket, actor=actor, reply=str(data.get("reply") or ""), entry=entry)
    elif action == A.ACCEPT:
        services.ticket_accept(ticket=ticket, actor=actor)
    elif action == A.RETURN:
        services.ticket_return(ticket=ticket, actor=actor, reason=reason)
    elif action == A.REASSIGN:
        services.ticket_reassign(
            ticket=ticket, actor=actor, department=_department(str(data.get("department"))), reason=reason
        )
    elif action == A.REPLY:
        services.ticket_reply(ticket=ticket, actor=actor, reply=str(data.get("reply") or ""))
    elif action == A.SUPERVISE:
        services.ticket_supervise(ticket=ticket, actor=actor, reason=reason)
    elif action == A.CLOSE:
        services.ticket_close(ticket=ticket, actor=actor)
    elif action == A.REVISIT:
        services.ticket_revisit(ticket=ticket, actor=actor, resolved=bool(data.get("resolved")), note=reason)
    elif action == A.EVALUATE:
        services.ticket_evaluate(ticket=ticket, actor=actor, satisfaction=str(data.get("satisfaction") or ""))
    elif action == A.REOPEN:
        code = str(data.get("department") or "")
        services.ticket_reopen(
            ticket=ticket, actor=actor, reason=reason, department=_department(code) if code else None
        )
    elif action == A.MERGE:
        into = Ticket.objects.filter(number=str(data.get("into") or "").strip().upper()).first()
        if into is None:
            raise services.TicketNotFound()
        services.ticket_merge(ticket=ticket, into=into, actor=actor)
    elif action == A.ESCALATE:
        services.ticket_escalate(ticket=ticket, actor=actor, reason=reason)
    elif action == A.REQUEST_EXTENSION:
        try:
            days = int(data.get("working_days") or 0)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(_("Ask for 1 to 15 working days."), code="invalid_extension_days") from exc
        services.extension_request(ticket=ticket, actor=actor, working_days=days, reason=reason)
    elif action == A.DECIDE_EXTENSION:
        extension = ExtensionRequest.objects.filter(pk=data.get("extension") or 0, ticket=ticket).first()
        if extension is None:
            raise ValidationFailed(_("The extension request was not found."), code="extension_not_found")
        services.extension_decide(extension=extension, actor=actor, approve=bool(data.get("approve")), reason=reason)
    elif action == A.TRANSFER:
        region = Region.objects.filter(code=str(data.get("region") or "")).first()
        if region is None:
            raise ValidationFailed(_("The region is unknown."), code="unknown_region")
        services.ticket_transfer(ticket=ticket, actor=actor, to_region=region, reason=reason)
    else:  # pragma: no cover - every action is listed above
        raise ValidationFailed(_("Unknown action."), code="invalid_action")


class SuggestionOut(Schema):
    department: str
    name: str
    probability: float
    source: str


@router.get(
    "/tickets/{int:pk}/suggestions", auth=api_auth, response=list[SuggestionOut], summary="Dispatch suggestions"
)
def ticket_suggestions(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    ticket = selectors.ticket_get_for(actor=request.auth, pk=pk)  # type: ignore[attr-defined]
    return suggestions_for(ticket)


def suggestions_for(ticket: Ticket) -> list[dict[str, Any]]:
    names = dict(Department.objects.filter(region_id=ticket.line_region_id).values_list("code", "name"))
    return [
        {
            "department": s.department_code,
            "name": names.get(s.department_code, s.department_code),
            "probability": round(s.probability, 3),
            "source": s.source,
        }
        for s in dispatch.suggest(f"{ticket.title} {ticket.content}", ticket.subject)
        if s.department_code in names
    ]


class DuplicateOut(Schema):
    id: int
    number: str
    title: str
    status: str
    similarity: float


@router.get("/tickets/{int:pk}/duplicates", auth=api_auth, response=list[DuplicateOut], summary="Possible duplicates")
def ticket_duplicates(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    ticket = selectors.ticket_get_for(actor=request.auth, pk=pk)  # type: ignore[attr-defined]
    return [
        {
            "id": c.ticket.pk,
            "number": c.ticket.number,
            "title": c.ticket.title,
            "status": c.ticket.status,
            "similarity": c.similarity,
        }
        for c in selectors.duplicate_candidates(ticket=ticket)
    ]


class KnowledgeHitOut(BaseModel):
    # plain pydantic: ninja's Schema resolves every attribute through its own validator (ADR 0010)
    id: int
    uid: str
    version: int
    category: str
    question: str
    answer: str
    source: str
    origin_region: str
    shareable: bool
    score: float


_hits_out: TypeAdapter[list[KnowledgeHitOut]] = TypeAdapter(list[KnowledgeHitOut])


@router.get("/kb/search", response=list[KnowledgeHitOut], summary="Search the knowledge base (Chinese, pinyin)")
def kb_search(request: HttpRequest, q: str = "", limit: int = 8) -> HttpResponse:
    if len(q) > 100:
        raise ValidationFailed(_("The search text may have at most 100 characters."), code="invalid_query")
    hits = knowledge.search(q, limit=max(1, min(limit, 20)))
    body = _hits_out.dump_json([KnowledgeHitOut(**dataclasses.asdict(h)) for h in hits])
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/kb/export", auth=api_auth, summary="Shareable entries for peer regions (JSON)")
def kb_export(request: HttpRequest) -> dict[str, Any]:
    viewer = selectors.viewer_for(request.auth)  # type: ignore[attr-defined]
    if not viewer.line:
        raise PermissionDenied()
    return services.kb_export_shareable()


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


@router.post("/kb/import", auth=api_auth, response=ImportOut, summary="Import a peer's shareable entries")
def kb_import(request: HttpRequest, payload: Body[dict[str, Any]]) -> Any:
    viewer = selectors.viewer_for(request.auth)  # type: ignore[attr-defined]
    if not viewer.supervisor:
        raise PermissionDenied()
    return services.kb_import(document=payload)


class TrackOut(Schema):
    number: str
    status: str
    status_label: str
    category: str
    created_at: dt.datetime
    reply: str
    department: str | None


@router.get("/track", response=TrackOut, summary="Follow a ticket by number and check code")
def track(request: HttpRequest, number: str, check_code: str) -> dict[str, Any]:
    from tongban.hotline.constants import TicketStatus

    ticket = selectors.ticket_track(number=number, check_code=check_code)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "category": ticket.category,
        "created_at": ticket.created_at,
        "reply": ticket.reply if ticket.status in ("closed", "revisited", "evaluated") else "",
        "department": ticket.department.name if ticket.department else None,
    }
