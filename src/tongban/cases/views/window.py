"""The one-stop window (综合窗口): a clerk applies for a visitor, the notice handed over."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import forms as case_forms
from tongban.cases import services
from tongban.cases.constants import (
    CaseStatus,
    DeliveryMethod,
)
from tongban.cases.uploads import max_upload_bytes
from tongban.cases.views.apply import SlotView, files_from
from tongban.cases.views.common import UPLOAD_ERRORS, error_text, nav, published_item, request_user, viewable_case
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError

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
    user = request_user(request)
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
            "nav": nav(request, "window"),
            "items": items.order_by("department__name", "name")[:100],
            "search": search,
            "q": q,
        },
    )


@login_required
def window_apply(request: HttpRequest, item_code: str) -> HttpResponse:
    """Receive an in-person application: identity, form, scanned materials; accepted at once when complete."""
    user = request_user(request)
    regions = _clerk_regions(user)
    item = published_item(item_code, online=False)
    if item.region_id not in regions or not item.is_local:
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
            scans = {code: (f, f.name or code) for code, f in files_from(request).items()}
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
                error = error_text(exc)
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
            "nav": nav(request, "window"),
            "item": item,
            "applicant_form": applicant_form,
            "situations_form": situations_form,
            "form": form,
            "delivery_form": delivery_form,
            "slots": slots,
            "error": error,
            "files_lost": request.method == "POST" and bool(files_from(request)),
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
    case, viewer = viewable_case(request, pk, reason=gettext("Printing the acceptance notice"))
    if case.number is None:
        raise Http404(gettext("The case was not found."))
    track_url = settings.TONGBAN_BASE_URL.rstrip("/") + reverse("cases:track", args=[case.number])
    names = {r.material.code: r for r in case.materials.select_related("material")}
    return render(
        request,
        "cases/notice.html",
        {
            "nav": nav(request, "received" if viewer.is_clerk else "mine"),
            "case": case,
            "viewer": viewer,
            "track_url": track_url,
            "delivery_label": case_forms.delivery_label(case.delivery_method),
            "qr": mark_safe(_qr_svg(track_url)),  # noqa: S308 - generated by segno from our own URL
            "rows": list(names.values()),
            "today": timezone.localdate(),
        },
    )
