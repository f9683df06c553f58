"""Case pages: applying online, my cases and their progress, the staff workbenches and the one-stop window.

Every change goes through ``services.py``; every read of a case goes through ``_viewable``
which refuses (404) anyone who may not see it and records staff reads in the case's audit
stream. Business errors are shown as their (Chinese) messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import Enterprise, User
from tongban.accounts.selectors import acting_enterprise
from tongban.cases import events, extensions, selectors, services
from tongban.cases import forms as case_forms
from tongban.cases.constants import (
    CLOCK_RUNNING,
    FINAL,
    CaseAction,
    CaseStatus,
    DeliveryMethod,
    MaterialStatus,
    VerificationStatus,
    allowed_actions,
)
from tongban.cases.models import Case, CaseMaterial, VerificationTask
from tongban.cases.uploads import UploadEmpty, UploadRefused, UploadTooLarge, max_upload_bytes, open_stored
from tongban.catalog.constants import ItemStatus, OnlineDepth
from tongban.catalog.models import ServiceItem
from tongban.core.downloads import attachment_file
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.regions.models import Department

UPLOAD_ERRORS = (UploadRefused, UploadTooLarge, UploadEmpty)
DEPARTMENT_ROLES = {StaffRoleKind.REVIEWER.value, StaffRoleKind.DEPARTMENT_HEAD.value}

ROLE_LABELS: dict[str, Any] = {
    "applicant": _("Applicant"),
    StaffRoleKind.WINDOW_CLERK.value: _("Window clerk"),
    StaffRoleKind.REVIEWER.value: _("Reviewer"),
    StaffRoleKind.DEPARTMENT_HEAD.value: _("Department head"),
    StaffRoleKind.SUPERVISOR.value: _("Supervisor"),
    "system": _("System"),
    "peer_node": _("Node of another region"),
}

EVENT_LABELS: dict[str, Any] = {
    "case.created": _("Application started"),
    "case.submit": _("Application submitted"),
    "case.accept": _("Accepted"),
    "case.accept_with_gaps": _("Accepted with materials to follow"),
    "case.reject_at_intake": _("Not accepted"),
    "case.request_correction": _("Correction requested"),
    "case.resubmit": _("Resubmitted after correction"),
    "case.start_review": _("Review started"),
    "case.approve": _("Approved"),
    "case.deny": _("Denied"),
    "case.sign_commitment": _("Commitment signed, approved at once"),
    "case.issue_result": _("Result issued"),
    "case.deliver": _("Result delivered"),
    "case.close": _("Case closed"),
    "case.withdraw": _("Withdrawn by the applicant"),
    "case.suspend": _("Suspended (special procedure)"),
    "case.resume": _("Resumed"),
    "case.terminate": _("Terminated"),
    "case.revoke": _("Approval revoked"),
    "case.window_received": _("Received at the service window"),
    "case.material_supplied": _("Material supplied"),
    "case.gap_reminder": _("Reminder to supply materials"),
    "case.rated": _("Service rated"),
    "case.forward_received": _("Received in another region and forwarded here"),
}

# Button labels of the actions (with a context: the same English words mean other things in other apps).
ACTION_LABELS: dict[str, Any] = {
    CaseAction.ACCEPT.value: pgettext_lazy("case action", "Accept"),
    CaseAction.ACCEPT_WITH_GAPS.value: pgettext_lazy("case action", "Accept with materials to follow"),
    CaseAction.REJECT_AT_INTAKE.value: pgettext_lazy("case action", "Refuse to accept"),
    CaseAction.REQUEST_CORRECTION.value: pgettext_lazy("case action", "Request correction"),
    CaseAction.START_REVIEW.value: pgettext_lazy("case action", "Start review"),
    CaseAction.APPROVE.value: pgettext_lazy("case action", "Approve"),
    CaseAction.DENY.value: pgettext_lazy("case action", "Deny"),
    CaseAction.ISSUE_RESULT.value: pgettext_lazy("case action", "Issue the result"),
    CaseAction.DELIVER.value: pgettext_lazy("case action", "Deliver"),
    CaseAction.CLOSE.value: pgettext_lazy("case action", "Close the case"),
    CaseAction.SUSPEND.value: pgettext_lazy("case action", "Suspend"),
    CaseAction.RESUME.value: pgettext_lazy("case action", "Resume"),
    CaseAction.TERMINATE.value: pgettext_lazy("case action", "Terminate"),
    CaseAction.WITHDRAW.value: pgettext_lazy("case action", "Withdraw"),
}


def action_label(action: CaseAction) -> str:
    return str(ACTION_LABELS.get(action.value, action.label))


# The main road of a case, for the progress bar.
PROGRESS_STEPS: list[tuple[str, Any, frozenset[str]]] = [
    ("submitted", _("Submitted"), frozenset({CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUESTED})),
    ("accepted", _("Accepted"), frozenset({CaseStatus.ACCEPTED})),
    ("review", _("Under review"), frozenset({CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED})),
    ("decided", _("Decided"), frozenset({CaseStatus.APPROVED, CaseStatus.DENIED})),
    ("issued", _("Result issued"), frozenset({CaseStatus.RESULT_ISSUED})),
    ("delivered", _("Delivered"), frozenset({CaseStatus.DELIVERED})),
    ("closed", _("Closed"), frozenset({CaseStatus.CLOSED})),
]


# ------------------------------------------------------------------ who may see a case


@dataclass(frozen=True)
class Viewer:
    user: User
    role: str  # "applicant", or the staff role through which the case is seen
    can_write: bool = True

    @property
    def is_applicant(self) -> bool:
        return self.role == "applicant"

    @property
    def is_department(self) -> bool:
        return self.role in DEPARTMENT_ROLES and self.can_write

    @property
    def is_clerk(self) -> bool:
        return self.role == StaffRoleKind.WINDOW_CLERK and self.can_write


def _viewable(request: HttpRequest, pk: int, *, reason: str = "") -> tuple[Case, Viewer]:
    """The case if the user may see it (404 otherwise, the same as a missing case); staff reads are audited."""
    user = _user(request)
    try:
        case, access = selectors.case_get_for_user(user=user, case_id=pk, reason=reason or gettext("Handling the case"))
    except ApplicationError as exc:
        raise Http404(_error_text(exc)) from exc
    return case, Viewer(user=user, role=access.role, can_write=access.can_write)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _staff_department_ids(user: User, roles: Iterable[str]) -> list[int]:
    return list(user.staff_roles.filter(role__in=list(roles)).values_list("department_id", flat=True).distinct())


def _is_clerk(user: User) -> bool:
    return user.is_authenticated and user.staff_roles.filter(role=StaffRoleKind.WINDOW_CLERK).exists()


def _nav(request: HttpRequest, current: str) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"current": current}
    assert isinstance(user, User)
    roles = set(user.staff_roles.values_list("role", flat=True))
    notifications_url = ""
    unread = 0
    try:
        notifications_url = reverse("accounts:notifications")
        from tongban.accounts.notifications import notification_unread_count

        unread = notification_unread_count(user=user)
    except NoReverseMatch:
        notifications_url = ""
    return {
        "current": current,
        "resident": user.kind != UserKind.STAFF,
        "reviewer": bool(roles & DEPARTMENT_ROLES),
        "clerk": StaffRoleKind.WINDOW_CLERK.value in roles,
        "notifications_url": notifications_url,
        "unread": unread,
    }


def _error_text(exc: ApplicationError) -> str:
    return str(exc.message)


def _guide_url(item: ServiceItem) -> str:
    try:
        return reverse("web:item_guide", args=[item.code])
    except NoReverseMatch:
        return ""


def _published_item(code: str, *, online: bool = True) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("department", "region")
        .filter(code=code, status=ItemStatus.PUBLISHED)
        .first()
    )
    if item is None or (online and item.online_depth < OnlineDepth.APPLICATION):
        raise Http404(gettext("This item is not open for applications."))
    return item


# ------------------------------------------------------------------ the application form


@dataclass
class SlotView:
    slot: case_forms.MaterialSlot
    stored: CaseMaterial | None = None
    error: str = ""
    correction: bool = False
    licence_choices: list[tuple[str, str]] = field(default_factory=list)
    """The applicant's valid licences that can replace this material (免提交)."""
    chosen_licence: str = ""
    consented: bool = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.slot, name)


def _slot_views(
    item: ServiceItem,
    answers: Mapping[str, str],
    case: Case | None,
    errors: Mapping[str, str] | None = None,
    *,
    user: User | None = None,
    posted: Mapping[str, Any] | None = None,
) -> list[SlotView]:
    rows: dict[str, CaseMaterial] = {}
    if case is not None:
        rows = {
            r.material.code: r
            for r in case.materials.select_related("material").filter(
                status__in=[MaterialStatus.UPLOADED, MaterialStatus.LICENCE]
            )
        }
    to_correct = set(case.correction_materials or []) if case is not None else set()
    views = []
    for s in case_forms.material_slots(item, answers):
        stored = rows.get(s.code)
        view = SlotView(
            slot=s,
            stored=stored,
            error=(errors or {}).get(s.code, ""),
            correction=s.code in to_correct and case is not None and case.status == CaseStatus.CORRECTION_REQUESTED,
            licence_choices=case_forms.licence_choices(s.material, user) if user is not None else [],
        )
        if posted is not None:
            view.chosen_licence = str(posted.get(case_forms.LICENCE_FIELD_PREFIX + s.code) or "")
            view.consented = bool(posted.get(case_forms.LICENCE_CONSENT_PREFIX + s.code))
        elif stored is not None and stored.status == MaterialStatus.LICENCE:
            view.chosen_licence, view.consented = stored.licence_number, True
        views.append(view)
    return views


def _files_from(request: HttpRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in request.FILES:
        upload = request.FILES.get(key)
        if key.startswith("m-") and upload is not None:
            out[key[2:]] = upload
    return out


@dataclass
class ApplyForms:
    situations: forms.Form
    form: case_forms.ApplicationFormBase
    delivery: case_forms.DeliveryForm
    commitment: case_forms.CommitmentForm


def _unbound_forms(item: ServiceItem, *, user: User, enterprise: Enterprise | None, case: Case | None) -> ApplyForms:
    if case is not None:
        initial = dict(case.form_data)
        answers = dict(case.situations)
        delivery_initial = {
            "delivery_method": case.delivery_method,
            "delivery_recipient": case.delivery_recipient,
            "delivery_phone": case.delivery_phone,
            "delivery_address": case.delivery_address,
        }
    else:
        initial = case_forms.prefill_from_profile(item, user, enterprise=enterprise)
        answers = {}
        delivery_initial = {
            "delivery_method": DeliveryMethod.ELECTRONIC,
            "delivery_recipient": user.full_name,
            "delivery_phone": user.phone,
            "delivery_address": (enterprise.address if enterprise else user.address),
        }
    return ApplyForms(
        situations=case_forms.situations_form_class(item)(prefix=case_forms.SITUATION_PREFIX, initial=answers),
        form=case_forms.application_form_class(item)(prefix=case_forms.FORM_PREFIX, initial=initial),
        delivery=case_forms.DeliveryForm(initial=delivery_initial),
        commitment=case_forms.CommitmentForm(),
    )


def _bound_forms(item: ServiceItem, request: HttpRequest, *, partial: bool) -> ApplyForms:
    return ApplyForms(
        situations=case_forms.situations_form_class(item)(request.POST, prefix=case_forms.SITUATION_PREFIX),
        form=case_forms.application_form_class(item, partial=partial)(request.POST, prefix=case_forms.FORM_PREFIX),
        delivery=case_forms.DeliveryForm(request.POST, partial=partial),
        commitment=case_forms.CommitmentForm(request.POST),
    )


def _apply_context(
    request: HttpRequest,
    item: ServiceItem,
    bundle: ApplyForms,
    *,
    case: Case | None,
    answers: Mapping[str, str],
    error: str = "",
    error_list: Iterable[str] = (),
    slot_errors: Mapping[str, str] | None = None,
    files_lost: bool = False,
    enterprise: Enterprise | None = None,
) -> dict[str, Any]:
    correcting = case is not None and case.status == CaseStatus.CORRECTION_REQUESTED
    steps: dict[str, int] = {}
    n = 1 if bundle.situations.fields else 0
    for key, present in (
        ("form", bool(bundle.form.fields)),
        ("materials", True),
        ("delivery", not correcting),
        ("commitment", item.commitment_allowed and not correcting),
    ):
        if present:
            n += 1
            steps[key] = n
    if case is not None:
        form_action = reverse("cases:edit", args=[case.pk])
    else:
        form_action = reverse("cases:apply", args=[item.code])
    user = _user(request)
    correction_names: list[str] = []
    if correcting and case is not None:
        names = dict(item.materials.values_list("code", "name"))
        correction_names = [names.get(c, c) for c in case.correction_materials or []]
    return {
        "nav": _nav(request, "mine"),
        "item": item,
        "case": case,
        "correcting": correcting,
        "correction_names": correction_names,
        "situations_form": bundle.situations,
        "form": bundle.form,
        "delivery_form": bundle.delivery,
        "commitment_form": bundle.commitment,
        "slots": _slot_views(
            item,
            answers,
            case,
            slot_errors,
            user=user,
            posted=request.POST if request.method == "POST" else None,
        ),
        "steps": steps,
        "error": error,
        "error_list": list(error_list),
        "files_lost": files_lost,
        "form_action": form_action,
        "max_upload": f"{max_upload_bytes() // (1024 * 1024)} MiB",
        "guide_url": _guide_url(item),
        "prefilled": case is None and bool(bundle.form.initial),
        "applicant_label": (
            f"{enterprise.name}（{user.display_name}）" if enterprise is not None else user.display_name
        ),
    }


def _answers_from(bundle: ApplyForms) -> dict[str, str]:
    data = bundle.situations.data
    out: dict[str, str] = {}
    for name in bundle.situations.fields:
        value = data.get(bundle.situations.add_prefix(name), "") if hasattr(data, "get") else ""
        if value:
            out[name] = str(value)
    return out


def _form_values(bundle: ApplyForms) -> dict[str, Any]:
    form = bundle.form
    return {name: form.data.get(form.add_prefix(name), "") for name in form.fields}


def _apply_errors(bundle: ApplyForms, exc: ApplicationError) -> tuple[str, list[str], dict[str, str]]:
    """Put a service's error on the fields it names; return the banner, extra lines and material errors."""
    slot_errors: dict[str, str] = {}
    extra: list[str] = []
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code == "materials_missing":
        codes = details.get("materials") or [k for k in details if k != "materials"]
        for code in codes:
            slot_errors[str(code)] = gettext("Please upload this material.")
        return _error_text(exc), extra, slot_errors
    for name, problems in details.items():
        messages_ = [p.get("message", "") if isinstance(p, dict) else str(p) for p in problems or []]
        if name in bundle.form.fields:
            for m in messages_:
                bundle.form.add_error(name, m)
        elif name in bundle.situations.fields:
            for m in messages_:
                bundle.situations.add_error(name, m)
        else:
            extra.extend(messages_)
    return _error_text(exc), extra, slot_errors


def _save_draft(
    request: HttpRequest,
    item: ServiceItem,
    bundle: ApplyForms,
    *,
    case: Case | None,
    enterprise: Enterprise | None,
) -> Case:
    """Create or update the draft with the posted values and store the chosen files, in one transaction."""
    user = _user(request)
    answers = _answers_from(bundle)
    correcting = case is not None and case.status == CaseStatus.CORRECTION_REQUESTED
    delivery: dict[str, Any] = {} if correcting else bundle.delivery.cleaned_data
    values = {k: v for k, v in bundle.form.json_data().items() if v not in (None, "")}
    with transaction.atomic():
        if case is None:
            case = services.case_draft_create(
                actor=user,
                item=item,
                form_data=values,
                situations=answers,
                enterprise=enterprise,
                delivery_method=delivery.get("delivery_method") or DeliveryMethod.ELECTRONIC,
                delivery_address=delivery.get("delivery_address") or "",
                delivery_recipient=delivery.get("delivery_recipient") or "",
                delivery_phone=delivery.get("delivery_phone") or "",
            )
        elif correcting:
            case = services.case_draft_update(case=case, actor=user, form_data=values)
        else:
            case = services.case_draft_update(
                case=case,
                actor=user,
                form_data=bundle.form.json_data(),
                situations=answers,
                delivery_method=delivery.get("delivery_method") or DeliveryMethod.ELECTRONIC,
                delivery_address=delivery.get("delivery_address") or "",
                delivery_recipient=delivery.get("delivery_recipient") or "",
                delivery_phone=delivery.get("delivery_phone") or "",
            )
        files = _files_from(request)
        for code, upload in files.items():
            try:
                services.case_material_upload(
                    case=case, actor=user, material_code=code, source=upload, original_name=upload.name or code
                )
            except ApplicationError as exc:
                exc.details = {"material": code}
                raise
        _reference_licences(request, item, case, user, uploaded=set(files))
    return case


def _reference_licences(request: HttpRequest, item: ServiceItem, case: Case, user: User, *, uploaded: set[str]) -> None:
    """免提交: the licences chosen instead of uploads, each with the applicant's consent (the checkbox)."""
    stored = dict(case.materials.filter(status=MaterialStatus.LICENCE).values_list("material__code", "licence_number"))
    for choice in case_forms.posted_licence_choices(request.POST, case_forms.material_codes(item)):
        try:
            if choice.material_code in uploaded:
                raise ValidationFailed(
                    _("Upload a file or choose a licence for this material, not both."), code="licence_or_file"
                )
            if stored.get(choice.material_code) == choice.number.upper():
                continue  # already referenced: no second use is recorded
            services.case_material_reference_licence(
                case=case,
                actor=user,
                material_code=choice.material_code,
                licence_number=choice.number,
                consent=choice.consent,
            )
        except ApplicationError as exc:
            exc.details = {"licence_material": choice.material_code}
            raise


def _handle_application(
    request: HttpRequest, item: ServiceItem, *, case: Case | None, enterprise: Enterprise | None
) -> HttpResponse:
    action = request.POST.get("action", "save")
    bundle = _bound_forms(item, request, partial=True)
    answers = _answers_from(bundle)
    had_files = bool(_files_from(request))

    def again(error: str, extra: Iterable[str] = (), slot_errors: Mapping[str, str] | None = None) -> HttpResponse:
        ctx = _apply_context(
            request,
            item,
            bundle,
            case=case,
            answers=answers,
            error=error,
            error_list=extra,
            slot_errors=slot_errors,
            files_lost=had_files,
            enterprise=enterprise,
        )
        return render(request, "cases/apply.html", ctx, status=422)

    correcting = case is not None and case.status == CaseStatus.CORRECTION_REQUESTED
    valid = [bundle.situations.is_valid(), bundle.form.is_valid(), correcting or bundle.delivery.is_valid()]
    if not all(valid):
        return again(gettext("Some entries need your attention. Nothing was saved yet."))
    try:
        case = _save_draft(request, item, bundle, case=case, enterprise=enterprise)
    except UPLOAD_ERRORS as exc:
        code = exc.details.get("material", "") if isinstance(exc.details, dict) else ""
        return again(
            gettext("A file could not be accepted. Nothing was saved yet."), slot_errors={code: _error_text(exc)}
        )
    except ApplicationError as exc:
        licence_material = exc.details.get("licence_material") if isinstance(exc.details, dict) else None
        if licence_material:
            return again(
                gettext("A licence could not be used. Nothing was saved yet."),
                slot_errors={str(licence_material): _error_text(exc)},
            )
        banner, extra, slot_errors = _apply_errors(bundle, exc)
        return again(banner, extra, slot_errors)

    if action != "submit":
        messages.success(request, gettext("Your draft was saved."))
        return HttpResponseRedirect(
            reverse("cases:edit", args=[case.pk]) + ("#situations-title" if action == "refresh" else "")
        )

    # Submitting: the draft is saved, so files are kept whatever happens next.
    had_files = False
    full = _bound_forms(item, request, partial=False)
    checks = [full.form.is_valid()]
    if not correcting:
        checks.append(full.delivery.is_valid())
    if not all(checks):
        bundle = full
        return again(gettext("Your draft was saved, but some entries are missing or wrong. Please complete them."))
    user = _user(request)
    signing = item.commitment_allowed and bool(
        full.commitment.is_valid() and full.commitment.cleaned_data.get("commitment_signed")
    )
    try:
        if correcting:
            case = services.case_resubmit(case=case, actor=user)
        elif signing:
            case = services.case_sign_commitment(case=case, actor=user, agreed=True)
        else:
            case = services.case_submit(case=case, actor=user)
    except ApplicationError as exc:
        bundle = full
        banner, extra, slot_errors = _apply_errors(bundle, exc)
        return again(
            gettext("Your draft was saved, but it cannot be submitted yet: %(reason)s") % {"reason": banner},
            extra,
            slot_errors,
        )
    return HttpResponseRedirect(reverse("cases:receipt", args=[case.pk]))


@login_required
def apply(request: HttpRequest, item_code: str) -> HttpResponse:
    """Apply online for an item: the form, the materials, how to receive the result, the commitment."""
    item = _published_item(item_code)
    user = _user(request)
    if user.kind == UserKind.STAFF:
        messages.error(
            request, gettext("Staff accounts cannot apply. Use the one-stop window to receive an application.")
        )
        return HttpResponseRedirect(reverse("cases:window"))
    enterprise = acting_enterprise(request)
    if request.method == "POST":
        return _handle_application(request, item, case=None, enterprise=enterprise)
    bundle = _unbound_forms(item, user=user, enterprise=enterprise, case=None)
    # answers given on the guide page (情形引导) come along in the query string
    answers: dict[str, str] = {}
    for question in case_forms.situation_questions(item):
        value = str(request.GET.get(question.code) or request.GET.get(f"s-{question.code}") or "")
        if question.option(value) is not None:
            answers[question.code] = value
    bundle.situations.initial = answers
    return render(
        request,
        "cases/apply.html",
        _apply_context(request, item, bundle, case=None, answers=answers, enterprise=enterprise),
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Continue a draft, or correct and resubmit a case returned for correction (补正)."""
    case, viewer = _viewable(request, pk)
    if not viewer.is_applicant:
        raise Http404(gettext("The case was not found."))
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED):
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    item = case.item
    if request.method == "POST":
        return _handle_application(request, item, case=case, enterprise=case.enterprise)
    bundle = _unbound_forms(item, user=viewer.user, enterprise=case.enterprise, case=case)
    return render(
        request,
        "cases/apply.html",
        _apply_context(request, item, bundle, case=case, answers=dict(case.situations), enterprise=case.enterprise),
    )


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt after submission: the case number and what happens next."""
    case, viewer = _viewable(request, pk)
    if case.status == CaseStatus.DRAFT:
        return HttpResponseRedirect(reverse("cases:edit", args=[case.pk]))
    return render(request, "cases/receipt.html", {"nav": _nav(request, "mine"), "case": case, "viewer": viewer})


# ------------------------------------------------------------------ my cases and the progress page


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
            "nav": _nav(request, "mine"),
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


def _deadline(case: Case, today: dt.date | None = None) -> str:
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


def _missing_gap_rows(case: Case) -> list[CaseMaterial]:
    provided = {MaterialStatus.UPLOADED, MaterialStatus.LICENCE}
    applicable = {s.code for s in case_forms.material_slots(case.item, case.situations)}
    return [
        r
        for r in case.materials.select_related("material")
        if r.material.code in applicable and r.material.gap_allowed and r.status not in provided
    ]


def _action_forms(case: Case, viewer: Viewer, posted: Mapping[str, forms.Form] | None = None) -> list[dict[str, Any]]:
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
                gap_rows = _missing_gap_rows(case)
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


def _detail_context(request: HttpRequest, case: Case, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    rows = list(case.materials.select_related("material").order_by("material__order", "material_id"))
    applicable = {s.code for s in case_forms.material_slots(case.item, case.situations)}
    materials = [r for r in rows if r.material.code in applicable or r.status != MaterialStatus.MISSING]
    if viewer.is_department or viewer.is_clerk:
        _check_referenced_licences(case, materials, _user(request))
    specs = case_forms.field_specs(case.item)
    form_rows = [(str(s.get("label") or s["name"]), case.form_data.get(str(s["name"]))) for s in specs]
    task = VerificationTask.objects.filter(case=case).first()
    rating = extensions.ratings().rating_for_case(case.pk)
    level = _deadline(case)
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
        "nav": _nav(request, "mine" if viewer.is_applicant else ("received" if viewer.is_clerk else "workbench")),
        "case": case,
        "viewer": viewer,
        "materials": materials,
        "form_rows": form_rows,
        "timeline": _timeline(case, viewer),
        "progress": _progress(case),
        "deadline_level": level,
        "deadline_label": _deadline_label(level),
        "actions": _action_forms(case, viewer, extra.pop("posted", None)),
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
    from tongban.licences.selectors import holder_ids_for
    from tongban.licences.services import licence_check_for_case

    holder_ids = holder_ids_for(case.applicant)
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


def _deadline_label(level: str) -> Any:
    return {
        "green": _("On time"),
        "yellow": _("Due soon"),
        "red": _("Overdue"),
    }.get(level, "")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's progress: status, deadlines, what is asked of the applicant, the timeline, the actions."""
    case, viewer = _viewable(request, pk, reason=gettext("Viewing the case"))
    return render(request, "cases/detail.html", _detail_context(request, case, viewer))


@login_required
def track(request: HttpRequest, number: str) -> HttpResponse:
    """Where the QR code of an acceptance notice leads: the case's page, for those who may see it."""
    case = Case.objects.filter(number=number).only("pk").first()
    if case is None:
        raise Http404(gettext("The case was not found."))
    _viewable(request, case.pk, reason=gettext("Tracking the case"))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
def material_download(request: HttpRequest, pk: int, material_id: int) -> FileResponse:
    """A stored material, to the applicant, the department's staff and the clerk who received it; audited."""
    case, viewer = _viewable(request, pk, reason=gettext("Reading a material"))
    row = case.materials.select_related("material").filter(pk=material_id).first()
    if row is None or not row.file:
        raise Http404(gettext("The file was not found."))
    try:
        handle = open_stored(str(row.file.name))
    except ApplicationError as exc:
        raise Http404(_error_text(exc)) from exc
    with transaction.atomic():
        events.material_downloaded(
            case=case,
            material=row,
            actor=viewer.user,
            role=viewer.role,
            reason=gettext("Downloaded from the case page"),
        )
    return attachment_file(handle, filename=row.original_name or f"{row.material.code}", content_type=row.content_type)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case, viewer = _viewable(request, pk)
    if not viewer.is_applicant:
        raise Http404(gettext("The case was not found."))
    form = case_forms.OptionalNoteForm(request.POST, prefix="withdraw")
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        services.case_withdraw(case=case, actor=viewer.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("Your application was withdrawn."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
@require_POST
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """容缺: supply a material that was accepted as missing."""
    case, viewer = _viewable(request, pk)
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
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, gettext("Thank you, the material was supplied."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """好差评 after the case is closed: 1–5 stars, tags and a comment."""
    case, viewer = _viewable(request, pk)
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
            error = _error_text(exc)
        else:
            messages.success(request, gettext("Thank you for your rating."))
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    return render(
        request,
        "cases/rate.html",
        {"nav": _nav(request, "mine"), "case": case, "form": form, "error": error},
        status=422 if request.method == "POST" else 200,
    )


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
    case, viewer = _viewable(request, pk, reason=gettext("Handling the case"))
    try:
        chosen = CaseAction(action)
    except ValueError as exc:
        raise Http404(gettext("Unknown action.")) from exc
    offered = {a["action"]: a for a in _action_forms(case, viewer)}
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
            bound = GapAcceptForm(request.POST, materials=_missing_gap_rows(case), prefix=chosen.value)
        else:
            bound = type(template_form)(request.POST, prefix=chosen.value)
        if not bound.is_valid():
            ctx = _detail_context(
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
        ctx = _detail_context(
            request,
            case,
            viewer,
            posted={chosen.value: bound} if bound is not None else None,
            error=_error_text(exc),
            open_action=chosen.value,
        )
        return render(request, "cases/detail.html", ctx, status=exc.status if 400 <= exc.status < 500 else 422)
    messages.success(request, gettext("Done: %(action)s.") % {"action": action_label(chosen)})
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """告知承诺制: the department records whether the commitment was true."""
    case, viewer = _viewable(request, pk, reason=gettext("Verifying the commitment"))
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
            ctx = _detail_context(request, case, viewer, verify_form=form, error=_error_text(exc))
            return render(request, "cases/detail.html", ctx, status=422)
        messages.success(request, gettext("The verification was recorded."))
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    ctx = _detail_context(request, case, viewer, verify_form=form, error=gettext("Please complete the verification."))
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
        level = _deadline(case, today)
        out.append({"case": case, "level": level, "level_label": _deadline_label(level)})
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
    user = _user(request)
    departments = list(Department.objects.filter(pk__in=_staff_department_ids(user, DEPARTMENT_ROLES)).order_by("name"))
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
            "nav": _nav(request, "workbench"),
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
    user = _user(request)
    if not _is_clerk(user):
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
        {"nav": _nav(request, "received"), "rows": rows, "search": search, "q": q},
    )


# ------------------------------------------------------------------ the one-stop window (综合窗口)


def _clerk_regions(user: User) -> list[str]:
    return list(
        user.staff_roles.filter(role=StaffRoleKind.WINDOW_CLERK)
        .values_list("department__region_id", flat=True)
        .distinct()
    )


@login_required
def window(request: HttpRequest) -> HttpResponse:
    """Choose the item (of any department) the person at the window applies for."""
    user = _user(request)
    regions = _clerk_regions(user)
    if not regions:
        raise Http404(gettext("This page is for window clerks."))
    search = case_forms.StaffSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    items = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED, region_id__in=regions).select_related("department")
    if q:
        items = items.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(department__name__icontains=q))
    return render(
        request,
        "cases/window.html",
        {
            "nav": _nav(request, "window"),
            "items": items.order_by("department__name", "name")[:100],
            "search": search,
            "q": q,
        },
    )


@login_required
def window_apply(request: HttpRequest, item_code: str) -> HttpResponse:
    """Receive an in-person application: identity, form, scanned materials; accepted at once when complete."""
    user = _user(request)
    regions = _clerk_regions(user)
    item = _published_item(item_code, online=False)
    if item.region_id not in regions:
        raise Http404(gettext("This item is not open for applications."))
    applicant_form = case_forms.WindowApplicantForm(request.POST or None)
    situations_form = case_forms.situations_form_class(item, required=True)(
        request.POST or None, prefix=case_forms.SITUATION_PREFIX
    )
    posted: Any = None
    if request.method == "POST":
        posted = request.POST.copy()
        values = {
            "id_number": str(request.POST.get("applicant_id_number", "")).strip().upper(),
            "full_name": str(request.POST.get("applicant_name", "")).strip(),
            "phone": str(request.POST.get("applicant_phone", "")).strip(),
        }
        prefix = case_forms.FORM_PREFIX + "-"
        current = {k[len(prefix) :]: v for k, v in posted.items() if k.startswith(prefix)}
        for name, value in case_forms.fill_empty_from(item, current, values).items():
            posted[prefix + name] = value
    form = case_forms.application_form_class(item)(posted, prefix=case_forms.FORM_PREFIX)
    delivery_form = case_forms.DeliveryForm(request.POST or None, initial={"delivery_method": DeliveryMethod.WINDOW})
    error = ""
    slot_errors: dict[str, str] = {}
    answers: dict[str, str] = {}
    if request.method == "POST":
        answers = {
            name: str(request.POST.get(situations_form.add_prefix(name), ""))
            for name in situations_form.fields
            if request.POST.get(situations_form.add_prefix(name))
        }
        if all([applicant_form.is_valid(), situations_form.is_valid(), form.is_valid(), delivery_form.is_valid()]):
            scans = {code: (f, f.name or code) for code, f in _files_from(request).items()}
            a = applicant_form.cleaned_data
            try:
                case = services.case_window_receive(
                    actor=user,
                    applicant=services.WindowApplicant(
                        id_number=a["applicant_id_number"], full_name=a["applicant_name"], phone=a["applicant_phone"]
                    ),
                    item=item,
                    form_data=form.json_data(),
                    identity_check_method=a["identity_check"],
                    situations=situations_form.cleaned_data,
                    delivery_method=delivery_form.cleaned_data["delivery_method"],
                    delivery_address=delivery_form.cleaned_data.get("delivery_address") or "",
                    scans=scans,
                    accept=True,
                )
            except ApplicationError as exc:
                error = _error_text(exc)
                if isinstance(exc, UPLOAD_ERRORS):
                    error = gettext("A scanned file could not be accepted: %(reason)s") % {"reason": error}
                details = exc.details if isinstance(exc.details, dict) else {}
                for name, problems in details.items():
                    if name in form.fields and isinstance(problems, list):
                        for p in problems:
                            form.add_error(name, p.get("message", "") if isinstance(p, dict) else str(p))
            else:
                if case.status == CaseStatus.ACCEPTED:
                    messages.success(
                        request, gettext("The application was accepted: case %(number)s.") % {"number": case.number}
                    )
                else:
                    messages.warning(
                        request,
                        gettext(
                            "The application was received as case %(number)s but not yet accepted: materials are missing."
                        )
                        % {"number": case.number},
                    )
                return HttpResponseRedirect(reverse("cases:notice", args=[case.pk]))
        else:
            error = gettext("Some entries need your attention.")
    slots = [SlotView(slot=s, error=slot_errors.get(s.code, "")) for s in case_forms.material_slots(item, answers)]
    return render(
        request,
        "cases/window_apply.html",
        {
            "nav": _nav(request, "window"),
            "item": item,
            "applicant_form": applicant_form,
            "situations_form": situations_form,
            "form": form,
            "delivery_form": delivery_form,
            "slots": slots,
            "error": error,
            "files_lost": request.method == "POST" and bool(_files_from(request)),
            "max_upload": f"{max_upload_bytes() // (1024 * 1024)} MiB",
        },
        status=422 if request.method == "POST" else 200,
    )


def _qr_svg(url: str) -> str:
    qr = segno.make(url, error="m")
    svg: str = qr.svg_inline(scale=4, dark="#000", light="#fff", border=2)
    return svg


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable acceptance notice (受理通知书) with the case number and a QR code to track it."""
    case, viewer = _viewable(request, pk, reason=gettext("Printing the acceptance notice"))
    if case.number is None:
        raise Http404(gettext("The case was not found."))
    track_url = settings.TONGBAN_BASE_URL.rstrip("/") + reverse("cases:track", args=[case.number])
    names = {r.material.code: r for r in case.materials.select_related("material")}
    return render(
        request,
        "cases/notice.html",
        {
            "nav": _nav(request, "received" if viewer.is_clerk else "mine"),
            "case": case,
            "viewer": viewer,
            "track_url": track_url,
            "delivery_label": case_forms.delivery_label(case.delivery_method),
            "qr": mark_safe(_qr_svg(track_url)),  # noqa: S308 - generated by segno from our own URL
            "rows": list(names.values()),
            "today": timezone.localdate(),
        },
    )
