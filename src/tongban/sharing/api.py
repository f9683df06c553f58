"""HTTP API of data sharing, under ``/api/v1/sharing/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.core.api_schemas import ErrorOut
from tongban.core.errors import PermissionDenied
from tongban.sharing import errors, selectors, services
from tongban.sharing.contexts import AccessContext
from tongban.sharing.models import AccessLogEntry, DataRequest, DataResource
from tongban.sharing.schemas import (
    AccessOut,
    DecisionIn,
    ObjectionIn,
    ObjectionOut,
    ReadIn,
    ReadOut,
    RequestIn,
    RequestOut,
    ResourceIn,
    ResourceOut,
)

router = Router(tags=["sharing"])


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    if not (user.is_superuser or user.staff_roles.exists()):
        raise PermissionDenied()
    return user


def resource_out(resource: DataResource) -> ResourceOut:
    return ResourceOut(
        code=resource.code,
        version=resource.version,
        status=resource.status,
        name=resource.name,
        name_en=resource.name_en,
        description=resource.description,
        provider=resource.provider.name,
        provider_region=resource.provider.region_id,
        subject_kind=resource.subject_kind,
        fields=[
            {"name": f["name"], "label": f["label"], "type": f["type"], "sharing": f["sharing"]}  # type: ignore[misc]
            for f in resource.fields
        ],
        update_frequency=resource.update_frequency,
        legal_basis=resource.legal_basis,
        system_name=resource.system_name,
        connector=resource.connector,
        published_at=resource.published_at,
    )


def request_out(req: DataRequest) -> RequestOut:
    return RequestOut(
        number=req.number,
        resource_code=req.resource_code,
        resource_name=req.resource_name,
        provider=req.provider.name,
        provider_region=req.provider_region,
        requester=req.requester.name,
        requester_region=req.requester_region,
        fields=list(req.fields),
        purposes=list(req.purposes),
        status=req.status,
        approved_fields=list(req.approved_fields),
        masked_fields=list(req.masked_fields),
        approved_from=req.approved_from,
        approved_to=req.approved_to,
        conditions=req.conditions,
        decision_reason=req.decision_reason,
    )


def access_out(entry: AccessLogEntry, names: dict[str, str], objected: set[tuple[int, int]]) -> AccessOut:
    return AccessOut(
        id=f"{entry.lane}-{entry.seq}",
        at=entry.occurred_at,
        department=entry.department_label,
        requester_region=entry.requester_region,
        resource_code=entry.resource_code,
        resource_name=names.get(entry.resource_code, entry.resource_code),
        fields=entry.field_list,
        purpose=entry.purpose,
        context_kind=entry.context_kind,
        context_id=entry.context_id,
        result=entry.result,
        objected=(entry.lane, entry.seq) in objected,
    )


# ---------------------------------------------------------------- the resource catalog


@router.get(
    "/resources", response=list[ResourceOut], auth=api_auth, summary="The data resource catalog (政务数据资源目录)"
)
def resource_list(request: HttpRequest, q: str = "") -> list[ResourceOut]:
    _staff(request)
    return [resource_out(r) for r in selectors.resource_list(q=q[:60])]


@router.get("/resources/{code}", response=ResourceOut, auth=api_auth, summary="A published data resource")
def resource_get(request: HttpRequest, code: str) -> ResourceOut:
    _staff(request)
    return resource_out(selectors.resource_get(code=code[:60]))


@router.post(
    "/resources", response={201: ResourceOut}, auth=api_auth, summary="Save the draft of a resource (a new version)"
)
def resource_save(request: HttpRequest, body: ResourceIn) -> Status[ResourceOut]:
    draft = services.resource_draft_save(actor=_user(request), data=body)
    return Status(201, resource_out(draft))


@router.post(
    "/resources/{code}/publish", response=ResourceOut, auth=api_auth, summary="Publish the draft of a resource"
)
def resource_publish(request: HttpRequest, code: str) -> ResourceOut:
    draft = selectors.resource_draft(code=code[:60])
    if draft is None:
        raise errors.resource_not_found()
    return resource_out(services.resource_publish(actor=_user(request), resource=draft))


# ---------------------------------------------------------------- supply and demand


@router.get("/requests", response=list[RequestOut], auth=api_auth, summary="Requests of my departments and to them")
def request_list(request: HttpRequest) -> list[RequestOut]:
    return [request_out(r) for r in selectors.requests_for_user(user=_staff(request))[:500]]


def _visible_request(request: HttpRequest, number: str) -> DataRequest:
    user = _staff(request)
    found = selectors.requests_for_user(user=user).filter(number=number[:40]).first()
    if found is None:
        raise errors.request_not_found()
    return found


@router.post(
    "/requests",
    response={201: RequestOut, 404: ErrorOut, 409: ErrorOut},
    auth=api_auth,
    summary="Ask for a resource (供需对接)",
)
def request_submit(request: HttpRequest, body: RequestIn) -> Status[RequestOut]:
    return Status(201, request_out(services.request_submit(actor=_user(request), data=body)))


@router.get("/requests/{number}", response=RequestOut, auth=api_auth, summary="One request")
def request_get(request: HttpRequest, number: str) -> RequestOut:
    return request_out(_visible_request(request, number))


@router.post("/requests/{number}/decision", response=RequestOut, auth=api_auth, summary="The provider's decision")
def request_decide(request: HttpRequest, number: str, body: DecisionIn) -> RequestOut:
    req = _visible_request(request, number)
    return request_out(services.request_decide(actor=_user(request), request=req, decision=body))


@router.post(
    "/requests/{number}/dispute", response=RequestOut, auth=api_auth, summary="Dispute a refusal or conditions"
)
def request_dispute(request: HttpRequest, number: str, body: ObjectionIn) -> RequestOut:
    req = _visible_request(request, number)
    return request_out(services.request_dispute(actor=_user(request), request=req, reason=body.reason))


@router.post(
    "/requests/{number}/settlement",
    response=RequestOut,
    auth=api_auth,
    summary="The data administrator decides a dispute",
)
def request_settle(request: HttpRequest, number: str, body: DecisionIn) -> RequestOut:
    req = _visible_request(request, number)
    return request_out(services.request_settle(actor=_user(request), request=req, decision=body))


@router.post("/requests/{number}/revocation", response=RequestOut, auth=api_auth, summary="Revoke an approval")
def request_revoke(request: HttpRequest, number: str, body: ObjectionIn) -> RequestOut:
    req = _visible_request(request, number)
    return request_out(services.request_revoke(actor=_user(request), request=req, reason=body.reason))


# ---------------------------------------------------------------- reads


@router.post(
    "/reads", response=ReadOut, auth=api_auth, summary="Read one subject's record for a context (purpose-bound)"
)
def read(request: HttpRequest, body: ReadIn) -> dict[str, Any]:
    """Only with a live approval of the department, a purpose and a context that covers the subject;
    every read and every refusal is in the access log (the answer names the entry)."""
    user = _staff(request)
    department = selectors.department_get(region_code=selectors.own_region(), code=body.department_code)
    if department is None or not selectors.is_member(user=user, department=department):
        raise errors.not_a_member()
    context = (
        AccessContext(kind=body.context_kind, id=body.context_id) if body.context_kind or body.context_id else None
    )
    result = services.exchange_read(
        actor=user,
        department=department,
        resource_code=body.resource_code,
        subject_id=body.subject_id,
        fields=body.fields,
        purpose=body.purpose,
        context=context,
    )
    return {
        "found": result.found,
        "resource_code": result.resource.code,
        "resource_version": result.resource.version,
        "subject_id": result.subject_id,
        "data": result.data,
        "source": result.source_label,
        "fetched_at": result.fetched_at,
        "log": result.log_ref,
    }


# ---------------------------------------------------------------- the data tracker (我的数据使用记录)


@router.get("/mine/reads", response=list[AccessOut], auth=api_auth, summary="Every read of my data")
def my_reads(request: HttpRequest) -> list[AccessOut]:
    user = _user(request)
    subjects = selectors.subject_ids_for(user)
    entries = list(selectors.reads_of_subjects(subject_ids=subjects)[:500])
    names = dict(DataResource.objects.values_list("code", "name"))
    objected = set(selectors.objected_reads(subject_ids=subjects))
    return [access_out(e, names, objected) for e in entries]


@router.post(
    "/mine/reads/{read_id}/objection",
    response={201: ObjectionOut},
    auth=api_auth,
    summary="Object to one read (opens a 12345 ticket)",
)
def my_objection(request: HttpRequest, read_id: str, body: ObjectionIn) -> Status[ObjectionOut]:
    user = _user(request)
    lane, seq = services.parse_read_id(read_id)
    objection = services.objection_raise(actor=user, lane=lane, seq=seq, reason=body.reason)
    return Status(201, ObjectionOut(read=read_id, status=objection.status, ticket_number=objection.ticket_number))
