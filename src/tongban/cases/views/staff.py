"""The staff workbench: a department's actions on a case, the verification, the work queues."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.accounts.models import User
from tongban.cases import events, selectors, services
from tongban.cases import forms as case_forms
from tongban.cases.constants import (
    CLOCK_RUNNING,
    CaseAction,
    CaseStatus,
    VerificationStatus,
)
from tongban.cases.models import Case, VerificationTask
from tongban.cases.views.common import (
    DEPARTMENT_ROLES,
    action_label,
    error_text,
    is_clerk,
    nav,
    request_user,
    staff_department_ids,
    viewable_case,
)
from tongban.cases.views.mine import (
    GapAcceptForm,
    VerifyForm,
    action_forms,
    deadline_label,
    deadline_level,
    detail_context,
    missing_gap_rows,
)
from tongban.core.errors import ApplicationError
from tongban.regions.models import Department

# ------------------------------------------------------------------ staff actions


def _call_action(case: Case, actor: User, action: CaseAction, data: Mapping[str, Any]) -> Case:
    if action == CaseAction.ACCEPT:
        return services.case_accept(case=case, actor=actor)
    if action == CaseAction.ACCEPT_WITH_GAPS:
        return services.case_accept_with_gaps(
            case=case, actor=actor, gap_materials=data["gap_materials"], supplement_days=data["supplement_days"]
        )
    if action == CaseAction.REJECT_AT_INTAKE:
        return services.case_reject_at_intake(case=case, actor=actor, reason=data["reason"])
    if action == CaseAction.REQUEST_CORRECTION:
        return services.case_request_correction(
            case=case, actor=actor, materials=data["materials"], note=data["reason"]
        )
    if action == CaseAction.START_REVIEW:
        return services.case_start_review(case=case, actor=actor)
    if action == CaseAction.APPROVE:
        return services.case_approve(case=case, actor=actor, note=data.get("reason", ""))
    if action == CaseAction.DENY:
        return services.case_deny(case=case, actor=actor, reasons=data["reason"])
    if action == CaseAction.ISSUE_RESULT:
        return services.case_issue_result(
            case=case, actor=actor, result_number=data["result_number"], note=data.get("result_note", "")
        )
    if action == CaseAction.DELIVER:
        return services.case_deliver(case=case, actor=actor, tracking_number=data.get("tracking_number", ""))
    if action == CaseAction.CLOSE:
        return services.case_close(case=case, actor=actor)
    if action == CaseAction.SUSPEND:
        return services.case_suspend(case=case, actor=actor, reason=data["reason"])
    if action == CaseAction.RESUME:
        return services.case_resume(case=case, actor=actor)
    if action == CaseAction.TERMINATE:
        return services.case_terminate(case=case, actor=actor, reason=data["reason"])
    raise Http404(gettext("Unknown action."))


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One staff action on a case, from its button or small form."""
    case, viewer = viewable_case(request, pk, reason=gettext("Handling the case"))
    try:
        chosen = CaseAction(action)
    except ValueError as exc:
        raise Http404(gettext("Unknown action.")) from exc
    offered = {a["action"]: a for a in action_forms(case, viewer)}
    if chosen.value not in offered:
        messages.error(request, gettext("This action is not available for this case now."))
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    template_form = offered[chosen.value]["form"]
    data: dict[str, Any] = {}
    bound: forms.Form | None = None
    if template_form is not None:
        if isinstance(template_form, case_forms.CorrectionRequestForm):
            bound = case_forms.CorrectionRequestForm(
                request.POST,
                materials=[r.material for r in case.materials.select_related("material")],
                prefix=chosen.value,
            )
        elif isinstance(template_form, GapAcceptForm):
            bound = GapAcceptForm(request.POST, materials=missing_gap_rows(case), prefix=chosen.value)
        else:
            bound = type(template_form)(request.POST, prefix=chosen.value)
        if not bound.is_valid():
            ctx = detail_context(
                request,
                case,
                viewer,
                posted={chosen.value: bound},
                error=gettext("Please complete the form of “%(action)s”.") % {"action": action_label(chosen)},
                open_action=chosen.value,
            )
            return render(request, "cases/detail.html", ctx, status=422)
        data = bound.cleaned_data
    try:
        _call_action(case, viewer.user, chosen, data)
    except ApplicationError as exc:
        ctx = detail_context(
            request,
            case,
            viewer,
            posted={chosen.value: bound} if bound is not None else None,
            error=error_text(exc),
            open_action=chosen.value,
        )
        return render(request, "cases/detail.html", ctx, status=exc.status if 400 <= exc.status < 500 else 422)
    messages.success(request, gettext("Done: %(action)s.") % {"action": action_label(chosen)})
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """告知承诺制: the department records whether the commitment was true."""
    case, viewer = viewable_case(request, pk, reason=gettext("Verifying the commitment"))
    task = VerificationTask.objects.filter(case=case).first()
    if task is None or not viewer.is_department:
        raise Http404(gettext("The case was not found."))
    form = VerifyForm(request.POST, prefix="verify")
    if form.is_valid():
        try:
            services.task_verify(
                task=task,
                actor=viewer.user,
                ok=form.cleaned_data["outcome"] == "confirmed",
                findings=form.cleaned_data["findings"],
            )
        except ApplicationError as exc:
            ctx = detail_context(request, case, viewer, verify_form=form, error=error_text(exc))
            return render(request, "cases/detail.html", ctx, status=422)
        messages.success(request, gettext("The verification was recorded."))
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    ctx = detail_context(request, case, viewer, verify_form=form, error=gettext("Please complete the verification."))
    return render(request, "cases/detail.html", ctx, status=422)


# ------------------------------------------------------------------ workbenches

QUEUES: dict[str, tuple[Any, frozenset[str]]] = {
    "intake": (_("To accept"), frozenset({CaseStatus.SUBMITTED})),
    "review": (_("In review"), frozenset({CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED})),
    "finish": (
        _("To issue and deliver"),
        frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.RESULT_ISSUED, CaseStatus.DELIVERED}),
    ),
    "correction": (_("Waiting for correction"), frozenset({CaseStatus.CORRECTION_REQUESTED})),
    "done": (
        _("Finished"),
        frozenset(
            {
                CaseStatus.CLOSED,
                CaseStatus.REJECTED_AT_INTAKE,
                CaseStatus.WITHDRAWN,
                CaseStatus.TERMINATED,
                CaseStatus.REVOKED,
            }
        ),
    ),
}


def _rows(cases: Iterable[Case]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    out = []
    for case in cases:
        level = deadline_level(case, today)
        out.append({"case": case, "level": level, "level_label": deadline_label(level)})
    return out


def _audit_search(user: User, rows: list[dict[str, Any]], q: str) -> None:
    """A targeted search reads the applicants' data of the cases found: each is recorded."""
    with transaction.atomic():
        for row in rows[:50]:
            case = row["case"]
            access = selectors.access_for(user=user, case=case)
            if access is not None and access.role != "applicant":
                events.case_viewed(case=case, actor=user, role=access.role, reason=gettext("Search: %(q)s") % {"q": q})


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The reviewers' queue: their departments' cases by state and deadline, with search."""
    user = request_user(request)
    departments = list(Department.objects.filter(pk__in=staff_department_ids(user, DEPARTMENT_ROLES)).order_by("name"))
    if not departments:
        raise Http404(gettext("This page is for reviewers."))
    queue = request.GET.get("queue", "intake")
    if queue not in QUEUES and queue != "verify":
        queue = "intake"
    department_id = request.GET.get("department", "")
    chosen = next((d for d in departments if str(d.pk) == department_id), None)
    search = case_forms.StaffSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    ids = [chosen.pk] if chosen else [d.pk for d in departments]
    base = selectors.case_list_for_user(user=user).filter(department_id__in=ids).exclude(status=CaseStatus.DRAFT)
    counts = {key: base.filter(status__in=states).count() for key, (_label, states) in QUEUES.items()}
    tasks = selectors.verification_tasks_for(user=user, status=VerificationStatus.PENDING).filter(department_id__in=ids)
    counts["verify"] = tasks.count()
    if q:
        qs = selectors.case_search(user=user, q=q).filter(department_id__in=ids)
    elif queue == "verify":
        qs = base.filter(pk__in=tasks.values("case_id"))
    else:
        qs = base.filter(status__in=QUEUES[queue][1])
    qs = qs.select_related("item", "applicant", "enterprise", "department", "forwarded").order_by(
        F("promised_due_date").asc(nulls_last=True), "submitted_at", "id"
    )
    rows = _rows(qs[:200])
    if q:
        _audit_search(user, rows, q)
    tabs = [{"key": k, "label": label, "count": counts[k]} for k, (label, _s) in QUEUES.items()]
    tabs.insert(3, {"key": "verify", "label": _("Commitments to verify"), "count": counts["verify"]})
    running = base.filter(status__in=CLOCK_RUNNING | {CaseStatus.SUSPENDED}).select_related("item")
    levels = [r["level"] for r in _rows(running)]
    return render(
        request,
        "cases/workbench.html",
        {
            "nav": nav(request, "workbench"),
            "rows": rows,
            "tabs": tabs,
            "queue": "" if q else queue,
            "search": search,
            "q": q,
            "departments": departments,
            "department": chosen,
            "red": levels.count("red"),
            "yellow": levels.count("yellow"),
            "tasks": {t.case_id: t for t in tasks},
        },
    )


@login_required
def received(request: HttpRequest) -> HttpResponse:
    """The clerk's queue: the applications this clerk received or accepted at the window."""
    user = request_user(request)
    if not is_clerk(user):
        raise Http404(gettext("This page is for window clerks."))
    search = case_forms.StaffSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    qs = Case.objects.filter(Q(received_by=user) | Q(accepted_by=user))
    if q:
        qs = qs.filter(pk__in=selectors.case_search(user=user, q=q).values("pk"))
    qs = qs.select_related("item", "applicant", "department").order_by("-submitted_at", "-id")
    rows = _rows(qs[:200])
    if q:
        _audit_search(user, rows, q)
    return render(
        request,
        "cases/received.html",
        {"nav": nav(request, "received"), "rows": rows, "search": search, "q": q},
    )
