"""Pages of cross-region cases at the origin node.

Window clerks: peers' items for proxy receipt (异地代收), the receiving form, the queues of
corrections to supply and results to deliver. Residents: peers' items fully online (全程网办),
the application form, their remote cases with the timeline mirrored from the deciding region.
Every write goes through ``services.py``; reads through ``selectors.py`` (404 for strangers).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import User
from tongban.cases import forms as case_forms
from tongban.cases.constants import CaseStatus, DeliveryMethod
from tongban.cases.services import WindowApplicant
from tongban.cases.uploads import max_upload_bytes
from tongban.cases.views import nav
from tongban.core.errors import ApplicationError
from tongban.federation.models import PeerCatalogItem
from tongban.forwarding import selectors, services
from tongban.forwarding.constants import FORWARDING, ForwardMode
from tongban.forwarding.models import RemoteCase

ACTION_LABELS: dict[str, Any] = {
    "received": _("Received at the window"),
    "created": _("Applied online"),
    "forwarded": _("Forwarded to the deciding region"),
    "correction_supplied": _("Corrected materials forwarded"),
    "delivered": _("Result handed over"),
    "refused": _("Not registered by the deciding region"),
    "submit": _("Registered by the deciding region"),
    "accept": _("Accepted"),
    "accept_with_gaps": _("Accepted with materials to follow"),
    "reject_at_intake": _("Not accepted"),
    "request_correction": _("Correction requested"),
    "resubmit": _("Resubmitted after correction"),
    "start_review": _("Review started"),
    "approve": _("Approved"),
    "deny": _("Denied"),
    "issue_result": _("Result issued"),
    "deliver": _("Delivered"),
    "close": _("Closed"),
    "withdraw": _("Withdrawn"),
    "suspend": _("Suspended"),
    "resume": _("Resumed"),
    "terminate": _("Terminated"),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _peer_item(region: str, code: str, mode: str) -> PeerCatalogItem:
    try:
        return services.peer_item_get(region_code=region, code=code, mode=mode)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc


def _files(request: HttpRequest) -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    for key in request.FILES:
        upload = request.FILES.get(key)
        if key.startswith("m-") and upload is not None:
            out[key[2:]] = (upload, upload.name or key[2:])
    return out


def _region_names() -> dict[str, str]:
    from tongban.regions.models import Region

    return dict(Region.objects.values_list("code", "name"))


def _status_label(status: str) -> str:
    return str(dict(RemoteCase._meta.get_field("status").flatchoices).get(status, status))


# ---------------------------------------------------------------- choosing a peer's item


def _item_rows(items: Any) -> list[dict[str, Any]]:
    names = _region_names()
    return [
        {
            "item": row,
            "name": row.snapshot.get("name", row.base_name),
            "region": names.get(row.peer.region_code, row.peer.region_code),
            "department": services.application_spec(row).get("department", ""),
        }
        for row in items
    ]


@login_required
def window(request: HttpRequest) -> HttpResponse:
    """The clerk chooses another region's item to receive an application for (异地代收)."""
    user = _user(request)
    if not services.is_clerk_here(user):
        raise Http404(gettext("This page is for window clerks."))
    search = case_forms.StaffSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    items = selectors.peer_items(mode=ForwardMode.PROXY_RECEIPT, q=q)[:100]
    return render(
        request,
        "forwarding/items.html",
        {"nav": nav(request, "window"), "rows": _item_rows(items), "search": search, "q": q, "mode": "proxy_receipt"},
    )


@login_required
def online(request: HttpRequest) -> HttpResponse:
    """A resident chooses another region's item to apply for fully online (全程网办)."""
    user = _user(request)
    if user.kind == UserKind.STAFF:
        raise Http404(gettext("This page is for residents."))
    search = case_forms.StaffSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    items = selectors.peer_items(mode=ForwardMode.ONLINE, q=q)[:100]
    return render(
        request,
        "forwarding/items.html",
        {"nav": nav(request, "mine"), "rows": _item_rows(items), "search": search, "q": q, "mode": "online"},
    )


# ---------------------------------------------------------------- applying


def _apply(request: HttpRequest, region: str, code: str, mode: str) -> HttpResponse:
    user = _user(request)
    peer_item = _peer_item(region, code, mode)
    item = services.spec_item(peer_item)
    proxy = mode == ForwardMode.PROXY_RECEIPT
    post = request.POST if request.method == "POST" else None
    applicant_form = case_forms.WindowApplicantForm(post) if proxy else None
    situations_form = case_forms.situations_form_class(item, required=True)(post, prefix=case_forms.SITUATION_PREFIX)
    form = case_forms.application_form_class(item)(post, prefix=case_forms.FORM_PREFIX)
    initial = {"delivery_method": DeliveryMethod.WINDOW if proxy else DeliveryMethod.ELECTRONIC}
    delivery_form = case_forms.DeliveryForm(post, initial=initial)
    allowed = (
        (DeliveryMethod.WINDOW, DeliveryMethod.POST) if proxy else (DeliveryMethod.ELECTRONIC, DeliveryMethod.POST)
    )
    field = delivery_form.fields["delivery_method"]
    assert isinstance(field, forms.ChoiceField)
    field.choices = [(k, v) for k, v in case_forms.DELIVERY_LABELS.items() if k in allowed]
    error = ""
    if request.method == "POST":
        valid = [situations_form.is_valid(), form.is_valid(), delivery_form.is_valid()]
        if applicant_form is not None:
            valid.append(applicant_form.is_valid())
        if all(valid):
            d = delivery_form.cleaned_data
            delivery = services.DeliveryChoice(
                method=d["delivery_method"],
                address=d.get("delivery_address") or "",
                recipient=d.get("delivery_recipient") or "",
                phone=d.get("delivery_phone") or "",
            )
            try:
                if applicant_form is not None:
                    a = applicant_form.cleaned_data
                    remote = services.proxy_receive(
                        actor=user,
                        peer_item=peer_item,
                        applicant=WindowApplicant(
                            id_number=a["applicant_id_number"],
                            full_name=a["applicant_name"],
                            phone=a.get("applicant_phone") or "",
                        ),
                        identity_check_method=a["identity_check"],
                        form_data=form.json_data(),
                        situations=situations_form.cleaned_data,
                        delivery=delivery,
                        scans=_files(request),
                    )
                else:
                    remote = services.online_apply(
                        actor=user,
                        peer_item=peer_item,
                        form_data=form.json_data(),
                        situations=situations_form.cleaned_data,
                        delivery=delivery,
                        uploads=_files(request),
                    )
            except ApplicationError as exc:
                error = str(exc.message)
            else:
                messages.success(request, gettext("The application was forwarded to the deciding region."))
                return HttpResponseRedirect(reverse("forwarding:detail", args=[remote.pk]))
        else:
            error = gettext("Some entries need your attention.")
    answers = {
        k: str(v)
        for k, v in (
            situations_form.cleaned_data if situations_form.is_bound and situations_form.is_valid() else {}
        ).items()
    }
    materials = services.spec_materials(peer_item, answers if answers else None)
    return render(
        request,
        "forwarding/apply.html",
        {
            "nav": nav(request, "window" if proxy else "mine"),
            "peer_item": peer_item,
            "item_name": peer_item.snapshot.get("name", peer_item.base_name),
            "region_name": _region_names().get(region, region),
            "department": services.application_spec(peer_item).get("department", ""),
            "proxy": proxy,
            "applicant_form": applicant_form,
            "situations_form": situations_form,
            "form": form,
            "delivery_form": delivery_form,
            "materials": materials,
            "error": error,
            "files_lost": request.method == "POST" and bool(request.FILES),
            "max_upload": f"{max_upload_bytes() // (1024 * 1024)} MiB",
        },
        status=422 if error else 200,
    )


@login_required
def window_apply(request: HttpRequest, region: str, code: str) -> HttpResponse:
    if not services.is_clerk_here(_user(request)):
        raise Http404(gettext("This page is for window clerks."))
    return _apply(request, region, code, ForwardMode.PROXY_RECEIPT)


@login_required
def online_apply(request: HttpRequest, region: str, code: str) -> HttpResponse:
    if _user(request).kind == UserKind.STAFF:
        raise Http404(gettext("This page is for residents."))
    return _apply(request, region, code, ForwardMode.ONLINE)


# ---------------------------------------------------------------- following a case


def _get(request: HttpRequest, pk: int) -> tuple[RemoteCase, str]:
    try:
        return selectors.remote_case_get_for_user(user=_user(request), pk=pk, reason=gettext("Handling the case"))
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc


@login_required
def detail(request: HttpRequest, pk: int, error: str = "") -> HttpResponse:
    remote, role = _get(request, pk)
    names = _region_names()
    timeline = [
        {
            "when": e.occurred_at,
            "label": ACTION_LABELS.get(e.action, e.action),
            "status": _status_label(e.status),
            "region": names.get(e.region, e.region),
            "note": e.note,
        }
        for e in selectors.remote_case_timeline(remote_case=remote)
    ]
    corrections = [c for c in remote.correction_materials if isinstance(c, dict)]
    pending = {f.material_code for f in selectors.remote_case_files(remote_case=remote) if f.bundle_id is None}
    return render(
        request,
        "forwarding/detail.html",
        {
            "nav": nav(request, "received" if role == StaffRoleKind.WINDOW_CLERK else "mine"),
            "remote": remote,
            "role": role,
            "is_clerk": role == StaffRoleKind.WINDOW_CLERK,
            "status_label": _status_label(remote.status),
            "peer_name": names.get(remote.peer_region, remote.peer_region),
            "timeline": timeline,
            "files": selectors.remote_case_files(remote_case=remote),
            "corrections": [{**c, "ready": c.get("code") in pending} for c in corrections],
            "can_correct": remote.status == CaseStatus.CORRECTION_REQUESTED,
            "can_deliver": remote.status == CaseStatus.RESULT_ISSUED
            and role == StaffRoleKind.WINDOW_CLERK
            and remote.mode == ForwardMode.PROXY_RECEIPT,
            "forwarding": remote.status == FORWARDING,
            "error": error,
            "delivery_label": case_forms.delivery_label(remote.delivery_method),
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    remote, _role = _get(request, pk)
    upload = request.FILES.get("file")
    code = str(request.POST.get("material", ""))
    if upload is None:
        return detail(request, pk, error=gettext("Choose a file."))
    try:
        services.remote_file_attach(
            remote_case=remote,
            actor=_user(request),
            material_code=code,
            source=upload,
            original_name=upload.name or code,
        )
    except ApplicationError as exc:
        return detail(request, pk, error=str(exc.message))
    return HttpResponseRedirect(reverse("forwarding:detail", args=[pk]) + "#correction")


@login_required
@require_POST
def supply(request: HttpRequest, pk: int) -> HttpResponse:
    remote, _role = _get(request, pk)
    try:
        services.remote_correction_supply(
            remote_case=remote, actor=_user(request), note=str(request.POST.get("note", ""))[:2000]
        )
    except ApplicationError as exc:
        return detail(request, pk, error=str(exc.message))
    messages.success(request, gettext("The corrected materials were forwarded."))
    return HttpResponseRedirect(reverse("forwarding:detail", args=[pk]))


@login_required
@require_POST
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    remote, _role = _get(request, pk)
    try:
        services.remote_case_deliver(
            remote_case=remote, actor=_user(request), tracking_number=str(request.POST.get("tracking_number", ""))
        )
    except ApplicationError as exc:
        return detail(request, pk, error=str(exc.message))
    messages.success(request, gettext("The delivery was recorded and reported to the deciding region."))
    return HttpResponseRedirect(reverse("forwarding:detail", args=[pk]))


@login_required
def received(request: HttpRequest) -> HttpResponse:
    """The clerks' queues: corrections to supply, results to deliver, refusals, everything received."""
    user = _user(request)
    if not services.is_clerk_here(user):
        raise Http404(gettext("This page is for window clerks."))
    queue = request.GET.get("queue", "correction")
    if queue not in (*selectors.QUEUES, "all"):
        queue = "correction"
    counts = {key: selectors.clerk_queue(user=user, queue=key).count() for key in selectors.QUEUES}
    rows = selectors.clerk_queue(user=user, queue="" if queue == "all" else queue)[:200]
    tabs = [
        {"key": "correction", "label": _("Corrections to supply"), "count": counts["correction"]},
        {"key": "deliver", "label": _("Results to deliver"), "count": counts["deliver"]},
        {"key": "refused", "label": _("Not registered"), "count": counts["refused"]},
        {"key": "all", "label": _("All"), "count": None},
    ]
    return render(
        request,
        "forwarding/received.html",
        {"nav": nav(request, "received"), "rows": _case_rows(rows), "tabs": tabs, "queue": queue},
    )


def _case_rows(rows: Any) -> list[dict[str, Any]]:
    names = _region_names()
    return [
        {"case": r, "status_label": _status_label(r.status), "peer": names.get(r.peer_region, r.peer_region)}
        for r in rows
    ]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = selectors.my_remote_cases(user=user)[:200]
    return render(request, "forwarding/mine.html", {"nav": nav(request, "mine"), "rows": _case_rows(rows)})
