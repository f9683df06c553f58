"""Drafts and materials: an applicant's draft, its uploads and licences (免提交), and materials
supplied after an acceptance with gaps (容缺)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import Enterprise, User
from tongban.accounts.selectors import user_can_act_for
from tongban.cases import events, store
from tongban.cases.constants import CaseChannel, CaseStatus, DeliveryMethod, MaterialStatus
from tongban.cases.forms import clean_situations
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import rules
from tongban.cases.uploads import Chunked, StoredFile, delete_stored, store_upload
from tongban.cases.workflow import notify_applicant
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError, InvalidTransition, PermissionDenied, ValidationFailed


@transaction.atomic
def case_draft_create(
    *,
    actor: User,
    item: ServiceItem,
    form_data: Mapping[str, Any] | None = None,
    situations: Mapping[str, Any] | None = None,
    enterprise: Enterprise | None = None,
    delivery_method: str = DeliveryMethod.ELECTRONIC,
    delivery_address: str = "",
    delivery_recipient: str = "",
    delivery_phone: str = "",
    channel: str = CaseChannel.ONLINE,
) -> Case:
    if not actor.is_active or actor.kind == UserKind.STAFF:
        raise PermissionDenied(_("Only residents and enterprises can apply."), code="applicant_required")
    if item.status != ItemStatus.PUBLISHED:
        raise ApplicationError(_("This item is not open for applications."), code="item_not_available", status=409)
    if enterprise is not None and not user_can_act_for(user=actor, enterprise=enterprise):
        raise PermissionDenied(_("You may not act for this enterprise."), code="enterprise_forbidden")
    if channel not in CaseChannel.values:
        raise ValidationFailed(_("Unknown channel."), code="invalid_channel")
    rules.validate_delivery(delivery_method, delivery_address)
    cleaned = rules.validate_form(item, form_data or {}, partial=True)
    answers = clean_situations(item, situations or {})
    case = Case(
        applicant=actor,
        enterprise=enterprise,
        item=item,
        department_id=item.department_id,
        region_id=item.region_id,
        form_data=cleaned,
        situations=answers,
        channel=channel,
        delivery_method=delivery_method,
        delivery_address=delivery_address.strip()[:200],
        delivery_recipient=delivery_recipient.strip()[:120],
        delivery_phone=delivery_phone.strip()[:20],
    )
    store.insert_case(case)  # the case and its material rows, in one prepared statement
    events.case_created(case=case, actor=actor, role="applicant")
    return case


@transaction.atomic
def case_draft_update(
    *,
    case: Case,
    actor: User,
    form_data: Mapping[str, Any] | None = None,
    situations: Mapping[str, Any] | None = None,
    delivery_method: str | None = None,
    delivery_address: str | None = None,
    delivery_recipient: str | None = None,
    delivery_phone: str | None = None,
) -> Case:
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED):
        raise InvalidTransition(_("Only drafts and cases returned for correction can be edited."))
    changed: list[str] = []
    if form_data is not None:
        merged = {**case.form_data, **dict(form_data)}
        case.form_data = rules.validate_form(case.item, merged, partial=True)
        changed.append("form_data")
    if situations is not None:
        case.situations = clean_situations(case.item, situations)
        changed.append("situations")
    if delivery_method is not None:
        case.delivery_method = delivery_method
        changed.append("delivery_method")
    if delivery_address is not None:
        case.delivery_address = delivery_address.strip()[:200]
        changed.append("delivery_address")
    if delivery_recipient is not None:
        case.delivery_recipient = delivery_recipient.strip()[:120]
        changed.append("delivery_recipient")
    if delivery_phone is not None:
        case.delivery_phone = delivery_phone.strip()[:20]
        changed.append("delivery_phone")
    rules.validate_delivery(case.delivery_method, case.delivery_address)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
        events.case_draft_updated(case=case, actor=actor, role=role, fields=changed)
    return case


_UPLOAD_STATES = frozenset({CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED})


@transaction.atomic
def case_material_upload(
    *, case: Case, actor: User, material_code: str, source: Chunked | IO[bytes], original_name: str
) -> CaseMaterial:
    """Upload (or replace) a material: by the applicant while drafting or correcting, by the window clerk
    who received the case while it waits for acceptance (scans)."""
    case = rules.lock(case)
    role: str
    if case.received_by_id == actor.pk and case.status == CaseStatus.SUBMITTED:
        role = StaffRoleKind.WINDOW_CLERK
    else:
        role = rules.require_applicant(actor, case)
        if case.status not in _UPLOAD_STATES:
            raise InvalidTransition(_("Materials can be uploaded only to drafts and cases returned for correction."))
    row = rules.material_row(case, material_code)
    stored = store_upload(case_id=case.pk, source=source, original_name=original_name)
    return material_attach_stored(case=case, row=row, stored=stored, actor=actor, role=role)


def material_attach_stored(
    *, case: Case, row: CaseMaterial, stored: StoredFile, actor: User | None, role: str
) -> CaseMaterial:
    """Put a stored file on one of the case's material rows (replacing the file it had) and audit it.

    Runs inside the caller's transaction, with the case locked by the caller."""
    if row.file.name:
        delete_stored(row.file.name)
    row.file.name = stored.path
    row.original_name = stored.original_name
    row.content_type = stored.content_type
    row.size = stored.size
    row.sha256 = stored.sha256
    row.uploaded_at = timezone.now()
    row.uploaded_by = actor
    row.status = MaterialStatus.UPLOADED
    row.licence_number = ""
    row.save(
        update_fields=[
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "uploaded_by",
            "status",
            "licence_number",
        ]
    )
    events.material_uploaded(case=case, material=row, actor=actor, role=role)
    return row


@transaction.atomic
def case_material_reference_licence(
    *, case: Case, actor: User, material_code: str, licence_number: str, consent: bool = True
) -> CaseMaterial:
    """Satisfy a material with an electronic licence (免提交): the licence number is recorded.

    ``consent`` is the applicant's explicit agreement (the apply page's checkbox; calling the API is
    itself the consent); without it nothing is recorded (``consent_required``)."""
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    if case.status not in _UPLOAD_STATES:
        raise InvalidTransition(_("Materials can be changed only in drafts and cases returned for correction."))
    number = (licence_number or "").strip()
    if not number or len(number) > 80:
        raise ValidationFailed(_("Give the licence number."), code="licence_number_required")
    row = rules.material_row(case, material_code)
    if not row.material.licence_type_code:
        raise ValidationFailed(_("This material cannot be replaced by a licence."), code="licence_not_accepted")
    # 免提交: the licence must be the applicant's, of the material's type and valid today; choosing it
    # here is the applicant's consent, and the use is shown to the holder.
    from tongban.licences.services import licence_use_for_case

    number = licence_use_for_case(
        licence_number=number,
        applicant=actor,
        case_number=str(case),
        licence_type_code=row.material.licence_type_code,
        material_code=row.material.code,
        consent=consent,
    ).licence.number
    if row.file.name:
        delete_stored(row.file.name)
        row.file.name = ""
    row.licence_number = number
    row.status = MaterialStatus.LICENCE
    row.save(update_fields=["licence_number", "status", "file"])
    events.material_referenced(case=case, material=row, actor=actor, role=role)
    return row


# ------------------------------------------------------------------ 容缺: supplement


@transaction.atomic
def case_supplement(
    *, case: Case, actor: User, material_code: str, source: Chunked | IO[bytes], original_name: str
) -> Case:
    """Supply a material accepted with a gap; when none is left, the supplement deadline is cleared."""
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    if case.status in {CaseStatus.TERMINATED, CaseStatus.WITHDRAWN} or case.gap_deadline is None:
        raise InvalidTransition(_("No materials are waiting to be supplied for this case."))
    row = rules.material_row(case, material_code)
    if row.status != MaterialStatus.GAP:
        raise ValidationFailed(_("This material is not waiting to be supplied."), code="material_not_gap")
    stored = store_upload(case_id=case.pk, source=source, original_name=original_name)
    row.file.name = stored.path
    row.original_name = stored.original_name
    row.content_type = stored.content_type
    row.size = stored.size
    row.sha256 = stored.sha256
    row.uploaded_at = row.supplied_at = timezone.now()
    row.uploaded_by = actor
    row.status = MaterialStatus.UPLOADED
    row.save(
        update_fields=[
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "supplied_at",
            "uploaded_by",
            "status",
        ]
    )
    events.material_supplied(case=case, material=row, actor=actor, role=role)
    if not case.materials.filter(status=MaterialStatus.GAP).exists():
        case.gap_deadline = None
        case.save(update_fields=["gap_deadline", "updated_at"])
        notify_applicant(
            case,
            subject=gettext("Case %(number)s: all materials supplied") % {"number": case.number},
            body=gettext("Thank you. Every material has now been supplied."),
        )
    return case
