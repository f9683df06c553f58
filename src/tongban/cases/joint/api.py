"""``/api/v1/joint-cases/``: apply for a joint case (多地联办), read it with both steps and one timeline,
record the outgoing step's transfer certificate. Errors are ``{"code", "message"}`` with 4xx."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.api import ERRORS, CaseId, _no_nul
from tongban.cases.joint import selectors, services
from tongban.cases.joint.models import JointCase
from tongban.cases.models import Case

router = Router(tags=["joint cases"], auth=api_auth)


class JointApplyIn(Schema):
    case_id: CaseId
    other_region: Annotated[str, Field(pattern=r"^\d{6}$")]
    role: Literal["incoming", "outgoing"] = "incoming"


class CertificateIn(Schema):
    fields: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)] | int | None] = Field(
        max_length=20
    )


class StepOut(Schema):
    role: str
    role_label: str
    region: str
    region_name: str
    local: bool
    case_id: int | None
    case_number: str
    status: str
    status_label: str
    department: str
    accepted_on: dt.date | None
    promised_due_date: dt.date | None
    legal_due_date: dt.date | None
    due_provisional: bool
    reasons: str
    certificate: dict[str, str]


class EventOut(Schema):
    id: uuid.UUID
    at: dt.datetime
    action: str
    label: str
    role: str
    region: str
    status: str
    note: str


class JointOut(Schema):
    id: uuid.UUID
    item_name: str
    base_code: str
    status: str
    status_label: str
    source_region: str
    destination_region: str
    initiator_region: str
    failure_reasons: str
    steps: list[StepOut]
    timeline: list[EventOut]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _out(joint: JointCase, *, staff: bool) -> JointOut:
    view = selectors.joint_view(joint=joint)
    return JointOut(
        id=joint.joint_id,
        item_name=joint.item_name,
        base_code=joint.base_code,
        status=joint.status,
        status_label=view.status_label,
        source_region=joint.source_region,
        destination_region=joint.destination_region,
        initiator_region=joint.initiator_region,
        failure_reasons=joint.failure_reasons,
        steps=[
            StepOut(
                role=s.step.role,
                role_label=s.role_label,
                region=s.step.region_code,
                region_name=s.region_name,
                local=s.is_local,
                case_id=s.step.case_id,
                case_number=s.step.case_number,
                status=s.step.status,
                status_label=s.status_label,
                department=s.step.department_name,
                accepted_on=s.step.accepted_on,
                promised_due_date=s.step.promised_due_date,
                legal_due_date=s.step.legal_due_date if staff else None,
                due_provisional=s.step.due_provisional,
                reasons=s.step.reasons,
                certificate=dict(s.step.certificate),
            )
            for s in view.steps
        ],
        timeline=[
            EventOut(
                id=e.event.event_id,
                at=e.event.occurred_at,
                action=e.event.action,
                label=e.label,
                role=e.event.role,
                region=e.event.region_code,
                status=e.event.status,
                note=e.event.note,
            )
            for e in view.events
        ],
    )


def _writable_case(request: HttpRequest, case_id: int) -> Case:
    user = _user(request)
    case = Case.objects.select_related("item", "department", "applicant").filter(pk=case_id).first()
    access = case_selectors.access_for(user=user, case=case) if case is not None else None
    if case is None or access is None:
        raise case_services.CaseNotFound()
    case_selectors.require_write(access)
    return case


@router.post("/", response={201: JointOut, **ERRORS}, summary="Submit a draft of a joint item as a joint case")
def joint_apply(request: HttpRequest, payload: JointApplyIn) -> Status[JointOut]:
    case = _writable_case(request, payload.case_id)
    joint = services.joint_case_apply(
        case=case, actor=_user(request), other_region=payload.other_region, role=payload.role
    )
    return Status(201, _out(joint, staff=False))


@router.get("/", response={200: list[JointOut], **ERRORS}, summary="Joint cases the caller may see")
def joint_list(
    request: HttpRequest,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0,
) -> list[JointOut]:
    user = _user(request)
    rows = selectors.joint_visible(user=user)[offset : offset + limit]
    return [_out(j, staff=user.kind == "staff") for j in rows]


@router.get("/{joint_id}", response={200: JointOut, **ERRORS}, summary="One joint case: both steps, one timeline")
def joint_detail(request: HttpRequest, joint_id: uuid.UUID) -> JointOut:
    joint, role = selectors.joint_get_for_user(user=_user(request), joint_id=joint_id, reason="api")
    return _out(joint, staff=role != "applicant")


@router.post(
    "/cases/{case_id}/certificate",
    response={200: JointOut, **ERRORS},
    summary="Record the transfer certificate of the outgoing step (its department's reviewers)",
)
def certificate_record(request: HttpRequest, payload: CertificateIn, case_id: CaseId) -> JointOut:
    _no_nul(payload.fields)
    case = _writable_case(request, case_id)
    step = services.joint_certificate_record(case=case, actor=_user(request), data=payload.fields)
    return _out(step.joint, staff=True)
