"""A resident's cases and the progress page of a case (also what staff see of one case)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.accounts.models import User
from tongban.cases import events, extensions, selectors, services
from tongban.cases import forms as case_forms
from tongban.cases.constants import (
    FINAL,
    CaseAction,
    CaseStatus,
    MaterialStatus,
    VerificationStatus,
    allowed_actions,
)
from tongban.cases.models import Case, CaseMaterial, VerificationTask
from tongban.cases.uploads import open_stored
from tongban.cases.views.common import (
    EVENT_LABELS,
    PROGRESS_STEPS,
    ROLE_LABELS,
    Viewer,
    action_label,
    error_text,
    nav,
    request_user,
    viewable_case,
)
from tongban.core.errors import ApplicationError

# ------------------------------------------------------------------ my cases and the progress page


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    cases = list(selectors.my_cases(user=user).order_by("-updated_at", "-id")[:200])
    drafts = [c for c in cases if c.status == CaseStatus.DRAFT]
    todo = [
        c for c in cases if c.status == CaseStatus.CORRECTION_REQUESTED or (c.gap_deadline and c.status not in FINAL)
    ]
    rated_ids = _rated_case_ids([c.pk for c in cases])
    to_rate = [c for c in cases if c.status == CaseStatus.CLOSED and c.pk not in rated_ids]
    return render(
        request,
        "cases/mine.html",
        {
            "nav": nav(request, "mine"),
            "rows": [{"case": c, "level": "none"} for c in cases if c.status != CaseStatus.DRAFT],
            "drafts": drafts,
            "todo": todo,
            "to_rate": to_rate,
        },
    )


def _rated_case_ids(ids: list[int]) -> set[int]:
    return extensions.ratings().rated_case_ids(ids)


@dataclass
class TimelineEntry:
    when: dt.datetime
    label: str
    role: str
    who: str
    reason: str
    latest: bool = False


def _timeline(case: Case, viewer: Viewer) -> list[TimelineEntry]:
    wanted = set(EVENT_LABELS)
    show_names = not viewer.is_applicant
    entries = []
    access = selectors.Access(role=viewer.role, can_write=viewer.can_write)
    for event in selectors.case_timeline(case=case, access=access):
        if event.action not in wanted:
            continue
        data = event.data or {}
        reason = event.reason
        if event.action == "case.request_correction":
            names = dict(case.item.materials.values_list("code", "name"))
            listed = "、".join(names.get(c, c) for c in data.get("materials", []))
            reason = "\n".join(
                x for x in (gettext("Materials: %(names)s") % {"names": listed} if listed else "", reason) if x
            )
        elif event.action == "case.accept_with_gaps" and data.get("gap_deadline"):
            reason = gettext("Materials to supply by %(date)s") % {"date": data["gap_deadline"]}
        elif event.action == "case.deliver" and data.get("tracking_number"):
            reason = gettext("Tracking number: %(number)s") % {"number": data["tracking_number"]}
        elif event.action == "case.accept" and data.get("promised_due_date"):
            reason = gettext("To be decided by %(date)s") % {"date": data["promised_due_date"]}
        entries.append(
            TimelineEntry(
                when=event.occurred_at,
                label=str(EVENT_LABELS[event.action]),
                role=str(ROLE_LABELS.get(event.actor_role, event.actor_role or "")),
                who=event.actor_label if show_names and event.actor_role != "applicant" else "",
                reason=reason,
            )
        )
    if entries:
        entries[-1].latest = True
    return entries


def _progress(case: Case) -> list[dict[str, Any]]:
    status = case.status
    reached = -1
    for index, (_key, _label, states) in enumerate(PROGRESS_STEPS):
        if status in states:
            reached = index
    if status in (CaseStatus.REVOKED,):
        reached = 3
    steps = []
    for index, (key, label, _states) in enumerate(PROGRESS_STEPS):
        state = "done" if index < reached or (index == reached and status == CaseStatus.CLOSED) else ""
        if index == reached and status != CaseStatus.CLOSED:
            state = "current"
        steps.append({"key": key, "label": label, "state": state})
    return steps


def deadline_level(case: Case, today: dt.date | None = None) -> str:
    return str(selectors.case_deadline_level(case=case, today=today))


# which actions each side may take from the page (the services check again)
APPLICANT_ACTIONS = {CaseAction.WITHDRAW}
INTAKE_ACTIONS = {
    CaseAction.ACCEPT,
    CaseAction.ACCEPT_WITH_GAPS,
    CaseAction.REJECT_AT_INTAKE,
    CaseAction.REQUEST_CORRECTION,
    CaseAction.DELIVER,
    CaseAction.CLOSE,
}
DEPARTMENT_ACTIONS = INTAKE_ACTIONS | {
    CaseAction.START_REVIEW,
    CaseAction.APPROVE,
    CaseAction.DENY,
    CaseAction.ISSUE_RESULT,
    CaseAction.SUSPEND,
    CaseAction.RESUME,
    CaseAction.TERMINATE,
}
# actions that need a form with more than a button
ACTION_FORMS: dict[CaseAction, Callable[..., forms.Form]] = {
    CaseAction.REJECT_AT_INTAKE: case_forms.ReasonForm,
    CaseAction.DENY: case_forms.ReasonForm,
    CaseAction.SUSPEND: case_forms.ReasonForm,
    CaseAction.TERMINATE: case_forms.ReasonForm,
    CaseAction.APPROVE: case_forms.OptionalNoteForm,
    CaseAction.WITHDRAW: case_forms.OptionalNoteForm,
    CaseAction.ISSUE_RESULT: case_forms.ResultForm,
    CaseAction.DELIVER: case_forms.TrackingForm,
}
DANGER_ACTIONS = {CaseAction.REJECT_AT_INTAKE, CaseAction.DENY, CaseAction.TERMINATE, CaseAction.WITHDRAW}


class GapAcceptForm(forms.Form):
    gap_materials = forms.MultipleChoiceField(
        label=_("Materials to be supplied later"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    supplement_days = forms.IntegerField(
        label=_("Working days to supply them"),
        min_value=1,
        max_value=60,
        initial=5,
        widget=forms.NumberInput(attrs={"class": "field-input"}),
    )

    def __init__(self, *args: Any, materials: Iterable[CaseMaterial] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["gap_materials"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r.material.code, r.material.name) for r in materials]


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Verification result"),
        choices=[("confirmed", _("The commitment is true")), ("found_false", _("The commitment is false"))],
        widget=forms.RadioSelect,
    )
    findings = forms.CharField(
        label=_("Findings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "field-input"}),
    )


def missing_gap_rows(case: Case) -> list[CaseMaterial]:
    provided = {MaterialStatus.UPLOADED, MaterialStatus.LICENCE}
    applicable = {s.code for s in case_forms.material_slots(case.item, case.situations)}
    return [
        r
        for r in case.materials.select_related("material")
        if r.material.code in applicable and r.material.gap_allowed and r.status not in provided
    ]


def action_forms(case: Case, viewer: Viewer, posted: Mapping[str, forms.Form] | None = None) -> list[dict[str, Any]]:
    if viewer.is_department:
        permitted = DEPARTMENT_ACTIONS
    elif viewer.is_clerk:
        permitted = INTAKE_ACTIONS
    else:
        return []
    out = []
    for action in allowed_actions(case.status):
        if action not in permitted:
            continue
        if action == CaseAction.ACCEPT_WITH_GAPS and not case.item.gap_acceptance_allowed:
            continue
        form: forms.Form | None = (posted or {}).get(action.value)
        if form is None:
            if action == CaseAction.REQUEST_CORRECTION:
                form = case_forms.CorrectionRequestForm(
                    materials=[r.material for r in case.materials.select_related("material")],
                    prefix=action.value,
                )
            elif action == CaseAction.ACCEPT_WITH_GAPS:
                gap_rows = missing_gap_rows(case)
                if not gap_rows:
                    continue
                form = GapAcceptForm(materials=gap_rows, prefix=action.value)
            elif action in ACTION_FORMS:
                form = ACTION_FORMS[action](prefix=action.value)
        out.append(
            {
                "action": action.value,
                "label": action_label(action),
                "form": form,
                "danger": action in DANGER_ACTIONS,
                "url": reverse("cases:act", args=[case.pk, action.value]),
            }
        )
    return out


def detail_context(request: HttpRequest, case: Case, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    rows = list(case.materials.select_related("material").order_by("material__order", "material_id"))
    applicable = {s.code for s in case_forms.material_slots(case.item, case.situations)}
    materials = [r for r in rows if r.material.code in applicable or r.status != MaterialStatus.MISSING]
    if viewer.is_department or viewer.is_clerk:
        _check_referenced_licences(case, materials, request_user(request))
    specs = case_forms.field_specs(case.item)
    form_rows = [(str(s.get("label") or s["name"]), case.form_data.get(str(s["name"]))) for s in specs]
    task = VerificationTask.objects.filter(case=case).first()
    rating = extensions.ratings().rating_for_case(case.pk)
    level = deadline_level(case)
    verify_form = extra.pop("verify_form", None)
    if (
        verify_form is None
        and task is not None
        and task.status == VerificationStatus.PENDING
        and viewer.is_department
        and case.status in (CaseStatus.APPROVED, CaseStatus.RESULT_ISSUED, CaseStatus.DELIVERED, CaseStatus.CLOSED)
    ):
        verify_form = VerifyForm(prefix="verify")
    return {
        "nav": nav(request, "mine" if viewer.is_applicant else ("received" if viewer.is_clerk else "workbench")),
        "case": case,
        "viewer": viewer,
        "materials": materials,
        "form_rows": form_rows,
        "timeline": _timeline(case, viewer),
        "progress": _progress(case),
        "deadline_level": level,
        "deadline_label": deadline_label(level),
        "actions": action_forms(case, viewer, extra.pop("posted", None)),
        "can_withdraw": viewer.is_applicant and CaseAction.WITHDRAW in allowed_actions(case.status),
        "withdraw_form": case_forms.OptionalNoteForm(prefix="withdraw"),
        "can_edit": viewer.is_applicant and case.status in (CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED),
        "gap_rows": [r for r in rows if r.status == MaterialStatus.GAP] if viewer.is_applicant else [],
        "can_rate": viewer.is_applicant and case.status == CaseStatus.CLOSED and rating is None,
        "rating": rating,
        "task": task,
        "verify_form": verify_form,
        "show_notice": case.received_by_id is not None or case.accepted_at is not None,
        "delivery_label": case_forms.delivery_label(case.delivery_method),
        "error": extra.pop("error", ""),
        **extra,
    }


LICENCE_CHECK_LABELS = {
    "format": _("Number and check character"),
    "signature": _("Issuer's signature"),
    "holder": _("Held by the applicant"),
    "status": _("Status today"),
}


def _check_referenced_licences(case: Case, rows: Iterable[CaseMaterial], actor: User) -> None:
    """For staff: each licence the case references, verified now (the check is logged for the holder)."""
    from tongban.accounts.selectors import holder_ids_for
    from tongban.licences.services import licence_check_for_case

    holder_ids = holder_ids_for(user=case.applicant)
    for row in rows:
        if not row.licence_number:
            continue
        info = licence_check_for_case(
            licence_number=row.licence_number,
            holder_ids=holder_ids,
            case_number=str(case),
            material_code=row.material.code,
            actor=actor,
        )
        if info is not None:
            info["check_rows"] = [
                {**c, "label": LICENCE_CHECK_LABELS.get(c["name"], c["name"])} for c in info["checks"]
            ]
        row.licence_check = info  # type: ignore[attr-defined]


def deadline_label(level: str) -> Any:
    return {
        "green": _("On time"),
        "yellow": _("Due soon"),
        "red": _("Overdue"),
    }.get(level, "")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's progress: status, deadlines, what is asked of the applicant, the timeline, the actions."""
    case, viewer = viewable_case(request, pk, reason=gettext("Viewing the case"))
    return render(request, "cases/detail.html", detail_context(request, case, viewer))


@login_required
def track(request: HttpRequest, number: str) -> HttpResponse:
    """Where the QR code of an acceptance notice leads: the case's page, for those who may see it."""
    case = Case.objects.filter(number=number).only("pk").first()
    if case is None:
        raise Http404(gettext("The case was not found."))
    viewable_case(request, case.pk, reason=gettext("Tracking the case"))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
def material_download(request: HttpRequest, pk: int, material_id: int) -> FileResponse:
    """A stored material, to the applicant, the department's staff and the clerk who received it; audited."""
    case, viewer = viewable_case(request, pk, reason=gettext("Reading a material"))
    row = case.materials.select_related("material").filter(pk=material_id).first()
    if row is None or not row.file:
        raise Http404(gettext("The file was not found."))
    try:
        handle = open_stored(str(row.file.name))
    except ApplicationError as exc:
        raise Http404(error_text(exc)) from exc
    with transaction.atomic():
        events.material_downloaded(
            case=case,
            material=row,
            actor=viewer.user,
            role=viewer.role,
            reason=gettext("Downloaded from the case page"),
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=row.original_name or f"{row.material.code}",
        content_type=row.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case, viewer = viewable_case(request, pk)
    if not viewer.is_applicant:
        raise Http404(gettext("The case was not found."))
    form = case_forms.OptionalNoteForm(request.POST, prefix="withdraw")
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        services.case_withdraw(case=case, actor=viewer.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, gettext("Your application was withdrawn."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
@require_POST
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """容缺: supply a material that was accepted as missing."""
    case, viewer = viewable_case(request, pk)
    if not viewer.is_applicant:
        raise Http404(gettext("The case was not found."))
    code = request.POST.get("material", "")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, gettext("Choose a file to upload."))
    else:
        try:
            services.case_supplement(
                case=case, actor=viewer.user, material_code=code, source=upload, original_name=upload.name or code
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, gettext("Thank you, the material was supplied."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """好差评 after the case is closed: 1–5 stars, tags and a comment."""
    case, viewer = viewable_case(request, pk)
    if not viewer.is_applicant:
        raise Http404(gettext("The case was not found."))
    form = case_forms.RatingForm(request.POST or None, tags=extensions.ratings().tag_choices())
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            extensions.ratings().rating_create(
                case=case,
                actor=viewer.user,
                stars=form.cleaned_data["stars"],
                tags=form.cleaned_data["tags"],
                text=form.cleaned_data["text"],
            )
        except ApplicationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, gettext("Thank you for your rating."))
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    return render(
        request,
        "cases/rate.html",
        {"nav": nav(request, "mine"), "case": case, "form": form, "error": error},
        status=422 if request.method == "POST" else 200,
    )
