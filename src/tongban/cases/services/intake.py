"""Submission and intake (受理): submit, accept (with gaps), refuse, request a correction, resubmit,
and the comprehensive window's in-person application (一窗受理)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import StaffRole, User
from tongban.cases import events
from tongban.cases.constants import (
    DEFAULT_GAP_DAYS,
    CaseAction,
    CaseChannel,
    DeliveryMethod,
    IdentityCheck,
    MaterialStatus,
)
from tongban.cases.forms import clean_situations
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import rules
from tongban.cases.services.drafts import case_material_upload
from tongban.cases.uploads import Chunked
from tongban.cases.workflow import CASES, materials_elsewhere
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.calendar import add_working_days
from tongban.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import validate_resident_id
from tongban.regions.models import Region


@transaction.atomic
def case_submit(*, case: Case, actor: User) -> Case:
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    CASES.check(case, CaseAction.SUBMIT)
    case.situations = clean_situations(case.item, case.situations, complete=True)
    case.form_data = rules.validate_form(case.item, case.form_data, partial=False)
    missing = rules.missing_for_submission(case)
    if missing:
        rules.raise_missing(case.item, missing)
    case.number = rules.next_number(case)
    case.submitted_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.SUBMIT,
        actor=actor,
        role=role,
        fields=["number", "submitted_at", "form_data", "situations"],
        notice=gettext("Your application was received. Keep the case number to track it."),
    )


@transaction.atomic
def case_accept(*, case: Case, actor: User) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    CASES.check(case, CaseAction.ACCEPT)
    missing = [] if materials_elsewhere(case) else rules.missing_all(case)
    if missing:
        rules.raise_missing(case.item, missing)
    case.accepted_by = actor
    fields = ["accepted_by", *rules.start_clock(case, day=rules.today())]
    return CASES.apply(
        case,
        action=CaseAction.ACCEPT,
        actor=actor,
        role=role,
        fields=fields,
        data={"promised_due_date": str(case.promised_due_date), "provisional": case.due_provisional},
        notice=gettext("Your application was accepted. It will be decided by %(date)s.")
        % {"date": case.promised_due_date},
    )


@transaction.atomic
def case_accept_with_gaps(
    *, case: Case, actor: User, gap_materials: Sequence[str], supplement_days: int = DEFAULT_GAP_DAYS
) -> Case:
    """容缺受理: accept with non-key materials to be supplied within ``supplement_days`` working days."""
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    CASES.check(case, CaseAction.ACCEPT_WITH_GAPS)
    if not case.item.gap_acceptance_allowed:
        raise ApplicationError(
            _("This item does not allow acceptance with missing materials."), code="gaps_not_allowed", status=409
        )
    if not 1 <= supplement_days <= 60:
        raise ValidationFailed(_("The supplement period must be 1 to 60 working days."), code="invalid_gap_days")
    wanted = list(dict.fromkeys(gap_materials))
    if not wanted:
        raise ValidationFailed(_("List the materials to be supplied later."), code="gap_materials_required")
    missing = rules.missing_all(case)
    rows = {r.material.code: r for r in case.materials.select_related("material")}
    for code in wanted:
        row = rows.get(code)
        if row is None:
            raise NotFound(_("The item asks for no such material."), code="material_not_found")
        if not row.material.gap_allowed:
            raise ValidationFailed(
                _("“%(name)s” is a key material and cannot be supplied later.") % {"name": row.material.name},
                code="material_not_gap_allowed",
            )
        if code not in missing:
            raise ValidationFailed(
                _("“%(name)s” has already been provided.") % {"name": row.material.name}, code="material_provided"
            )
    still = [c for c in missing if c not in wanted]
    if still:
        rules.raise_missing(case.item, still)
    deadline = add_working_days(rules.today(), supplement_days).date
    for code in wanted:
        row = rows[code]
        row.status = MaterialStatus.GAP
        row.gap_deadline = deadline
        row.save(update_fields=["status", "gap_deadline"])
    case.accepted_by = actor
    case.gap_deadline = deadline
    fields = ["accepted_by", "gap_deadline", *rules.start_clock(case, day=rules.today())]
    names = "、".join(rows[c].material.name for c in wanted)
    return CASES.apply(
        case,
        action=CaseAction.ACCEPT_WITH_GAPS,
        actor=actor,
        role=role,
        fields=fields,
        data={"gap_materials": wanted, "gap_deadline": str(deadline)},
        notice=gettext(
            "Your application was accepted. Please supply %(names)s by %(date)s, or the case will be terminated."
        )
        % {"names": names, "date": deadline},
    )


@transaction.atomic
def case_reject_at_intake(*, case: Case, actor: User, reason: str) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    return rules.end_with_reasons(case, action=CaseAction.REJECT_AT_INTAKE, actor=actor, role=role, reason=reason)


@transaction.atomic
def case_request_correction(*, case: Case, actor: User, materials: Sequence[str], note: str = "") -> Case:
    """补正: tell the applicant at once and in full what to correct; the clock has not started."""
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    CASES.check(case, CaseAction.REQUEST_CORRECTION)
    codes = list(dict.fromkeys(materials))
    if not codes:
        raise ValidationFailed(_("List the materials to correct."), code="correction_materials_required")
    known = dict(case.materials.values_list("material__code", "material__name"))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise NotFound(_("The item asks for no such material."), code="material_not_found", details=unknown)
    case.correction_materials = codes
    case.correction_note = (note or "").strip()[:2000]
    names = "、".join(known[c] for c in codes)
    return CASES.apply(
        case,
        action=CaseAction.REQUEST_CORRECTION,
        actor=actor,
        role=role,
        fields=["correction_materials", "correction_note"],
        reason=case.correction_note,
        data={"materials": codes},
        notice=gettext("Please correct these materials and resubmit: %(names)s. %(note)s")
        % {"names": names, "note": case.correction_note},
    )


@transaction.atomic
def case_resubmit(*, case: Case, actor: User) -> Case:
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    CASES.check(case, CaseAction.RESUBMIT)
    case.form_data = rules.validate_form(case.item, case.form_data, partial=False)
    missing = rules.missing_for_submission(case)
    if missing:
        rules.raise_missing(case.item, missing)
    case.submitted_at = timezone.now()
    return CASES.apply(case, action=CaseAction.RESUBMIT, actor=actor, role=role, fields=["submitted_at", "form_data"])


# ------------------------------------------------------------------ window acceptance (综合窗口)


@dataclass
class WindowApplicant:
    id_number: str
    full_name: str
    phone: str = ""
    address: str = ""


def resident_for(*, applicant: WindowApplicant, region: Region) -> User:
    """The resident with the applicant's ID number, or a new one registered with it (in ``region``)."""
    id_number = validate_resident_id(applicant.id_number)
    name = applicant.full_name.strip()
    user = User.objects.select_for_update().filter(id_number=id_number).first()
    if user is not None:
        if user.kind == UserKind.STAFF:
            raise ValidationFailed(_("This ID number belongs to a staff account."), code="applicant_is_staff")
        if name and user.full_name and user.full_name != name:
            raise ValidationFailed(
                _("The name does not match the name registered for this ID number."), code="name_mismatch"
            )
        return user
    if not name:
        raise ValidationFailed(_("Give the applicant's full name."), code="full_name_required")
    user = User(
        username=f"id{id_number}",
        kind=UserKind.RESIDENT,
        id_number=id_number,
        full_name=name[:120],
        phone=applicant.phone.strip()[:20],
        address=applicant.address.strip()[:200],
        region=region,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def case_window_receive(
    *,
    actor: User,
    applicant: WindowApplicant,
    item: ServiceItem,
    form_data: Mapping[str, Any],
    identity_check_method: str,
    situations: Mapping[str, Any] | None = None,
    delivery_method: str = DeliveryMethod.WINDOW,
    delivery_address: str = "",
    scans: Mapping[str, tuple[Chunked | IO[bytes], str]] | None = None,
    accept: bool = True,
) -> Case:
    """一窗受理: a clerk receives an in-person application for any department's item of the region.

    The resident is found (or registered) by ID number; the case is submitted in their name
    with the clerk recorded as receiver and how identity was checked. With ``accept`` and
    every required material scanned, the clerk accepts it at once and it goes to the
    department's reviewers (受审分离).
    """
    if (
        not actor.is_active
        or not StaffRole.objects.filter(
            user=actor, role=StaffRoleKind.WINDOW_CLERK, department__region_id=item.region_id
        ).exists()
    ):
        raise PermissionDenied(_("Only a window clerk of this region may receive applications."), code="clerk_required")
    if identity_check_method not in IdentityCheck.values or identity_check_method == IdentityCheck.ONLINE_LOGIN:
        raise ValidationFailed(_("Record how the applicant's identity was checked."), code="identity_check_required")
    if item.status != ItemStatus.PUBLISHED:
        raise ApplicationError(_("This item is not open for applications."), code="item_not_available", status=409)
    rules.validate_delivery(delivery_method, delivery_address)
    resident = resident_for(applicant=applicant, region=item.region)
    answers = clean_situations(item, situations or {}, complete=True)
    cleaned = rules.validate_form(item, form_data, partial=False)
    case = Case.objects.create(
        applicant=resident,
        item=item,
        department_id=item.department_id,
        region_id=item.region_id,
        form_data=cleaned,
        situations=answers,
        channel=CaseChannel.WINDOW,
        received_by=actor,
        identity_check=identity_check_method,
        delivery_method=delivery_method,
        delivery_address=delivery_address.strip()[:200],
    )
    CaseMaterial.objects.bulk_create([CaseMaterial(case=case, material=m) for m in item.materials.all()])
    events.case_created(case=case, actor=actor, role=StaffRoleKind.WINDOW_CLERK)
    case.number = rules.next_number(case)
    case.submitted_at = timezone.now()
    CASES.apply(
        case,
        action=CaseAction.SUBMIT,
        actor=actor,
        role=StaffRoleKind.WINDOW_CLERK,
        fields=["number", "submitted_at"],
        notice=gettext("Your application was received at the service window."),
    )
    events.case_window_received(
        case=case, actor=actor, role=StaffRoleKind.WINDOW_CLERK, identity_check=identity_check_method
    )
    for code, (source, name) in (scans or {}).items():
        case_material_upload(case=case, actor=actor, material_code=code, source=source, original_name=name)
    if accept and not rules.missing_all(case):
        case = case_accept(case=case, actor=actor)
    return case
