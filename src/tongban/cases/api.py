"""``/api/v1/cases/``: drafts, submission, uploads, every transition, timeline, queues, search, ratings.

Business errors come back as ``{"code", "message"}`` with a 4xx status. A case the caller
may not see is answered ``404 case_not_found``; one they may see but not act on is ``403``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import Enterprise, User
from tongban.cases import events, extensions, selectors, services
from tongban.cases.constants import CaseStatus, DeliveryMethod, allowed_actions
from tongban.cases.models import Case, CaseMaterial, VerificationTask
from tongban.cases.uploads import open_stored
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.db import CompiledQuery
from tongban.core.errors import NotFound, ValidationFailed
from tongban.core.text import JsonObject

router = Router(tags=["cases"], auth=api_auth)

MAX_ID = 2**63 - 1
CaseId = Annotated[int, Field(ge=1, le=MAX_ID)]
Limit = Annotated[int, Field(ge=1, le=200)]
Offset = Annotated[int, Field(ge=0, le=100000)]
Code = Annotated[str, Field(min_length=1, max_length=40)]


# ------------------------------------------------------------------ input hygiene


def _no_nul(value: Any, *, depth: int = 0) -> Any:
    """Refuse NUL characters (PostgreSQL cannot store them) and absurdly deep JSON."""
    if depth > 5:
        raise ValidationFailed(_("The data is nested too deeply."), code="invalid_form_data")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed(_("Text must not contain NUL characters."), code="invalid_characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k, depth=depth + 1)
            _no_nul(v, depth=depth + 1)
    elif isinstance(value, list):
        for v in value:
            _no_nul(v, depth=depth + 1)
    return value


# ------------------------------------------------------------------ schemas


class MaterialOut(Schema):
    code: str
    name: str
    required: bool
    gap_allowed: bool
    status: str
    content_type: str
    size: int
    sha256: str
    original_name: str
    licence_number: str
    gap_deadline: dt.date | None

    @classmethod
    def from_row(cls, row: CaseMaterial) -> MaterialOut:
        return cls(
            code=row.material.code,
            name=row.material.name,
            required=row.material.required,
            gap_allowed=row.material.gap_allowed,
            status=row.status,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            original_name=row.original_name,
            licence_number=row.licence_number,
            gap_deadline=row.gap_deadline,
        )


class CaseSummaryOut(Schema):
    id: int
    number: str | None
    status: str
    status_label: str
    item_code: str
    item_name: str
    department: str
    applicant_name: str
    channel: str
    submitted_at: dt.datetime | None
    promised_due_date: dt.date | None
    due_provisional: bool
    deadline_level: str

    @classmethod
    def from_case(cls, case: Case) -> CaseSummaryOut:
        return cls(
            id=case.pk,
            number=case.number,
            status=case.status,
            status_label=str(CaseStatus(case.status).label),
            item_code=case.item.code,
            item_name=case.item.name,
            department=case.department.name,
            applicant_name=case.applicant.display_name,
            channel=case.channel,
            submitted_at=case.submitted_at,
            promised_due_date=case.promised_due_date,
            due_provisional=case.due_provisional,
            deadline_level=selectors.case_deadline_level(case=case),
        )


class CaseOut(CaseSummaryOut):
    form_data: dict[str, Any]
    situations: dict[str, Any]
    enterprise_id: int | None
    accepted_on: dt.date | None
    legal_due_date: dt.date | None
    suspended_working_days: int
    correction_materials: list[str]
    correction_note: str
    decision_reasons: str
    gap_deadline: dt.date | None
    commitment_signed_at: dt.datetime | None
    result_number: str
    delivery_method: str
    delivery_address: str
    tracking_number: str
    received_by: str | None
    identity_check: str
    materials: list[MaterialOut]
    allowed_actions: list[str]

    @classmethod
    def build(cls, case: Case) -> CaseOut:
        summary = CaseSummaryOut.from_case(case).model_dump()
        return cls(
            **summary,
            form_data=case.form_data,
            situations=case.situations,
            enterprise_id=case.enterprise_id,
            accepted_on=case.accepted_on,
            legal_due_date=case.legal_due_date,
            suspended_working_days=case.suspended_working_days,
            correction_materials=list(case.correction_materials),
            correction_note=case.correction_note,
            decision_reasons=case.decision_reasons,
            gap_deadline=case.gap_deadline,
            commitment_signed_at=case.commitment_signed_at,
            result_number=case.result_number,
            delivery_method=case.delivery_method,
            delivery_address=case.delivery_address,
            tracking_number=case.tracking_number,
            received_by=case.received_by.username if case.received_by else None,
            identity_check=case.identity_check,
            materials=[MaterialOut.from_row(r) for r in selectors.case_materials(case=case)],
            allowed_actions=[a.value for a in allowed_actions(case.status)],
        )


class DraftIn(Schema):
    item_code: str = Field(min_length=1, max_length=60)
    form_data: JsonObject = {}
    situations: dict[str, str] = {}
    enterprise_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    delivery_method: DeliveryMethod = DeliveryMethod.ELECTRONIC
    delivery_address: str = Field(default="", max_length=200)
    delivery_recipient: str = Field(default="", max_length=120)
    delivery_phone: str = Field(default="", max_length=20)


class DraftPatchIn(Schema):
    form_data: JsonObject | None = None
    situations: dict[str, str] | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: str | None = Field(default=None, max_length=200)
    delivery_recipient: str | None = Field(default=None, max_length=120)
    delivery_phone: str | None = Field(default=None, max_length=20)


class ReasonIn(Schema):
    reason: str = Field(default="", max_length=2000)


class NoteIn(Schema):
    note: str = Field(default="", max_length=2000)


class CorrectionIn(Schema):
    materials: list[str] = Field(max_length=100)
    note: str = Field(default="", max_length=2000)


class GapsIn(Schema):
    gap_materials: list[str] = Field(max_length=100)
    supplement_days: int = Field(default=5, ge=1, le=60)


class IssueIn(Schema):
    result_number: str = Field(default="", max_length=80)
    note: str = Field(default="", max_length=2000)


class DeliverIn(Schema):
    tracking_number: str = Field(default="", max_length=60)


class CommitmentIn(Schema):
    agreed: bool


class LicenceRefIn(Schema):
    licence_number: str = Field(min_length=1, max_length=80)


class WindowIn(Schema):
    id_number: str = Field(min_length=1, max_length=18)
    full_name: str = Field(default="", max_length=120)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=200)
    item_code: str = Field(min_length=1, max_length=60)
    form_data: JsonObject = {}
    situations: dict[str, str] = {}
    identity_check_method: str = Field(max_length=20)
    delivery_method: DeliveryMethod = DeliveryMethod.WINDOW
    delivery_address: str = Field(default="", max_length=200)
    accept: bool = True


class TimelineEntryOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    actor: str
    role: str
    reason: str
    data: dict[str, Any]


class RatingIn(Schema):
    stars: int = Field(ge=1, le=5)
    tags: list[str] = Field(default=[], max_length=20)
    text: str = Field(default="", max_length=2000)


class RatingOut(Schema):
    case_id: int
    stars: int
    tags: list[str]
    text: str
    created_at: dt.datetime
    rectification_due: dt.date | None


class VerificationOut(Schema):
    id: int
    case_id: int
    case_number: str | None
    status: str
    due_date: dt.date
    due_provisional: bool
    findings: str

    @classmethod
    def from_task(cls, task: VerificationTask) -> VerificationOut:
        return cls(
            id=task.pk,
            case_id=task.case_id,
            case_number=task.case.number,
            status=task.status,
            due_date=task.due_date,
            due_provisional=task.due_provisional,
            findings=task.findings,
        )


class VerifyIn(Schema):
    ok: bool
    findings: str = Field(default="", max_length=4000)


class ErrorOut(Schema):
    code: str
    message: str


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
}


# ------------------------------------------------------------------ helpers


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _published_item(code: str) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("department", "region")
        .filter(code=code, status=ItemStatus.PUBLISHED)
        .first()
    )
    if item is None:
        raise NotFound(_("The item was not found."), code="item_not_found")
    return item


_CASE_FOR_WRITE = CompiledQuery(
    lambda pk: Case.objects.select_related("item", "department", "applicant").filter(pk=pk), arity=1
)


def _for_write(request: HttpRequest, case_id: int) -> Case:
    user = _user(request)
    case = _CASE_FOR_WRITE.first(case_id)
    access = selectors.access_for(user=user, case=case) if case is not None else None
    if case is None or access is None:
        raise services.CaseNotFound()
    selectors.require_write(access)
    return case


def _out(case: Case) -> CaseOut:
    fresh = Case.objects.select_related("item", "department", "applicant", "received_by").get(pk=case.pk)
    return CaseOut.build(fresh)


def _out_after(case: Case, before: Case) -> CaseOut:
    """A transition's answer: the case as the service saved it (the row it locked, with its item),
    without reading it again; the department and the applicant are the ones read before (no
    transition changes them)."""
    if case.department_id == before.department_id and Case.department.is_cached(before):
        Case.department.field.set_cached_value(case, before.department)
    if case.applicant_id == before.applicant_id and Case.applicant.is_cached(before):
        Case.applicant.field.set_cached_value(case, before.applicant)
    return CaseOut.build(case)


def _page(qs: Any, limit: int, offset: int) -> list[CaseSummaryOut]:
    return [CaseSummaryOut.from_case(c) for c in qs[offset : offset + limit]]


# ------------------------------------------------------------------ collections


@router.get("/", response={200: list[CaseSummaryOut], **ERRORS}, summary="Cases the caller may see")
def case_list(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> list[CaseSummaryOut]:
    return _page(selectors.case_list_for_user(user=_user(request)), limit, offset)


@router.get("/mine", response={200: list[CaseSummaryOut], **ERRORS}, summary="The applicant's own cases")
def case_mine(request: HttpRequest, limit: Limit = 50, offset: Offset = 0) -> list[CaseSummaryOut]:
    return _page(selectors.my_cases(user=_user(request)), limit, offset)


@router.get(
    "/queue", response={200: list[CaseSummaryOut], **ERRORS}, summary="Workbench queue by department and due date"
)
def case_queue(
    request: HttpRequest,
    department: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None,
    due: Annotated[str | None, Field(max_length=20)] = None,
    status: Annotated[str | None, Field(max_length=30)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[CaseSummaryOut]:
    qs = selectors.case_queue(user=_user(request), department_id=department, due=due, status=status)
    return _page(qs, limit, offset)


@router.get(
    "/search", response={200: list[CaseSummaryOut], **ERRORS}, summary="Search by case number, applicant or item"
)
def case_search(
    request: HttpRequest, q: Annotated[str, Field(max_length=100)], limit: Limit = 50
) -> list[CaseSummaryOut]:
    _no_nul(q)
    return _page(selectors.case_search(user=_user(request), q=q), limit, 0)


@router.post("/drafts", response={201: CaseOut, **ERRORS}, summary="Start an application (draft)")
def draft_create(request: HttpRequest, payload: DraftIn) -> Status[CaseOut]:
    _no_nul(payload.model_dump())
    user = _user(request)
    enterprise = None
    if payload.enterprise_id is not None:
        enterprise = Enterprise.objects.filter(pk=payload.enterprise_id).first()
        if enterprise is None:
            raise NotFound(_("The enterprise was not found."), code="enterprise_not_found")
    case = services.case_draft_create(
        actor=user,
        item=_published_item(payload.item_code),
        form_data=payload.form_data,
        situations=payload.situations,
        enterprise=enterprise,
        delivery_method=payload.delivery_method,
        delivery_address=payload.delivery_address,
        delivery_recipient=payload.delivery_recipient,
        delivery_phone=payload.delivery_phone,
    )
    return Status(201, _out(case))


@router.post("/window", response={201: CaseOut, **ERRORS}, summary="Receive an application at a window (一窗受理)")
def window_receive(request: HttpRequest, payload: WindowIn) -> Status[CaseOut]:
    _no_nul(payload.model_dump())
    case = services.case_window_receive(
        actor=_user(request),
        applicant=services.WindowApplicant(
            id_number=payload.id_number, full_name=payload.full_name, phone=payload.phone, address=payload.address
        ),
        item=_published_item(payload.item_code),
        form_data=payload.form_data,
        situations=payload.situations,
        identity_check_method=payload.identity_check_method,
        delivery_method=payload.delivery_method,
        delivery_address=payload.delivery_address,
        accept=payload.accept,
    )
    return Status(201, _out(case))


@router.get("/verification-tasks", response={200: list[VerificationOut], **ERRORS}, summary="Commitments to verify")
def verification_list(
    request: HttpRequest, status: Annotated[str | None, Field(max_length=20)] = None
) -> list[VerificationOut]:
    return [
        VerificationOut.from_task(t) for t in selectors.verification_tasks_for(user=_user(request), status=status)[:200]
    ]


@router.post(
    "/verification-tasks/{task_id}/verify", response={200: VerificationOut, **ERRORS}, summary="Record a verification"
)
def verification_verify(request: HttpRequest, payload: VerifyIn, task_id: CaseId) -> VerificationOut:
    _no_nul(payload.findings)
    task = selectors.verification_task_get_for_user(user=_user(request), task_id=task_id)
    task = services.task_verify(task=task, actor=_user(request), ok=payload.ok, findings=payload.findings)
    return VerificationOut.from_task(task)


# ------------------------------------------------------------------ one case


@router.get("/{case_id}", response={200: CaseOut, **ERRORS}, summary="One case (staff reads are audited)")
def case_detail(request: HttpRequest, case_id: CaseId, reason: Annotated[str, Field(max_length=200)] = "") -> CaseOut:
    _no_nul(reason)
    case, _access = selectors.case_get_for_user(user=_user(request), case_id=case_id, reason=reason or "api")
    return _out(case)


@router.patch("/{case_id}", response={200: CaseOut, **ERRORS}, summary="Update a draft")
def draft_update(request: HttpRequest, payload: DraftPatchIn, case_id: CaseId) -> CaseOut:
    _no_nul(payload.model_dump())
    case = services.case_draft_update(
        case=_for_write(request, case_id),
        actor=_user(request),
        form_data=payload.form_data,
        situations=payload.situations,
        delivery_method=payload.delivery_method,
        delivery_address=payload.delivery_address,
        delivery_recipient=payload.delivery_recipient,
        delivery_phone=payload.delivery_phone,
    )
    return _out(case)


@router.get("/{case_id}/timeline", response={200: list[TimelineEntryOut], **ERRORS}, summary="Progress timeline")
def case_timeline(request: HttpRequest, case_id: CaseId) -> list[TimelineEntryOut]:
    case, access = selectors.case_get_for_user(user=_user(request), case_id=case_id, reason="timeline")
    return [
        TimelineEntryOut(
            seq=e.seq,
            at=e.occurred_at,
            action=e.action,
            actor=e.actor_label if access.role != "applicant" or e.actor_id == case.applicant_id else "",
            role=e.actor_role,
            reason=e.reason,
            data=e.data,
        )
        for e in selectors.case_timeline(case=case, access=access)
    ]


@router.post(
    "/{case_id}/materials/{code}", response={200: MaterialOut, **ERRORS}, summary="Upload a material (multipart)"
)
def material_upload(
    request: HttpRequest,
    code: Code,
    file: File[UploadedFile],
    case_id: CaseId,
) -> MaterialOut:
    _no_nul(code)
    row = services.case_material_upload(
        case=_for_write(request, case_id),
        actor=_user(request),
        material_code=code,
        source=file,
        original_name=file.name or "upload",
    )
    return MaterialOut.from_row(row)


@router.post(
    "/{case_id}/materials/{code}/licence",
    response={200: MaterialOut, **ERRORS},
    summary="Satisfy a material with a licence",
)
def material_licence(request: HttpRequest, payload: LicenceRefIn, code: Code, case_id: CaseId) -> MaterialOut:
    _no_nul([code, payload.licence_number])
    row = services.case_material_reference_licence(
        case=_for_write(request, case_id),
        actor=_user(request),
        material_code=code,
        licence_number=payload.licence_number,
    )
    return MaterialOut.from_row(row)


@router.get("/{case_id}/materials/{code}/file", response={200: None, **ERRORS}, summary="Download a material")
def material_file(request: HttpRequest, code: Code, case_id: CaseId) -> FileResponse:
    _no_nul(code)
    case, access = selectors.case_get_for_user(user=_user(request), case_id=case_id, reason="material")
    row = case.materials.select_related("material").filter(material__code=code).first()
    if row is None or not row.file.name:
        raise NotFound(_("The file was not found."), code="file_not_found")
    if access.role != "applicant":
        from django.db import transaction

        with transaction.atomic():
            events.material_downloaded(case=case, material=row, actor=_user(request), role=access.role, reason="api")
    return FileResponse(open_stored(row.file.name), content_type=row.content_type, filename=row.original_name)


@router.post(
    "/{case_id}/supplement/{code}", response={200: CaseOut, **ERRORS}, summary="Supply a material accepted with a gap"
)
def supplement(
    request: HttpRequest,
    code: Code,
    file: File[UploadedFile],
    case_id: CaseId,
) -> CaseOut:
    _no_nul(code)
    case = services.case_supplement(
        case=_for_write(request, case_id),
        actor=_user(request),
        material_code=code,
        source=file,
        original_name=file.name or "upload",
    )
    return _out(case)


# ------------------------------------------------------------------ transitions


def _action(path: str, summary: str, body: type[Schema] | None, run: Callable[[Case, User, Any], Case]) -> None:
    def view(request: HttpRequest, case_id: CaseId) -> CaseOut:
        before = _for_write(request, case_id)
        return _out_after(run(before, _user(request), None), before)

    def view_with_body(request: HttpRequest, payload: Any, case_id: CaseId) -> CaseOut:
        _no_nul(payload.model_dump())
        before = _for_write(request, case_id)
        return _out_after(run(before, _user(request), payload), before)

    chosen: Callable[..., CaseOut] = view
    if body is not None:
        view_with_body.__annotations__["payload"] = body
        chosen = view_with_body
    chosen.__name__ = f"case_{path.replace('-', '_')}"
    router.post(
        f"/{{case_id}}/{path}", response={200: CaseOut, **ERRORS}, summary=summary, operation_id=chosen.__name__
    )(chosen)


_action("submit", "Submit a draft", None, lambda c, u, p: services.case_submit(case=c, actor=u))
_action("accept", "Accept (受理)", None, lambda c, u, p: services.case_accept(case=c, actor=u))
_action(
    "accept-with-gaps",
    "Accept with materials to follow (容缺受理)",
    GapsIn,
    lambda c, u, p: services.case_accept_with_gaps(
        case=c, actor=u, gap_materials=p.gap_materials, supplement_days=p.supplement_days
    ),
)
_action(
    "reject",
    "Refuse to accept (不予受理)",
    ReasonIn,
    lambda c, u, p: services.case_reject_at_intake(case=c, actor=u, reason=p.reason),
)
_action(
    "request-correction",
    "Request correction (补正)",
    CorrectionIn,
    lambda c, u, p: services.case_request_correction(case=c, actor=u, materials=p.materials, note=p.note),
)
_action("resubmit", "Resubmit after correction", None, lambda c, u, p: services.case_resubmit(case=c, actor=u))
_action("start-review", "Start the review", None, lambda c, u, p: services.case_start_review(case=c, actor=u))
_action("approve", "Approve", NoteIn, lambda c, u, p: services.case_approve(case=c, actor=u, note=p.note))
_action("deny", "Deny with reasons", ReasonIn, lambda c, u, p: services.case_deny(case=c, actor=u, reasons=p.reason))
_action(
    "issue-result",
    "Issue the result",
    IssueIn,
    lambda c, u, p: services.case_issue_result(case=c, actor=u, result_number=p.result_number, note=p.note),
)
_action(
    "deliver",
    "Deliver the result",
    DeliverIn,
    lambda c, u, p: services.case_deliver(case=c, actor=u, tracking_number=p.tracking_number),
)
_action("close", "Close", None, lambda c, u, p: services.case_close(case=c, actor=u))
_action(
    "withdraw",
    "Withdraw (applicant)",
    ReasonIn,
    lambda c, u, p: services.case_withdraw(case=c, actor=u, reason=p.reason),
)
_action(
    "suspend", "Suspend (特别程序)", ReasonIn, lambda c, u, p: services.case_suspend(case=c, actor=u, reason=p.reason)
)
_action("resume", "Resume after suspension", None, lambda c, u, p: services.case_resume(case=c, actor=u))
_action("terminate", "Terminate", ReasonIn, lambda c, u, p: services.case_terminate(case=c, actor=u, reason=p.reason))
_action(
    "sign-commitment",
    "Sign the commitment (告知承诺制)",
    CommitmentIn,
    lambda c, u, p: services.case_sign_commitment(case=c, actor=u, agreed=p.agreed),
)


# ------------------------------------------------------------------ ratings


def _rating_out(case_id: int) -> RatingOut:
    rating = extensions.ratings().rating_for_case(case_id)
    if rating is None:
        raise NotFound(_("The case has not been rated."), code="rating_not_found")
    task = getattr(rating, "rectification", None)
    return RatingOut(
        case_id=case_id,
        stars=rating.stars,
        tags=list(rating.tags),
        text=rating.text,
        created_at=rating.created_at,
        rectification_due=task.due_date if task is not None else None,
    )


@router.post("/{case_id}/rating", response={201: RatingOut, **ERRORS}, summary="Rate a closed case (好差评)")
def rating_create(request: HttpRequest, payload: RatingIn, case_id: CaseId) -> Status[RatingOut]:
    _no_nul(payload.model_dump())
    case = _for_write(request, case_id)
    extensions.ratings().rating_create(
        case=case, actor=_user(request), stars=payload.stars, tags=payload.tags, text=payload.text
    )
    return Status(201, _rating_out(case.pk))


@router.get("/{case_id}/rating", response={200: RatingOut, **ERRORS}, summary="The case's rating")
def rating_get(request: HttpRequest, case_id: CaseId) -> RatingOut:
    case, _access = selectors.case_get_for_user(user=_user(request), case_id=case_id, reason="rating")
    return _rating_out(case.pk)
