"""``/api/v1/cross-region/``: other regions' items, receiving an application for one (window
clerk, 异地代收) or applying online (resident, 全程网办), files, forwarding, corrections,
delivery, and the cases with the timeline mirrored from the deciding region.

A case the caller may not see is answered ``404 remote_case_not_found``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.cases.api import ERRORS, _no_nul
from tongban.cases.services import WindowApplicant
from tongban.core.text import JsonObject
from tongban.federation.models import PeerCatalogItem
from tongban.forwarding import selectors, services
from tongban.forwarding.models import ForwardedCase, RemoteCase, RemoteCaseFile

router = Router(tags=["cross-region"], auth=api_auth)

RemoteId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Code = Annotated[str, Field(min_length=1, max_length=60)]
Region = Annotated[str, Field(pattern=r"^\d{6}$")]
Mode = Literal["proxy_receipt", "online"]


class PeerMaterialOut(Schema):
    code: str
    name: str
    required: bool


class PeerItemOut(Schema):
    region: str
    code: str
    name: str
    department: str
    cross_region_mode: str
    materials: list[PeerMaterialOut]
    form_fields: list[dict[str, Any]]

    @classmethod
    def of(cls, row: PeerCatalogItem) -> PeerItemOut:
        spec = services.application_spec(row)
        return cls(
            region=row.peer.region_code,
            code=row.code,
            name=str(row.snapshot.get("name", row.base_name)),
            department=str(spec.get("department", "")),
            cross_region_mode=str(spec.get("cross_region_mode", "")),
            materials=[
                PeerMaterialOut(code=m.code, name=m.name, required=m.required) for m in services.spec_materials(row)
            ],
            form_fields=[f for f in spec.get("form_fields", []) if isinstance(f, dict)],
        )


class ApplicantIn(Schema):
    id_number: Annotated[str, Field(min_length=15, max_length=18)]
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    phone: Annotated[str, Field(max_length=20)] = ""


class DeliveryIn(Schema):
    method: Literal["electronic", "window", "post"]
    address: Annotated[str, Field(max_length=200)] = ""
    recipient: Annotated[str, Field(max_length=120)] = ""
    phone: Annotated[str, Field(max_length=20)] = ""


class ApplicationIn(Schema):
    region: Region
    item_code: Code
    form_data: JsonObject
    situations: dict[str, str] = {}
    delivery: DeliveryIn | None = None


class ProxyIn(ApplicationIn):
    applicant: ApplicantIn
    identity_check: Literal["id_card_reader", "face", "manual"]


class FileOut(Schema):
    material_code: str
    material_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    sent: bool

    @classmethod
    def of(cls, row: RemoteCaseFile) -> FileOut:
        return cls(
            material_code=row.material_code,
            material_name=row.material_name,
            original_name=row.original_name,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            sent=row.bundle_id is not None,
        )


class TimelineOut(Schema):
    occurred_at: dt.datetime
    region: str
    action: str
    status: str
    seq: int | None
    note: str


class CorrectionOut(Schema):
    code: str
    name: str


class RemoteCaseOut(Schema):
    id: int
    forward_id: uuid.UUID
    mode: str
    status: str
    peer_region: str
    item_code: str
    item_name: str
    department: str
    remote_number: str
    legal_due_date: dt.date | None
    promised_due_date: dt.date | None
    due_provisional: bool
    correction_materials: list[CorrectionOut]
    correction_note: str
    result_number: str
    decision_reasons: str
    delivery_method: str
    tracking_number: str
    refusal_code: str
    forwarded_at: dt.datetime | None
    files: list[FileOut]
    timeline: list[TimelineOut]

    @classmethod
    def of(cls, remote: RemoteCase) -> RemoteCaseOut:
        return cls(
            id=remote.pk,
            forward_id=remote.forward_id,
            mode=remote.mode,
            status=remote.status,
            peer_region=remote.peer_region,
            item_code=remote.item_code,
            item_name=remote.item_name,
            department=remote.department_name,
            remote_number=remote.remote_number,
            legal_due_date=remote.legal_due_date,
            promised_due_date=remote.promised_due_date,
            due_provisional=remote.due_provisional,
            correction_materials=[
                CorrectionOut(code=str(c.get("code", "")), name=str(c.get("name", "")))
                for c in remote.correction_materials
                if isinstance(c, dict)
            ],
            correction_note=remote.correction_note,
            result_number=remote.result_number,
            decision_reasons=remote.decision_reasons,
            delivery_method=remote.delivery_method,
            tracking_number=remote.tracking_number,
            refusal_code=remote.refusal_code,
            forwarded_at=remote.forwarded_at,
            files=[FileOut.of(f) for f in selectors.remote_case_files(remote_case=remote)],
            timeline=[
                TimelineOut(
                    occurred_at=e.occurred_at, region=e.region, action=e.action, status=e.status, seq=e.seq, note=e.note
                )
                for e in selectors.remote_case_timeline(remote_case=remote)
            ],
        )


class ForwardedOut(Schema):
    forward_id: uuid.UUID
    origin_region: str
    mode: str
    received_by: str
    registered_at: dt.datetime
    case_id: int
    case_number: str | None
    status: str
    item_code: str
    department: str
    promised_due_date: dt.date | None

    @classmethod
    def of(cls, link: ForwardedCase) -> ForwardedOut:
        case = link.case
        return cls(
            forward_id=link.forward_id,
            origin_region=link.origin_region,
            mode=link.mode,
            received_by=link.received_by_name,
            registered_at=link.created_at,
            case_id=case.pk,
            case_number=case.number,
            status=case.status,
            item_code=case.item.code,
            department=case.department.name,
            promised_due_date=case.promised_due_date,
        )


class NoteIn(Schema):
    note: Annotated[str, Field(max_length=2000)] = ""


class DeliverIn(Schema):
    tracking_number: Annotated[str, Field(max_length=60)] = ""


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _get(request: HttpRequest, remote_id: int) -> RemoteCase:
    return selectors.remote_case_get_for_user(user=_user(request), pk=remote_id, reason="api")[0]


def _fresh(remote: RemoteCase) -> RemoteCaseOut:
    return RemoteCaseOut.of(RemoteCase.objects.get(pk=remote.pk))


def _delivery(delivery: DeliveryIn | None, default: str) -> services.DeliveryChoice:
    if delivery is None:
        return services.DeliveryChoice(method=default)
    return services.DeliveryChoice(
        method=delivery.method, address=delivery.address, recipient=delivery.recipient, phone=delivery.phone
    )


@router.get("/peer-items", response={200: list[PeerItemOut], **ERRORS}, summary="Other regions' items open to a mode")
def peer_items(request: HttpRequest, mode: Mode, q: Annotated[str, Field(max_length=100)] = "") -> list[PeerItemOut]:
    _no_nul(q)
    return [PeerItemOut.of(row) for row in selectors.peer_items(mode=mode, q=q)[:200]]


@router.post(
    "/proxy", response={201: RemoteCaseOut, **ERRORS}, summary="Receive an application for another region (异地代收)"
)
def proxy_create(request: HttpRequest, payload: ProxyIn) -> Status[RemoteCaseOut]:
    _no_nul(payload.model_dump())
    d = _delivery(payload.delivery, "window")
    remote = services.remote_case_create(
        actor=_user(request),
        peer_item=services.peer_item_get(region_code=payload.region, code=payload.item_code, mode="proxy_receipt"),
        mode="proxy_receipt",
        form_data=payload.form_data,
        situations=payload.situations,
        applicant=WindowApplicant(
            id_number=payload.applicant.id_number, full_name=payload.applicant.full_name, phone=payload.applicant.phone
        ),
        identity_check_method=payload.identity_check,
        delivery_method=d.method,
        delivery_address=d.address,
        delivery_recipient=d.recipient,
        delivery_phone=d.phone,
    )
    return Status(201, _fresh(remote))


@router.post(
    "/online", response={201: RemoteCaseOut, **ERRORS}, summary="Apply online for another region's item (全程网办)"
)
def online_create(request: HttpRequest, payload: ApplicationIn) -> Status[RemoteCaseOut]:
    _no_nul(payload.model_dump())
    d = _delivery(payload.delivery, "electronic")
    remote = services.remote_case_create(
        actor=_user(request),
        peer_item=services.peer_item_get(region_code=payload.region, code=payload.item_code, mode="online"),
        mode="online",
        form_data=payload.form_data,
        situations=payload.situations,
        delivery_method=d.method,
        delivery_address=d.address,
        delivery_recipient=d.recipient,
        delivery_phone=d.phone,
    )
    return Status(201, _fresh(remote))


@router.get("/mine", response={200: list[RemoteCaseOut], **ERRORS}, summary="My cases decided by other regions")
def mine(request: HttpRequest) -> list[RemoteCaseOut]:
    return [RemoteCaseOut.of(r) for r in selectors.my_remote_cases(user=_user(request))[:100]]


@router.get(
    "/queue", response={200: list[RemoteCaseOut], **ERRORS}, summary="Clerks: corrections to supply, results to deliver"
)
def queue(
    request: HttpRequest, name: Literal["correction", "deliver", "refused", "all"] = "correction"
) -> list[RemoteCaseOut]:
    rows = selectors.clerk_queue(user=_user(request), queue="" if name == "all" else name)[:100]
    return [RemoteCaseOut.of(r) for r in rows]


@router.get(
    "/forwarded",
    response={200: list[ForwardedOut], **ERRORS},
    summary="Deciding side: cases received from other regions (reviewers of their departments)",
)
def forwarded(
    request: HttpRequest, forward_id: uuid.UUID | None = None, limit: Annotated[int, Field(ge=1, le=200)] = 50
) -> list[ForwardedOut]:
    rows = selectors.forwarded_cases_for(user=_user(request), forward_id=forward_id)[:limit]
    return [ForwardedOut.of(link) for link in rows]


@router.get("/{remote_id}", response={200: RemoteCaseOut, **ERRORS}, summary="One case with its mirrored timeline")
def detail(request: HttpRequest, remote_id: RemoteId) -> RemoteCaseOut:
    return RemoteCaseOut.of(_get(request, remote_id))


@router.post(
    "/{remote_id}/files/{code}", response={200: FileOut, **ERRORS}, summary="Attach a material file (multipart)"
)
def attach(
    request: HttpRequest,
    remote_id: RemoteId,
    code: Annotated[str, Field(min_length=1, max_length=40)],
    file: File[UploadedFile],
) -> FileOut:
    _no_nul(code)
    row = services.remote_file_attach(
        remote_case=_get(request, remote_id),
        actor=_user(request),
        material_code=code,
        source=file,
        original_name=file.name or code,
    )
    return FileOut.of(row)


@router.post("/{remote_id}/forward", response={200: RemoteCaseOut, **ERRORS}, summary="Forward to the deciding region")
def forward(request: HttpRequest, remote_id: RemoteId) -> RemoteCaseOut:
    return _fresh(services.remote_case_forward(remote_case=_get(request, remote_id), actor=_user(request)))


@router.post(
    "/{remote_id}/correction", response={200: RemoteCaseOut, **ERRORS}, summary="Forward the corrected materials (补正)"
)
def correction(request: HttpRequest, remote_id: RemoteId, payload: NoteIn) -> RemoteCaseOut:
    _no_nul(payload.note)
    remote = services.remote_correction_supply(
        remote_case=_get(request, remote_id), actor=_user(request), note=payload.note
    )
    return _fresh(remote)


@router.post(
    "/{remote_id}/deliver", response={200: RemoteCaseOut, **ERRORS}, summary="Record the delivery of the result"
)
def deliver(request: HttpRequest, remote_id: RemoteId, payload: DeliverIn) -> RemoteCaseOut:
    _no_nul(payload.tracking_number)
    remote = services.remote_case_deliver(
        remote_case=_get(request, remote_id), actor=_user(request), tracking_number=payload.tracking_number
    )
    return _fresh(remote)
