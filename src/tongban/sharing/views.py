"""Pages of data sharing: the resource catalog and its editor (data administrators), requests and
decisions (requesters, providers, the region's data office), the resident's data use record with
objections, the proof register, receipts for reviewers, and anomalies for supervisors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from pydantic import ValidationError

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import user_roles
from tongban.core.errors import ApplicationError
from tongban.sharing import events, selectors, services
from tongban.sharing.constants import (
    ConnectorKind,
    FieldType,
    ProofMode,
    Purpose,
    RequestAction,
    SharingClass,
    SubjectKind,
    UpdateFrequency,
)
from tongban.sharing.models import DataResource
from tongban.sharing.schemas import DecisionIn, RequestIn, ResourceFieldIn, ResourceIn

EMPTY_FIELD_ROWS = 3


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require_staff(user: User) -> None:
    if not (user.is_superuser or user_roles(user=user)):
        raise Http404


def _pydantic_problems(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])),
            "code": str(e.get("type", "")),
            "message": str(e.get("msg", "")),
        }
        for e in exc.errors()
    ]


def _error_context(exc: ApplicationError) -> dict[str, Any]:
    details = exc.details if isinstance(exc.details, list) else []
    return {"error": exc.message, "error_code": exc.code, "problems": details}


# ---------------------------------------------------------------- the resource catalog


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    q = request.GET.get("q", "")[:60]
    admin_here = (
        selectors.is_region_data_admin(user=user, region_code=selectors.own_region())
        or selectors.data_admin_departments(user=user).exists()
    )
    return render(
        request,
        "sharing/catalog.html",
        {
            "resources": selectors.resource_list(q=q, include_drafts=admin_here),
            "q": q,
            "can_edit": admin_here,
            "active": "catalog",
        },
    )


@login_required
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    versions = list(selectors.resource_versions(code=code[:60]))
    if not versions:
        raise Http404
    live = next((v for v in versions if v.status == "published"), versions[0])
    return render(
        request,
        "sharing/resource.html",
        {
            "resource": live,
            "versions": versions,
            "sharing_labels": dict(SharingClass.choices),
            "type_labels": dict(FieldType.choices),
            "active": "catalog",
        },
    )


def _resource_form(post: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = []
    for i in range(int(post.get("rows", "0") or 0)):
        name = post.get(f"f{i}_name", "").strip()
        if not name:
            continue
        rows.append(
            {
                "name": name[:40],
                "label": post.get(f"f{i}_label", "").strip()[:60],
                "type": post.get(f"f{i}_type", FieldType.TEXT),
                "sharing": post.get(f"f{i}_sharing", SharingClass.CONDITIONAL),
            }
        )
    values = {
        k: post.get(k, "").strip()
        for k in (
            "code",
            "name",
            "name_en",
            "description",
            "provider_code",
            "subject_kind",
            "update_frequency",
            "legal_basis",
            "system_name",
            "connector",
            "change_note",
            "base_url",
            "peer_region",
            "peer_resource",
        )
    }
    return values, rows


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, code: str = "") -> HttpResponse:
    """A data administrator edits the draft of a resource (a new version when one is published)."""
    user = _user(request)
    _require_staff(user)
    context: dict[str, Any] = {
        "subject_kinds": SubjectKind.choices,
        "frequencies": UpdateFrequency.choices,
        "connectors": ConnectorKind.choices,
        "types": FieldType.choices,
        "classes": SharingClass.choices,
        "departments": selectors.data_admin_departments(user=user),
        "active": "catalog",
    }
    if request.method == "POST":
        values, posted_rows = _resource_form(request.POST)
        region = values["peer_region"] if values["connector"] == ConnectorKind.PEER else selectors.own_region()
        config: dict[str, Any] = {}
        if values["connector"] == ConnectorKind.HTTP:
            config = {"base_url": values["base_url"]}
        elif values["connector"] == ConnectorKind.PEER:
            config = {"region": values["peer_region"], "resource": values["peer_resource"] or values["code"]}
        try:
            data = ResourceIn(
                code=values["code"],
                name=values["name"],
                name_en=values["name_en"],
                description=values["description"],
                provider_code=values["provider_code"],
                provider_region=region,
                subject_kind=values["subject_kind"],
                fields=[ResourceFieldIn(**r) for r in posted_rows],
                update_frequency=values["update_frequency"],
                legal_basis=values["legal_basis"],
                system_name=values["system_name"],
                connector=values["connector"] or ConnectorKind.LOCAL,
                connector_config=config,
                change_note=values["change_note"],
            )
            draft = services.resource_draft_save(actor=user, data=data)
            if request.POST.get("publish") == "1":
                services.resource_publish(actor=user, resource=draft)
            return HttpResponseRedirect(reverse("sharing:resource", args=[draft.code]))
        except ValidationError as exc:
            context.update(error=_("The data resource has invalid entries."), problems=_pydantic_problems(exc))
        except ApplicationError as exc:
            context.update(_error_context(exc))
        context.update(values=values, rows=posted_rows + [{}] * EMPTY_FIELD_ROWS)
        return render(request, "sharing/resource_edit.html", context, status=422)
    base: DataResource | None = None
    if code:
        base = selectors.resource_draft(code=code[:60]) or selectors.resource_find(code=code[:60])
        if base is None:
            raise Http404
    values = {}
    rows: list[dict[str, Any]] = []
    if base is not None:
        values = {
            "code": base.code,
            "name": base.name,
            "name_en": base.name_en,
            "description": base.description,
            "provider_code": base.provider.code,
            "subject_kind": base.subject_kind,
            "update_frequency": base.update_frequency,
            "legal_basis": base.legal_basis,
            "system_name": base.system_name,
            "connector": base.connector,
            "change_note": "",
            "base_url": str(base.connector_config.get("base_url", "")),
            "peer_region": base.peer_region,
            "peer_resource": str(base.connector_config.get("resource", "")),
        }
        rows = [dict(f) for f in base.fields]
    context.update(values=values, rows=rows + [{}] * EMPTY_FIELD_ROWS, editing=base)
    return render(request, "sharing/resource_edit.html", context)


# ---------------------------------------------------------------- supply and demand


@login_required
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    context: dict[str, Any] = {
        "requests": selectors.requests_for_user(user=user)[:200],
        "resources": selectors.resource_list(),
        "departments": selectors.requesting_departments(user=user),
        "purposes": Purpose.choices,
        "active": "requests",
        "today": timezone.localdate(),
    }
    if request.method == "POST":
        post = request.POST
        try:
            data = RequestIn(
                resource_code=post.get("resource_code", ""),
                requester_code=post.get("requester_code", ""),
                fields=[f for f in post.getlist("fields") if f]
                or [f.strip() for f in post.get("fields_text", "").split(",") if f.strip()],
                item_codes=[i.strip() for i in post.get("item_codes", "").split("；") if i.strip()],
                purposes=post.getlist("purposes"),  # type: ignore[arg-type]
                purpose_text=post.get("purpose_text", ""),
                legal_basis=post.get("legal_basis", ""),
                period_from=post.get("period_from", ""),  # type: ignore[arg-type]
                period_to=post.get("period_to", ""),  # type: ignore[arg-type]
            )
            made = services.request_submit(actor=user, data=data)
            return HttpResponseRedirect(reverse("sharing:request", args=[made.number]))
        except ValidationError as exc:
            context.update(error=_("The data request has invalid entries."), problems=_pydantic_problems(exc))
        except ApplicationError as exc:
            context.update(_error_context(exc))
        context["posted"] = post
        return render(request, "sharing/requests.html", context, status=422)
    return render(request, "sharing/requests.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    _require_staff(user)
    req = selectors.requests_for_user(user=user).filter(number=number[:40]).first()
    if req is None:
        raise Http404
    context: dict[str, Any] = {"req": req, "active": "requests"}
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "")
        decision = DecisionIn(
            action=action or "-",
            fields=[f for f in post.getlist("fields") if f],
            masked_fields=[f for f in post.getlist("masked_fields") if f],
            approved_to=dt.date.fromisoformat(post["approved_to"])
            if post.get("approved_to", "")[:10].count("-") == 2
            else None,
            conditions=post.get("conditions", "")[:2000],
            reason=post.get("reason", "")[:2000],
        )
        try:
            if action in (RequestAction.APPROVE, RequestAction.APPROVE_WITH_CONDITIONS, RequestAction.REFUSE):
                services.request_decide(actor=user, request=req, decision=decision)
            elif action in (RequestAction.GRANT, RequestAction.DENY):
                services.request_settle(actor=user, request=req, decision=decision)
            elif action == RequestAction.DISPUTE:
                services.request_dispute(actor=user, request=req, reason=decision.reason)
            elif action == RequestAction.REVOKE:
                services.request_revoke(actor=user, request=req, reason=decision.reason)
            elif action == RequestAction.WITHDRAW:
                services.request_withdraw(actor=user, request=req)
            else:
                raise Http404
            return HttpResponseRedirect(reverse("sharing:request", args=[req.number]))
        except ApplicationError as exc:
            context.update(_error_context(exc))
            req.refresh_from_db()
            return render(request, "sharing/request.html", _request_context(user, req, context), status=422)
    return render(request, "sharing/request.html", _request_context(user, req, context))


def _request_context(user: User, req: Any, context: dict[str, Any]) -> dict[str, Any]:
    own = selectors.own_region()
    provider_here = req.provider_region == own and selectors.is_data_admin(user=user, department=req.provider)
    requester_here = req.requester_region == own and selectors.can_request_for(user=user, department=req.requester)
    region_admin = req.provider_region == own and selectors.is_region_data_admin(user=user, region_code=own)
    resource = selectors.resource_find(code=req.resource_code)
    labels = {f["name"]: f["label"] for f in resource.fields} if resource else {}
    context.update(
        provider_here=provider_here,
        requester_here=requester_here,
        region_admin=region_admin,
        labels=labels,
        field_rows=[(f, labels.get(f, f)) for f in req.fields],
        purpose_labels=[str(dict(Purpose.choices).get(p, p)) for p in req.purposes],
    )
    return context


# ---------------------------------------------------------------- the resident's data use record


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    subjects = selectors.subject_ids_for(user)
    entries = list(selectors.reads_of_subjects(subject_ids=subjects)[:500])
    names = dict(DataResource.objects.values_list("code", "name"))
    objected = selectors.objected_reads(subject_ids=subjects)
    purposes = dict(Purpose.choices)
    rows = [
        {
            "entry": e,
            "id": f"{e.lane}-{e.seq}",
            "resource": names.get(e.resource_code, e.resource_code),
            "purpose": purposes.get(e.purpose, e.purpose),
            "objection": objected.get((e.lane, e.seq)),
        }
        for e in entries
    ]
    return render(request, "sharing/my_data.html", {"rows": rows, "subjects": subjects, "active": "mine"})


@login_required
@require_POST
def my_objection(request: HttpRequest, read_id: str) -> HttpResponse:
    user = _user(request)
    try:
        lane, seq = services.parse_read_id(read_id)
        objection = services.objection_raise(actor=user, lane=lane, seq=seq, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        subjects = selectors.subject_ids_for(user)
        return render(
            request,
            "sharing/my_data.html",
            {"rows": [], "subjects": subjects, "active": "mine", **_error_context(exc)},
            status=exc.status,
        )
    return HttpResponseRedirect(reverse("sharing:mine") + f"?objected={objection.ticket_number}")


# ---------------------------------------------------------------- proofs, receipts, anomalies


def proofs(request: HttpRequest) -> HttpResponse:
    """The region's proof register (证明事项清单): public, like the guide."""
    mode = request.GET.get("mode", "")
    mode = mode if mode in ProofMode.values else ""
    return render(
        request,
        "sharing/proofs.html",
        {
            "proofs": selectors.proof_list(mode=mode or None),
            "modes": ProofMode.choices,
            "mode": mode,
            "counts": selectors.proof_mode_counts(),
            "active": "proofs",
        },
    )


@login_required
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """What a reviewer sees of data fetched for a case: the data, its source, time and signature."""
    user = _user(request)
    found = selectors.receipt_get(number=number[:40])
    if not (user.is_superuser or selectors.is_member(user=user, department=found.department)):
        raise Http404
    events.receipt_viewed(receipt_number=found.number, actor=user, context=f"{found.context_kind}:{found.context_id}")
    check = services.receipt_check(receipt=found)
    resource = selectors.resource_versions(code=found.resource_code).first()
    labels = {f["name"]: f["label"] for f in resource.fields} if resource else {}
    return render(
        request,
        "sharing/receipt.html",
        {
            "receipt": found,
            "check": check,
            "rows": [(labels.get(k, k), v) for k, v in found.data.items()],
            "active": "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def anomalies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.is_superuser or user_roles(user=user, roles=[StaffRoleKind.SUPERVISOR])):
        raise Http404
    if request.method == "POST":
        services.anomalies_scan(since=timezone.now() - dt.timedelta(days=7))
        return HttpResponseRedirect(reverse("sharing:anomalies"))
    return render(
        request,
        "sharing/anomalies.html",
        {
            "anomalies": selectors.anomaly_list()[:300],
            "summary": selectors.log_summary(since=timezone.now() - dt.timedelta(days=7)),
            "active": "anomalies",
        },
    )


# ---------------------------------------------------------------- 告知承诺: later checks through the exchange


@login_required
@require_http_methods(["GET", "POST"])
def verifications(request: HttpRequest) -> HttpResponse:
    """The checking department's commitments to verify: run the check through the exchange, then record
    whether the commitment held."""
    user = _user(request)
    _require_staff(user)
    departments = list(selectors.member_departments(user=user).values_list("pk", flat=True))
    tasks = selectors.tasks_for_departments(department_ids=departments)
    context: dict[str, Any] = {"tasks": tasks[:200], "active": "verifications"}
    if request.method == "POST":
        task = tasks.filter(number=request.POST.get("task", "")[:40]).first()
        if task is None:
            raise Http404
        try:
            if request.POST.get("action") == "check":
                result = services.verification_check(actor=user, task=task)
                context.update(checked=task, result=result)
            else:
                services.verification_conclude(
                    actor=user,
                    task=task,
                    confirmed=request.POST.get("action") == "confirm",
                    outcome=request.POST.get("outcome", "")[:2000],
                )
                return HttpResponseRedirect(reverse("sharing:verifications"))
        except ApplicationError as exc:
            context.update(_error_context(exc), checked=task)
            return render(request, "sharing/verifications.html", context, status=exc.status)
    return render(request, "sharing/verifications.html", context)
