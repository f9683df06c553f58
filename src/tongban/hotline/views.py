"""Hotline pages under ``/hotline/``: the agent's intake, ticket pages, the department's and the supervisor's
workbenches, the knowledge base, figures, and the caller's follow-up by number and check code.

Every page works without JavaScript; ``hotline/agent.js`` adds knowledge-base search while typing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import ApplicationError
from tongban.core.throttle import TooManyGuesses
from tongban.hotline import api, knowledge, selectors, services
from tongban.hotline.constants import (
    SUBJECTS,
    Channel,
    ExtensionStatus,
    KnowledgeStatus,
    Satisfaction,
    TicketAction,
    TicketCategory,
    TicketStatus,
    Urgency,
)
from tongban.hotline.models import ExtensionRequest, KnowledgeEntry, TicketTransfer
from tongban.regions.models import Department, Region


def _staff(request: HttpRequest) -> selectors.Viewer:
    viewer = selectors.viewer_for(request.user)
    if not viewer.staff:
        raise Http404
    return viewer


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c.value, c.label) for c in Channel if c not in (Channel.OPEN311, Channel.TRANSFER)],
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=TicketCategory.choices)
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("District"))
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=gettext_lazy("Anonymous caller"), required=False)
    caller_name = forms.CharField(label=gettext_lazy("Caller's name"), max_length=60, required=False)
    caller_phone = forms.CharField(label=gettext_lazy("Caller's phone"), max_length=20, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    content = forms.CharField(
        label=gettext_lazy("What the caller says"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    publish = forms.BooleanField(
        label=gettext_lazy("The caller agrees that the request is published (without personal data)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subject = self.fields["subject"]
        assert isinstance(subject, forms.ChoiceField)
        subject.choices = [("", _("— not classified —"))] + [(k, v[0]) for k, v in SUBJECTS.items()]
        line = settings.TONGBAN_REGION
        regions = [(r.code, r.name) for r in Region.objects.filter(parent_id=line).order_by("code")]
        own = Region.objects.filter(code=line).first()
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = ([(own.code, own.name)] if own else []) + regions
        self.fields["region"].initial = line


@login_required
@require_http_methods(["GET", "POST"])
def agent(request: HttpRequest) -> HttpResponse:
    """The agent's workbench: the fast intake form, KB search, and the line's queues."""
    viewer = _staff(request)
    if not viewer.line:
        return redirect("hotline:department")
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Ticket %(number)s taken; check code %(code)s.")
                % {"number": ticket.number, "code": ticket.check_code},
            )
            return redirect("hotline:ticket", pk=ticket.pk)
    q = request.GET.get("kb", "").strip()[:100]
    queue = request.GET.get("queue", "new")
    if queue not in selectors.QUEUES:
        queue = "new"
    rows = list(selectors.ticket_queue(actor=request.user, queue=queue, q=request.GET.get("q", ""))[:50])  # type: ignore[arg-type]
    return render(
        request,
        "hotline/agent.html",
        {
            "form": form,
            "kb_q": q,
            "kb_hits": knowledge.search(q) if q else [],
            "queue": queue,
            "rows": [(t, selectors.warning(t)) for t in rows],
            "counts": selectors.queue_counts(actor=request.user),  # type: ignore[arg-type]
            "viewer": viewer,
        },
    )


def _allowed_actions(ticket: Any, viewer: selectors.Viewer) -> list[str]:
    line_actions = {
        TicketAction.DISPATCH,
        TicketAction.ANSWER_DIRECTLY,
        TicketAction.REASSIGN,
        TicketAction.CLOSE,
        TicketAction.REVISIT,
        TicketAction.EVALUATE,
        TicketAction.REOPEN,
        TicketAction.MERGE,
        TicketAction.ESCALATE,
        TicketAction.TRANSFER,
    }
    handler_actions = {TicketAction.ACCEPT, TicketAction.RETURN, TicketAction.REPLY, TicketAction.REQUEST_EXTENSION}
    supervisor_actions = {TicketAction.SUPERVISE, TicketAction.DECIDE_EXTENSION}
    allowed: set[str] = set()
    if viewer.line:
        allowed |= line_actions
    if viewer.supervisor:
        allowed |= supervisor_actions
    if ticket.department_id in viewer.departments:
        allowed |= handler_actions
    return [a.value for a in TicketAction if a.value in allowed and services.TICKETS.can(ticket, a)]


@login_required
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _staff(request)
    try:
        t = selectors.ticket_get_for(actor=request.user, pk=pk)  # type: ignore[arg-type]
    except ApplicationError as exc:
        raise Http404 from exc
    actions = _allowed_actions(t, viewer)
    departments = Department.objects.filter(region_id=settings.TONGBAN_REGION).order_by("code")
    suggestions = api.suggestions_for(t) if {"dispatch", "reassign"} & set(actions) else []
    return render(
        request,
        "hotline/ticket.html",
        {
            "t": t,
            "viewer": viewer,
            "caller": selectors.caller_for(ticket=t, actor=request.user),  # type: ignore[arg-type]
            "actions": actions,
            "warning": selectors.warning(t),
            "timeline": selectors.timeline_rows(ticket=t),
            "departments": departments,
            "suggestions": suggestions,
            "duplicates": selectors.duplicate_candidates(ticket=t) if "merge" in actions else [],
            "kb_hits": knowledge.search(t.title, limit=3) if "answer_directly" in actions else [],
            "extensions": list(t.extensions.filter(status=ExtensionStatus.PENDING)),
            "satisfactions": Satisfaction.choices,
            "regions": Region.objects.filter(code__in=["110000", "120000", "130000"]).exclude(code=t.line_region_id),
            "transfers": list(TicketTransfer.objects.filter(ticket=t)),
            "can_propose": viewer.line and bool(t.reply),
            "status_label": TicketStatus(t.status).label,
        },
    )


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _staff(request)
    try:
        t = selectors.ticket_get_for(actor=request.user, pk=pk)  # type: ignore[arg-type]
    except ApplicationError as exc:
        raise Http404 from exc
    if action not in TicketAction.values or action == TicketAction.TRANSFER_OUTCOME:
        raise Http404
    data: dict[str, Any] = {
        k: request.POST.get(k, "")
        for k in ("department", "reason", "reply", "satisfaction", "into", "working_days", "region")
    }
    data["knowledge_entry"] = request.POST.get("knowledge_entry") or None
    data["resolved"] = request.POST.get("resolved") == "1"
    data["approve"] = request.POST.get("approve") == "1"
    data["extension"] = request.POST.get("extension") or None
    try:
        api.run(action=TicketAction(action), ticket=t, actor=request.user, data=data)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": TicketAction(action).label})
    if action == TicketAction.RETURN or not selectors.can_see(
        selectors.viewer_for(request.user), t.__class__.objects.get(pk=t.pk)
    ):
        return redirect("hotline:department")
    return redirect("hotline:ticket", pk=pk)


@login_required
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    try:
        t = selectors.ticket_get_for(actor=request.user, pk=pk)  # type: ignore[arg-type]
        services.kb_propose_from_ticket(ticket=t, actor=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Proposed as a knowledge-base entry; a supervisor will review it."))
    return redirect("hotline:ticket", pk=pk)


@login_required
def department(request: HttpRequest) -> HttpResponse:
    viewer = _staff(request)
    queue = request.GET.get("queue", "new" if not viewer.line else "handling")
    if queue not in selectors.QUEUES:
        queue = "new"
    rows = list(selectors.ticket_queue(actor=request.user, queue=queue, q=request.GET.get("q", ""))[:100])  # type: ignore[arg-type]
    departments = Department.objects.filter(pk__in=viewer.departments)
    return render(
        request,
        "hotline/department.html",
        {
            "rows": [(t, selectors.warning(t)) for t in rows],
            "queue": queue,
            "departments": departments,
            "viewer": viewer,
        },
    )


@login_required
def supervisor(request: HttpRequest) -> HttpResponse:
    viewer = _staff(request)
    if not viewer.supervisor:
        raise Http404
    handling = list(selectors.ticket_queue(actor=request.user, queue="handling")[:300])  # type: ignore[arg-type]
    levels = [(t, selectors.warning(t)) for t in handling]
    extensions = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).select_related(
        "ticket", "requested_by"
    )
    review = KnowledgeEntry.objects.filter(status=KnowledgeStatus.IN_REVIEW).order_by("-created_at")[:50]
    return render(
        request,
        "hotline/supervisor.html",
        {
            "red": [r for r in levels if r[1] == "red"],
            "yellow": [r for r in levels if r[1] == "yellow"],
            "supervised": list(
                selectors.ticket_queue(actor=request.user, queue="all").filter(  # type: ignore[arg-type]
                    status=TicketStatus.SUPERVISED
                )[:100]
            ),
            "extensions": extensions,
            "review": review,
        },
    )


@login_required
@require_POST
def kb_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    entry = KnowledgeEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404
    try:
        services.kb_entry_publish(entry=entry, actor=request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Published."))
    return redirect("hotline:supervisor")


@login_required
def kb(request: HttpRequest) -> HttpResponse:
    _staff(request)
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "hotline/kb.html", {"q": q, "hits": knowledge.search(q, limit=20) if q else []})


@login_required
def kb_results(request: HttpRequest) -> HttpResponse:
    """The hits as an HTML fragment for the agent's form (fetched while typing)."""
    _staff(request)
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "hotline/_kb_hits.html", {"kb_hits": knowledge.search(q) if q else [], "kb_q": q})


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    viewer = _staff(request)
    if not viewer.line:
        raise Http404
    today = timezone.localdate()
    try:
        start = (
            dt.date.fromisoformat(request.GET.get("start", ""))
            if request.GET.get("start")
            else today - dt.timedelta(days=27)
        )
        end = dt.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
    except ValueError:
        start, end = today - dt.timedelta(days=27), today
    if end < start or (end - start).days > 366:
        start, end = end - dt.timedelta(days=27), end
    data = selectors.figures(start=start, end=end, today=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(selectors.figures_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="hotline-figures-{start}-{end}.csv"'
        return response
    chart = {
        "days": [d for d, _ in data.by_day],
        "day_counts": [n for _, n in data.by_day],
        "channels": [{"name": label, "value": n} for _, label, n in data.by_channel],
        "categories": [{"name": label, "value": n} for _, label, n in data.by_category],
        "departments": [name for name, _ in data.by_department],
        "department_counts": [n for _, n in data.by_department],
    }
    return render(request, "hotline/figures.html", {"data": data, "chart": chart, "start": start, "end": end})


@require_http_methods(["GET"])
def track(request: HttpRequest) -> HttpResponse:
    """The caller's follow-up page: number and check code."""
    number = request.GET.get("number", "").strip()
    code = request.GET.get("check_code", "").strip()
    ticket = None
    error = ""
    status = 200
    if number or code:
        try:
            ticket = selectors.ticket_track(number=number, check_code=code)
        except TooManyGuesses as exc:
            error, status = str(exc.message), exc.status
        except ApplicationError:
            error = _("No ticket matches this number and check code.")
    return render(
        request,
        "hotline/track.html",
        {
            "number": number,
            "ticket": ticket,
            "error": error,
            "timeline": selectors.timeline_rows(ticket=ticket, with_reasons=False) if ticket else [],
            "status_label": TicketStatus(ticket.status).label if ticket else "",
            "check_code": code if ticket else "",
            "can_evaluate": ticket is not None and ticket.status == TicketStatus.REVISITED,
            "satisfactions": Satisfaction.choices,
        },
        status=status,
    )


@require_POST
def track_evaluate(request: HttpRequest) -> HttpResponse:
    """The caller rates the handling (评价) with the ticket number and check code."""
    number = request.POST.get("number", "").strip()
    code = request.POST.get("check_code", "").strip()
    try:
        ticket = selectors.ticket_track(number=number, check_code=code)
        services.ticket_evaluate(ticket=ticket, satisfaction=request.POST.get("satisfaction", ""), check_code=code)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you for your evaluation."))
    return redirect(f"{reverse('hotline:track')}?{urlencode({'number': number, 'check_code': code})}")
