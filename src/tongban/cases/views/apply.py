"""The application pages of a resident or an enterprise: apply, edit a draft, the receipt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import UserKind
from tongban.accounts.models import Enterprise, User
from tongban.accounts.selectors import acting_enterprise
from tongban.cases import forms as case_forms
from tongban.cases import services
from tongban.cases.constants import (
    CaseStatus,
    DeliveryMethod,
    MaterialStatus,
)
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.uploads import max_upload_bytes
from tongban.cases.views.common import (
    UPLOAD_ERRORS,
    error_text,
    guide_url,
    nav,
    published_item,
    request_user,
    viewable_case,
)
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError, ValidationFailed

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


def files_from(request: HttpRequest) -> dict[str, Any]:
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
    user = request_user(request)
    correction_names: list[str] = []
    if correcting and case is not None:
        names = dict(item.materials.values_list("code", "name"))
        correction_names = [names.get(c, c) for c in case.correction_materials or []]
    return {
        "nav": nav(request, "mine"),
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
        "guide_url": guide_url(item),
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
        return error_text(exc), extra, slot_errors
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
    return error_text(exc), extra, slot_errors


def _save_draft(
    request: HttpRequest,
    item: ServiceItem,
    bundle: ApplyForms,
    *,
    case: Case | None,
    enterprise: Enterprise | None,
) -> Case:
    """Create or update the draft with the posted values and store the chosen files, in one transaction."""
    user = request_user(request)
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
        files = files_from(request)
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
    had_files = bool(files_from(request))

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
            gettext("A file could not be accepted. Nothing was saved yet."), slot_errors={code: error_text(exc)}
        )
    except ApplicationError as exc:
        licence_material = exc.details.get("licence_material") if isinstance(exc.details, dict) else None
        if licence_material:
            return again(
                gettext("A licence could not be used. Nothing was saved yet."),
                slot_errors={str(licence_material): error_text(exc)},
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
    user = request_user(request)
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
    item = published_item(item_code)
    if not item.is_local:  # a peer region's item: only through the cross-region paths
        messages.error(request, str(services.ItemOfPeerRegion.default_message))
        return HttpResponseRedirect(reverse("forwarding:online") + "?" + urlencode({"q": item.name}))
    user = request_user(request)
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
    case, viewer = viewable_case(request, pk)
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
    case, viewer = viewable_case(request, pk)
    if case.status == CaseStatus.DRAFT:
        return HttpResponseRedirect(reverse("cases:edit", args=[case.pk]))
    return render(request, "cases/receipt.html", {"nav": nav(request, "mine"), "case": case, "viewer": viewer})
