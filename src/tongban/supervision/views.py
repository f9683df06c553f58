"""Supervision pages: the public 双随机一公开 pages (plans, commitments, draws and results), the supervisor's
plans and the inspector's results. Every page works without JavaScript."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole
from tongban.core.downloads import attachment
from tongban.core.errors import ApplicationError
from tongban.regions.models import Department, Region
from tongban.supervision import inspections, selectors, unresolved
from tongban.supervision.constants import InspectionResult, InspectionStatus, PlanAction, PlanStatus
from tongban.supervision.models import Inspection, InspectionPlan


def public_plans(request: HttpRequest) -> HttpResponse:
    plans = selectors.plans_visible_to_public()[:200]
    return render(request, "supervision/public_plans.html", {"plans": plans})


def public_plan(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = selectors.plan_public_get(plan_id=pk)
    except ApplicationError as exc:
        raise Http404 from exc
    drawn = plan.status in (PlanStatus.DRAWN, PlanStatus.CLOSED)
    rows = list(selectors.plan_inspections(plan=plan)) if drawn else []
    return render(
        request,
        "supervision/public_plan.html",
        {
            "plan": plan,
            "drawn": drawn,
            "rows": rows,
            "frozen_targets": len(plan.frozen.get("targets", [])),
            "frozen_inspectors": len(plan.frozen.get("inspectors", [])),
            "frozen_avoid": len(plan.frozen.get("avoid", [])),
            "status_label": PlanStatus(plan.status).label,
        },
    )


def public_draw_json(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = selectors.plan_public_get(plan_id=pk)
        body = selectors.published_draw(plan)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    return attachment(
        json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
        filename=f"draw-{plan.pk}.json",
        content_type="application/json; charset=utf-8",
    )


class PlanForm(forms.Form):
    department = forms.ModelChoiceField(label=gettext_lazy("Organising department"), queryset=Department.objects.none())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    matters = forms.CharField(
        label=gettext_lazy("Matters inspected (one per line)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    industry = forms.CharField(label=gettext_lazy("Industry in scope (blank: all)"), max_length=60, required=False)
    ratio_percent = forms.CharField(label=gettext_lazy("Ratio (%)"), max_length=10)
    team_size = forms.IntegerField(label=gettext_lazy("Inspectors per target"), min_value=1, max_value=5, initial=2)
    avoid_months = forms.IntegerField(
        label=gettext_lazy("Months before the same target again"), min_value=0, max_value=60, initial=12
    )
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("Period to"), widget=forms.DateInput(attrs={"type": "date"}))


def _supervisor_departments(request: HttpRequest) -> Any:
    regions = inspections.supervisor_region_ids(request.user)  # type: ignore[arg-type]
    if not regions:
        raise Http404
    return Department.objects.filter(region_id__in=regions).order_by("code")


@login_required
def manage_plans(request: HttpRequest) -> HttpResponse:
    departments = _supervisor_departments(request)
    form = PlanForm(request.POST or None)
    form.fields["department"].queryset = departments  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = inspections.inspection_plan_create(
                actor=request.user,  # type: ignore[arg-type]
                department=data["department"],
                title=data["title"],
                matters=[m for m in data["matters"].splitlines() if m.strip()],
                industry=data["industry"],
                ratio_percent=data["ratio_percent"],
                team_size=data["team_size"],
                avoid_months=data["avoid_months"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The plan “%(title)s” was created.") % {"title": plan.title})
            return redirect("supervision:manage_plans")
    plans = selectors.plans_for_supervisor(user=request.user)[:200]  # type: ignore[arg-type]
    return render(
        request,
        "supervision/manage_plans.html",
        {"form": form, "plans": plans, "today": dt.date.today(), "actions": PlanAction},
    )


_ACTIONS = {
    PlanAction.COMMIT.value: inspections.inspection_plan_commit,
    PlanAction.DRAW.value: inspections.inspection_plan_draw,
    PlanAction.CLOSE.value: inspections.inspection_plan_close,
}


@login_required
@require_POST
def plan_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _supervisor_departments(request)
    service = _ACTIONS.get(action)
    plan = InspectionPlan.objects.filter(pk=pk).first()
    if service is None or plan is None:
        raise Http404
    try:
        service(actor=request.user, plan=plan)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": PlanAction(action).label})
    return redirect("supervision:manage_plans")


@login_required
def my_inspections(request: HttpRequest) -> HttpResponse:
    if not selectors.inspector_entries_for(user=request.user).exists():  # type: ignore[arg-type]
        raise Http404
    rows = list(selectors.inspections_for_inspector(user=request.user)[:300])  # type: ignore[arg-type]
    return render(
        request,
        "supervision/my_inspections.html",
        {"rows": rows, "results": InspectionResult.choices, "assigned": InspectionStatus.ASSIGNED},
    )


@login_required
@require_POST
def record_result(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = Inspection.objects.filter(pk=pk).first()
    if inspection is None:
        raise Http404
    try:
        inspections.inspection_record_result(
            actor=request.user,  # type: ignore[arg-type]
            inspection=inspection,
            result=request.POST.get("result", ""),
            findings=request.POST.get("findings", ""),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The result was recorded and published."))
    return redirect("supervision:my_inspections")


# ------------------------------------------------------------------ 办不成事 window


class UnresolvedForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What could not be done, and where"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    item_code = forms.CharField(label=gettext_lazy("Service item (code, if known)"), max_length=64, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=60)
    contact_phone = forms.CharField(label=gettext_lazy("Phone for the call back"), max_length=20)


@login_required
def unresolved_new(request: HttpRequest) -> HttpResponse:
    """A resident (or a window clerk for a resident at the window) records a matter that could not be done."""
    clerk_regions = list(
        StaffRole.objects.filter(user=request.user, role=StaffRoleKind.WINDOW_CLERK).values_list(  # type: ignore[misc]
            "department__region_id", flat=True
        )
    )
    region_code = clerk_regions[0] if clerk_regions else settings_region()
    form = UnresolvedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matter = unresolved.unresolved_record(
                actor=request.user,  # type: ignore[arg-type]
                region=Region.objects.get(pk=region_code),
                description=data["description"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                item_code=data["item_code"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Recorded as no. %(n)s. A supervisor will give it to a department with a deadline.")
                % {"n": matter.pk},
            )
            return redirect("supervision:unresolved_list")
    return render(request, "supervision/unresolved_new.html", {"form": form})


def settings_region() -> str:
    from django.conf import settings

    return str(settings.TONGBAN_REGION)


@login_required
def unresolved_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.unresolved_for(user=request.user)[:300])  # type: ignore[arg-type]
    return render(request, "supervision/unresolved_list.html", {"rows": rows})


@login_required
def unresolved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        matter = selectors.unresolved_read(user=user, matter_id=pk, purpose="办不成事 follow-up")  # type: ignore[arg-type]
    except ApplicationError as exc:
        raise Http404 from exc
    supervisor = StaffRole.objects.filter(
        user=user,  # type: ignore[misc]
        role=StaffRoleKind.SUPERVISOR,
        department__region_id=matter.region_id,
    ).exists()
    owner = (
        matter.owner_id is not None
        and StaffRole.objects.filter(
            user=user,  # type: ignore[misc]
            department_id=matter.owner_id,
            role__in=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD],
        ).exists()
    )
    if request.method == "POST":
        try:
            if request.POST.get("do") == "assign" and supervisor:
                department = Department.objects.filter(pk=request.POST.get("owner") or 0).first()
                if department is None:
                    raise ApplicationError(_("Choose a department."), code="department_required")
                unresolved.unresolved_assign(
                    actor=user,  # type: ignore[arg-type]
                    matter=matter,
                    owner=department,
                    working_days=int(request.POST.get("working_days") or 5),
                    note=request.POST.get("note", ""),
                )
            elif request.POST.get("do") in ("resolve", "explain") and owner:
                unresolved.unresolved_close(
                    actor=user,  # type: ignore[arg-type]
                    matter=matter,
                    resolved=request.POST.get("do") == "resolve",
                    outcome=request.POST.get("outcome", ""),
                )
            else:
                raise Http404
        except (ApplicationError, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", _("Some fields are invalid."))))
        else:
            messages.success(request, _("Saved."))
        return redirect("supervision:unresolved_detail", pk=matter.pk)
    return render(
        request,
        "supervision/unresolved_detail.html",
        {
            "matter": matter,
            "supervisor": supervisor,
            "owner": owner,
            "departments": Department.objects.filter(region_id=matter.region_id).order_by("code") if supervisor else [],
        },
    )
