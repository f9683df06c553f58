"""Writes of the case workflow.

Every transition: locks the case row, checks the allowed previous states in
``constants.TRANSITIONS``, checks the actor's role, saves with ``update_fields``, writes an
audit event on ``case:<id>`` and puts a notification in the applicant's inbox (SMS/email
delivery happens after commit), all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import Enterprise, StaffRole, User
from tongban.accounts.notifications import notify_inbox
from tongban.accounts.selectors import user_can_act_for
from tongban.cases import acceptance, events, signals
from tongban.cases.constants import (
    DEFAULT_GAP_DAYS,
    DEFAULT_VERIFICATION_DAYS,
    GAP_REMINDER_WORKING_DAYS,
    TRANSITIONS,
    CaseAction,
    CaseChannel,
    CaseStatus,
    DeliveryMethod,
    IdentityCheck,
    MaterialStatus,
    VerificationStatus,
)
from tongban.cases.forms import clean_situations, item_materials, material_slots, validate_form_data
from tongban.cases.models import Case, CaseMaterial, CaseNumberCounter, VerificationTask
from tongban.cases.uploads import Chunked, StoredFile, delete_stored, store_upload
from tongban.catalog.constants import CrossRegionMode, ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.audit import hint_head
from tongban.core.calendar import add_working_days, add_working_days_each, working_days_between
from tongban.core.db import CompiledQuery, execute, insert, save_fields, write_batch
from tongban.core.errors import (
    ApplicationError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import validate_resident_id
from tongban.core.models import AuditStreamHead
from tongban.regions.models import Region

# ------------------------------------------------------------------ errors


class CaseNotFound(NotFound):
    default_code = "case_not_found"
    default_message = _("The case was not found.")


class ItemOfPeerRegion(ApplicationError):
    """A peer region's item is applied for through the cross-region paths (forwarding), never as a
    local case: it would be numbered in the peer's numbering and sent to a department nobody here serves."""

    status = 409
    default_code = "item_of_peer_region"
    default_message = _(
        "This item is handled by another region. Apply for it through the cross-region services (跨省通办)."
    )


def case_number_is_applicants(case_number: str, user: User) -> bool:
    """Whether ``case_number`` names a case ``user`` may act on as its applicant (a submitted case's
    number, or ``draft #id`` as a draft is named); registered with licences (``POST /licences/uses``)."""
    case = Case.objects.select_related("enterprise").filter(number=case_number).first() if case_number else None
    if case is None and case_number.startswith("draft #") and case_number[7:].isdigit():
        case = Case.objects.select_related("enterprise").filter(pk=int(case_number[7:]), number__isnull=True).first()
    return case is not None and user.is_active and is_applicant_side(actor=user, case=case)


def require_local_item(item: ServiceItem) -> None:
    """Refuse an item of a peer region (``ItemOfPeerRegion``) for a local application."""
    if not item.is_local:
        raise ItemOfPeerRegion(details={"region": item.region_id, "item": item.code})


class NotYourCase(PermissionDenied):
    default_code = "case_forbidden"
    default_message = _("You may not act on this case.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give the reasons.")


# ------------------------------------------------------------------ actors and roles

INTAKE_ROLES = (StaffRoleKind.WINDOW_CLERK, StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)
DEPARTMENT_ROLES = (StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)


def is_applicant_side(*, actor: User, case: Case) -> bool:
    """The applicant, or someone who may act for the case's enterprise today."""
    if case.applicant_id == actor.pk:
        return True
    return case.enterprise is not None and user_can_act_for(user=actor, enterprise=case.enterprise)


# Hot statements compiled once per connection (tongban.core.db): the row lock of every
# transition and the role checks.
_ROLES_IN_DEPARTMENT = CompiledQuery(
    lambda user_id, department_id: StaffRole.objects.filter(user_id=user_id, department_id=department_id).values_list(
        "role"
    ),
    arity=2,
)
_WINDOW_CLERK_IN_REGION = CompiledQuery(
    lambda user_id: (
        StaffRole.objects.filter(user_id=user_id, role=StaffRoleKind.WINDOW_CLERK)
        .values_list("department__region_id")
        .distinct()
    ),
    arity=1,
)


def _locked_case(pk: int, stream: str) -> QuerySet[Case]:
    # The head of the case's audit stream comes with the lock (not locked itself): a hint that lets
    # the transition's event be appended in the statement of its other writes (audit.hint_head).
    # The item is not read with it, only the time its version last changed (``_item_of``).
    heads = AuditStreamHead.objects.filter(stream=stream)
    return (
        Case.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .annotate(
            _item_updated_at=F("item__updated_at"),
            _head_seq=Subquery(heads.values("seq")[:1]),
            _head_hash=Subquery(heads.values("last_hash")[:1]),
        )
    )


# Published item versions, per process, keyed by id and last change: a transition reads its case's
# item (limits, form, cross-region mode) but the version changes rarely, and every change of an item
# goes through ``save`` and moves ``updated_at`` (catalog.services names it in every update_fields).
_ITEMS: dict[tuple[int, Any], ServiceItem] = {}
_ITEM = CompiledQuery(lambda pk: ServiceItem.objects.filter(pk=pk), arity=1)


def _item_of(case: Case, updated_at: Any) -> None:
    """Attach the case's item (``case.item``, no query when this process has this version already)."""
    key = (case.item_id, updated_at)
    item = _ITEMS.get(key)
    if item is None:
        item = _ITEM.first(case.item_id)
        if item is None:
            raise CaseNotFound()
        if item.updated_at == updated_at and item.status != ItemStatus.DRAFT:
            if len(_ITEMS) >= 1024:
                _ITEMS.clear()
            _ITEMS[key] = item
    # each case gets its own copy: the same field values, a state and caches of its own
    clone = ServiceItem.__new__(ServiceItem)
    clone.__dict__.update(item.__dict__)
    clone._state = ModelState()
    clone._state.db, clone._state.adding = item._state.db, False
    Case.item.field.set_cached_value(case, clone)


_LOCKED_CASE = CompiledQuery(_locked_case, arity=2, text_args=(1,))
# A staff member's transition: the same row lock, and in the same statement the actor's strongest
# role of the case's department ("department_head" sorts before "reviewer"), or NULL.
_LOCKED_CASE_WITH_ROLE = CompiledQuery(
    lambda pk, stream, user_id: _locked_case(pk, stream).annotate(
        _actor_department_role=Subquery(
            StaffRole.objects.filter(
                user_id=user_id, department_id=OuterRef("department_id"), role__in=DEPARTMENT_ROLES
            )
            .order_by("role")
            .values("role")[:1]
        )
    ),
    arity=3,
    text_args=(1,),
)


def _department_roles(actor: User, case: Case) -> set[str]:
    """The actor's reviewer and head roles in the case's department (read with the lock when it was
    taken for this actor: ``_lock(case, actor=...)``)."""
    known = case.__dict__.get("_actor_role_known")
    if known == actor.pk:
        role = case.__dict__.get("_actor_department_role")
        return {role} if role else set()
    return {row[0] for row in _ROLES_IN_DEPARTMENT.rows(actor.pk, case.department_id)} & set(DEPARTMENT_ROLES)


def is_window_clerk_for(*, actor: User, case: Case) -> bool:
    """A clerk of a comprehensive window (综合窗口) of the case's region receives for every department."""
    return any(row[0] == case.region_id for row in _WINDOW_CLERK_IN_REGION.rows(actor.pk))


def _require_applicant(actor: User, case: Case) -> str:
    if not actor.is_active or not is_applicant_side(actor=actor, case=case):
        raise NotYourCase()
    return "applicant"


def _require_department(actor: User, case: Case) -> str:
    roles = _department_roles(actor, case) & set(DEPARTMENT_ROLES)
    if not actor.is_active or not roles:
        raise NotYourCase(_("Only reviewers of the case's department may do this."))
    return StaffRoleKind.DEPARTMENT_HEAD if StaffRoleKind.DEPARTMENT_HEAD in roles else StaffRoleKind.REVIEWER


def _require_intake(actor: User, case: Case) -> str:
    if actor.is_active:
        roles = _department_roles(actor, case) & set(DEPARTMENT_ROLES)
        if roles:
            return StaffRoleKind.REVIEWER
        if is_window_clerk_for(actor=actor, case=case):
            return StaffRoleKind.WINDOW_CLERK
    raise NotYourCase(_("Only a window clerk or a reviewer of the department may accept applications."))


# ------------------------------------------------------------------ helpers


def _today() -> dt.date:
    return timezone.localdate()


def _lock(case: Case | int, *, actor: User | None = None) -> Case:
    """The case's row, locked until the transaction ends, with its item; with ``actor``
    (staff), also the actor's role in the case's department, in the same statement."""
    pk = case.pk if isinstance(case, Case) else case
    if pk is None:
        raise CaseNotFound()
    locked: Case | None
    stream = Case.stream_of(int(pk))
    if actor is not None and actor.pk is not None:
        locked = _LOCKED_CASE_WITH_ROLE.first(int(pk), stream, int(actor.pk))
        if locked is not None:
            locked.__dict__["_actor_role_known"] = actor.pk
    else:
        locked = _LOCKED_CASE.first(int(pk), stream)
    if locked is None:
        raise CaseNotFound()
    hint_head(stream=stream, seq=locked.__dict__.pop("_head_seq"), last_hash=locked.__dict__.pop("_head_hash"))
    _item_of(locked, locked.__dict__.pop("_item_updated_at"))
    return locked


def _check(case: Case, action: CaseAction) -> CaseStatus:
    transition = TRANSITIONS[action]
    if case.status not in transition.sources:
        raise InvalidTransition(
            _("This action is not allowed while the case is “%(status)s”.") % {"status": CaseStatus(case.status).label},
            details={"status": case.status, "action": action.value},
        )
    if transition.target is None:
        if not case.suspended_from:
            raise InvalidTransition()
        return CaseStatus(case.suspended_from)
    return transition.target


def _notify_applicant(case: Case, *, subject: str, body: str = "", kind: str = "case") -> None:
    notify_inbox(user_id=case.applicant_id, subject=subject, body=body, kind=kind, link=f"/cases/{case.pk}/")


def _transition(
    case: Case,
    *,
    action: CaseAction,
    actor: User | None,
    role: str,
    fields: Sequence[str] = (),
    reason: str = "",
    data: dict[str, Any] | None = None,
    notice: str = "",
    target: CaseStatus | None = None,
) -> Case:
    """Move ``case`` (already locked and checked by the caller) to the action's target and record it."""
    checked = _check(case, action) if target is None else target
    target = checked
    previous = case.status
    case.status = target
    # The row's update, the audit event and the applicant's notification: one statement on
    # PostgreSQL (core.db.write_batch); whatever else runs in between sends them first.
    with write_batch():
        save_fields(case, ["status", "updated_at", *fields])
        events.case_transitioned(
            case=case, action=action.value, from_status=previous, actor=actor, role=role, reason=reason, data=data
        )
        if case.item.cross_region_mode == CrossRegionMode.JOINT:  # 多地联办: the other region's node hears of it
            from tongban.cases.joint.services import case_transitioned

            case_transitioned(case=case, action=action.value, reason=reason, actor=actor)
        signals.case_transitioned.send(
            sender=Case, case=case, action=action.value, from_status=previous, actor=actor, role=role, reason=reason
        )
        label = CaseStatus(case.status).label
        _notify_applicant(
            case,
            subject=gettext("Case %(number)s: %(status)s") % {"number": case.number or "", "status": label},
            body=notice or reason,
            kind="warning" if case.status in {CaseStatus.TERMINATED, CaseStatus.REVOKED} else "case",
        )
    return case


def _require_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonRequired()
    if len(cleaned) > 2000:
        raise ValidationFailed(_("The reasons are too long (2000 characters at most)."), code="reason_too_long")
    return cleaned


def _next_number(case: Case) -> str:
    """``<region>-<yyyymmdd>-<nnnnnn>``: a per-region, per-day sequence, incremented in one upsert.

    The upsert takes the counter row's lock until the transaction ends, so two submissions
    never get the same number and a rolled-back one gives its number back.
    """
    today = _today()
    region = case.region_id
    table = CaseNumberCounter._meta.db_table
    ((last,),) = execute(
        connection,
        f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608 (table name is ours)
        f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
        [region, today],
    )
    number = f"{region}-{today:%Y%m%d}-{int(last):06d}"
    _name_licence_uses(case, number)
    return number


_LICENCE_NUMBERS_USED = CompiledQuery(
    lambda case_id: CaseMaterial.objects.filter(case_id=case_id, status=MaterialStatus.LICENCE).values_list(
        "licence_number"
    ),
    arity=1,
)


def _name_licence_uses(case: Case, number: str) -> None:
    """Licences used while the case was a draft (免提交) were logged as ``draft #<id>``; from now on the
    holder's list of uses names the case by its number. (An item without materials has none to look for.)"""
    if not item_materials(case.item):
        return
    licences = [row[0] for row in _LICENCE_NUMBERS_USED.rows(case.pk) if row[0]]
    if licences:
        from tongban.licences.services import licence_uses_name_case

        licence_uses_name_case(licence_numbers=licences, draft_label=f"draft #{case.pk}", case_number=number)


def _validate_form(item: ServiceItem, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("The form data must be an object."), code="invalid_form_data")
    return validate_form_data(item, data, partial=partial)


def _satisfied_codes(case: Case) -> set[str]:
    return set(
        case.materials.filter(status__in=[MaterialStatus.UPLOADED, MaterialStatus.LICENCE]).values_list(
            "material__code", flat=True
        )
    )


def _missing_for_submission(case: Case) -> list[str]:
    wanted = [s.material.code for s in material_slots(case.item, case.situations) if s.needs_upload]
    have = _satisfied_codes(case) if wanted else set()
    return [code for code in wanted if code not in have]


def _missing_all(case: Case) -> list[str]:
    """Applicable required materials not provided, including those that could be supplied later."""
    wanted = [s.material.code for s in material_slots(case.item, case.situations) if not s.optional and not s.pending]
    have = _satisfied_codes(case) if wanted else set()
    return [code for code in wanted if code not in have]


def _raise_missing(item: ServiceItem, codes: list[str]) -> None:
    names = dict(item.materials.values_list("code", "name"))
    raise ValidationFailed(
        _("Some required materials have not been provided: %(names)s.")
        % {"names": "、".join(names.get(c, c) for c in codes)},
        code="materials_missing",
        details={"materials": codes},
    )


def _start_clock(case: Case, *, day: dt.date) -> list[str]:
    case.accepted_on = day
    case.accepted_at = timezone.now()
    _compute_deadlines(case)
    return ["accepted_on", "accepted_at", "legal_due_date", "promised_due_date", "due_provisional"]


def _compute_deadlines(case: Case) -> None:
    assert case.accepted_on is not None
    extra = case.suspended_working_days
    legal_days = case.item.legal_limit_days
    promised_days = case.item.promised_limit_days or legal_days
    legal, promised = add_working_days_each(case.accepted_on, [legal_days + extra, promised_days + extra])
    case.legal_due_date = legal.date
    case.promised_due_date = promised.date
    case.due_provisional = legal.provisional or promised.provisional


def _joint_materials_from_peer(case: Case) -> bool:
    """多地联办: a step opened at a peer's request has no materials of its own (ADR 0014)."""
    if case.item.cross_region_mode != CrossRegionMode.JOINT:
        return False
    from tongban.cases.joint.services import materials_come_from_peer

    return materials_come_from_peer(case=case)


def _validate_delivery(method: str, address: str) -> None:
    if method not in DeliveryMethod.values:
        raise ValidationFailed(_("Choose a delivery method."), code="invalid_delivery_method")
    if method == DeliveryMethod.POST and not address.strip():
        raise ValidationFailed(_("Give the address to post the result to."), code="delivery_address_required")


# ------------------------------------------------------------------ drafts


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
    require_local_item(item)
    if enterprise is not None and not user_can_act_for(user=actor, enterprise=enterprise):
        raise PermissionDenied(_("You may not act for this enterprise."), code="enterprise_forbidden")
    if channel not in CaseChannel.values:
        raise ValidationFailed(_("Unknown channel."), code="invalid_channel")
    _validate_delivery(delivery_method, delivery_address)
    cleaned = _validate_form(item, form_data or {}, partial=True)
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
    insert(case)  # Case.objects.create, in one prepared statement (every application starts here)
    materials = item_materials(item)
    if materials:
        CaseMaterial.objects.bulk_create([CaseMaterial(case=case, material=m) for m in materials])
    hint_head(stream=case.stream, seq=None, last_hash=None)  # a new case's stream has no head yet
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
    case = _lock(case)
    role = _require_applicant(actor, case)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED):
        raise InvalidTransition(_("Only drafts and cases returned for correction can be edited."))
    changed: list[str] = []
    if form_data is not None:
        merged = {**case.form_data, **dict(form_data)}
        case.form_data = _validate_form(case.item, merged, partial=True)
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
    _validate_delivery(case.delivery_method, case.delivery_address)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
        events.case_draft_updated(case=case, actor=actor, role=role, fields=changed)
    return case


def _material_row(case: Case, code: str) -> CaseMaterial:
    row = case.materials.select_related("material").filter(material__code=code).first()
    if row is None:
        raise NotFound(_("The item asks for no such material."), code="material_not_found")
    return row


_UPLOAD_STATES = frozenset({CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED})


@transaction.atomic
def case_material_upload(
    *, case: Case, actor: User, material_code: str, source: Chunked | IO[bytes], original_name: str
) -> CaseMaterial:
    """Upload (or replace) a material: by the applicant while drafting or correcting, by the window clerk
    who received the case while it waits for acceptance (scans)."""
    case = _lock(case)
    role: str
    if case.received_by_id == actor.pk and case.status == CaseStatus.SUBMITTED:
        role = StaffRoleKind.WINDOW_CLERK
    else:
        role = _require_applicant(actor, case)
        if case.status not in _UPLOAD_STATES:
            raise InvalidTransition(_("Materials can be uploaded only to drafts and cases returned for correction."))
    row = _material_row(case, material_code)
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
    case = _lock(case)
    role = _require_applicant(actor, case)
    if case.status not in _UPLOAD_STATES:
        raise InvalidTransition(_("Materials can be changed only in drafts and cases returned for correction."))
    number = (licence_number or "").strip()
    if not number or len(number) > 80:
        raise ValidationFailed(_("Give the licence number."), code="licence_number_required")
    row = _material_row(case, material_code)
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


# ------------------------------------------------------------------ submission and intake


@transaction.atomic
def case_submit(*, case: Case, actor: User) -> Case:
    case = _lock(case)
    role = _require_applicant(actor, case)
    _check(case, CaseAction.SUBMIT)
    require_local_item(case.item)
    case.situations = clean_situations(case.item, case.situations, complete=True)
    case.form_data = _validate_form(case.item, case.form_data, partial=False)
    missing = _missing_for_submission(case)
    if missing:
        _raise_missing(case.item, missing)
    case.number = _next_number(case)
    case.submitted_at = timezone.now()
    return _transition(
        case,
        action=CaseAction.SUBMIT,
        actor=actor,
        role=role,
        fields=["number", "submitted_at", "form_data", "situations"],
        notice=gettext("Your application was received. Keep the case number to track it."),
    )


@transaction.atomic
def case_accept(*, case: Case, actor: User) -> Case:
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    _check(case, CaseAction.ACCEPT)
    missing = [] if _joint_materials_from_peer(case) else _missing_all(case)
    if missing:
        _raise_missing(case.item, missing)
    case.accepted_by = actor
    fields = ["accepted_by", *_start_clock(case, day=_today())]
    return _transition(
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
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    _check(case, CaseAction.ACCEPT_WITH_GAPS)
    if not case.item.gap_acceptance_allowed:
        raise ApplicationError(
            _("This item does not allow acceptance with missing materials."), code="gaps_not_allowed", status=409
        )
    if not 1 <= supplement_days <= 60:
        raise ValidationFailed(_("The supplement period must be 1 to 60 working days."), code="invalid_gap_days")
    acceptance.run(case=case, route=acceptance.Route.ACCEPT_WITH_GAPS, actor=actor)
    wanted = list(dict.fromkeys(gap_materials))
    if not wanted:
        raise ValidationFailed(_("List the materials to be supplied later."), code="gap_materials_required")
    missing = _missing_all(case)
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
        _raise_missing(case.item, still)
    deadline = add_working_days(_today(), supplement_days).date
    for code in wanted:
        row = rows[code]
        row.status = MaterialStatus.GAP
        row.gap_deadline = deadline
        row.save(update_fields=["status", "gap_deadline"])
    case.accepted_by = actor
    case.gap_deadline = deadline
    fields = ["accepted_by", "gap_deadline", *_start_clock(case, day=_today())]
    names = "、".join(rows[c].material.name for c in wanted)
    return _transition(
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


def _end_with_reasons(case: Case, *, action: CaseAction, actor: User | None, role: str, reason: str) -> Case:
    """Close a locked case without a decision on the merits (不予受理, 终止), recording the reasons."""
    _check(case, action)
    case.decision_reasons = _require_reason(reason)
    case.closed_at = timezone.now()
    return _transition(
        case,
        action=action,
        actor=actor,
        role=role,
        fields=["decision_reasons", "closed_at"],
        reason=case.decision_reasons,
    )


@transaction.atomic
def case_reject_at_intake(*, case: Case, actor: User, reason: str) -> Case:
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    return _end_with_reasons(case, action=CaseAction.REJECT_AT_INTAKE, actor=actor, role=role, reason=reason)


@transaction.atomic
def case_request_correction(*, case: Case, actor: User, materials: Sequence[str], note: str = "") -> Case:
    """补正: tell the applicant at once and in full what to correct; the clock has not started."""
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    _check(case, CaseAction.REQUEST_CORRECTION)
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
    return _transition(
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
    case = _lock(case)
    role = _require_applicant(actor, case)
    _check(case, CaseAction.RESUBMIT)
    case.form_data = _validate_form(case.item, case.form_data, partial=False)
    missing = _missing_for_submission(case)
    if missing:
        _raise_missing(case.item, missing)
    case.submitted_at = timezone.now()
    return _transition(case, action=CaseAction.RESUBMIT, actor=actor, role=role, fields=["submitted_at", "form_data"])


# ------------------------------------------------------------------ review and decision


@transaction.atomic
def case_start_review(*, case: Case, actor: User) -> Case:
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    _check(case, CaseAction.START_REVIEW)
    return _transition(case, action=CaseAction.START_REVIEW, actor=actor, role=role)


def _refuse_outstanding_gaps(case: Case) -> None:
    # Materials are accepted with gaps only together with a supplement deadline, which is cleared
    # only once none is left (case_accept_with_gaps, case_supplement): no deadline, no gap.
    if case.gap_deadline is not None and case.materials.filter(status=MaterialStatus.GAP).exists():
        raise ApplicationError(
            _("Materials accepted with gaps have not all been supplied yet."), code="gaps_outstanding", status=409
        )


@transaction.atomic
def case_approve(*, case: Case, actor: User, note: str = "") -> Case:
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    _check(case, CaseAction.APPROVE)
    _refuse_outstanding_gaps(case)
    if case.item.cross_region_mode == CrossRegionMode.JOINT:
        from tongban.cases.joint.services import approve_guard

        approve_guard(case=case)
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.result_note = (note or "").strip()[:2000]
    return _transition(
        case,
        action=CaseAction.APPROVE,
        actor=actor,
        role=role,
        fields=["decided_by", "decided_at", "result_note"],
        reason=case.result_note,
    )


@transaction.atomic
def case_deny(*, case: Case, actor: User, reasons: str) -> Case:
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    _check(case, CaseAction.DENY)
    case.decision_reasons = _require_reason(reasons)
    case.decided_by = actor
    case.decided_at = timezone.now()
    return _transition(
        case,
        action=CaseAction.DENY,
        actor=actor,
        role=role,
        fields=["decision_reasons", "decided_by", "decided_at"],
        reason=case.decision_reasons,
    )


@transaction.atomic
def case_issue_result(*, case: Case, actor: User, result_number: str = "", note: str = "") -> Case:
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    _check(case, CaseAction.ISSUE_RESULT)
    _refuse_outstanding_gaps(case)
    case.result_number = (result_number or "").strip()[:80]
    # 电子证照: an item whose result is a licence issues it now; its number is the result number.
    from tongban.licences.services import licence_issue_for_case

    licence = licence_issue_for_case(case=case, actor=actor)
    if licence is not None:
        case.result_number = licence.number
    if note:
        case.result_note = note.strip()[:2000]
    return _transition(
        case, action=CaseAction.ISSUE_RESULT, actor=actor, role=role, fields=["result_number", "result_note"]
    )


@transaction.atomic
def case_deliver(*, case: Case, actor: User, tracking_number: str = "") -> Case:
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    _check(case, CaseAction.DELIVER)
    tracking = (tracking_number or "").strip()
    if case.delivery_method == DeliveryMethod.POST and not tracking:
        raise ValidationFailed(_("Give the postal tracking number."), code="tracking_number_required")
    if len(tracking) > 60:
        raise ValidationFailed(_("The tracking number is too long."), code="tracking_number_invalid")
    case.tracking_number = tracking
    case.delivered_at = timezone.now()
    return _transition(
        case,
        action=CaseAction.DELIVER,
        actor=actor,
        role=role,
        fields=["tracking_number", "delivered_at"],
        data={"method": case.delivery_method, "tracking_number": tracking},
    )


@transaction.atomic
def case_close(*, case: Case, actor: User) -> Case:
    case = _lock(case, actor=actor)
    role = _require_intake(actor, case)
    _check(case, CaseAction.CLOSE)
    case.closed_at = timezone.now()
    return _transition(
        case,
        action=CaseAction.CLOSE,
        actor=actor,
        role=role,
        fields=["closed_at"],
        notice=gettext("Your case is closed. Please rate our service."),
    )


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, reason: str = "") -> Case:
    case = _lock(case)
    role = _require_applicant(actor, case)
    _check(case, CaseAction.WITHDRAW)
    case.closed_at = timezone.now()
    return _transition(
        case, action=CaseAction.WITHDRAW, actor=actor, role=role, fields=["closed_at"], reason=reason.strip()[:2000]
    )


@transaction.atomic
def case_suspend(*, case: Case, actor: User, reason: str) -> Case:
    """特别程序 (hearing, expert review, inspection…): the clock stops until the case is resumed."""
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    _check(case, CaseAction.SUSPEND)
    why = _require_reason(reason)
    case.suspended_from = case.status
    case.suspended_on = _today()
    return _transition(
        case,
        action=CaseAction.SUSPEND,
        actor=actor,
        role=role,
        fields=["suspended_from", "suspended_on"],
        reason=why,
    )


@transaction.atomic
def case_resume(*, case: Case, actor: User) -> Case:
    case = _lock(case, actor=actor)
    role = _require_department(actor, case)
    target = _check(case, CaseAction.RESUME)
    assert case.suspended_on is not None
    paused = working_days_between(case.suspended_on, _today())
    case.suspended_working_days += paused
    _compute_deadlines(case)
    case.suspended_from = ""
    case.suspended_on = None
    return _transition(
        case,
        action=CaseAction.RESUME,
        actor=actor,
        role=role,
        fields=[
            "suspended_working_days",
            "suspended_from",
            "suspended_on",
            "legal_due_date",
            "promised_due_date",
            "due_provisional",
        ],
        data={"paused_working_days": paused, "promised_due_date": str(case.promised_due_date)},
        target=target,
    )


@transaction.atomic
def case_terminate(*, case: Case, actor: User | None, reason: str) -> Case:
    """End the case without a decision (``actor`` None: the system, e.g. an expired supplement deadline)."""
    case = _lock(case)
    role = "system" if actor is None else _require_department(actor, case)
    return _end_with_reasons(case, action=CaseAction.TERMINATE, actor=actor, role=role, reason=reason)


# ------------------------------------------------------------------ 容缺: supplement


@transaction.atomic
def case_supplement(
    *, case: Case, actor: User, material_code: str, source: Chunked | IO[bytes], original_name: str
) -> Case:
    """Supply a material accepted with a gap; when none is left, the supplement deadline is cleared."""
    case = _lock(case)
    role = _require_applicant(actor, case)
    if case.status in {CaseStatus.TERMINATED, CaseStatus.WITHDRAWN} or case.gap_deadline is None:
        raise InvalidTransition(_("No materials are waiting to be supplied for this case."))
    row = _material_row(case, material_code)
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
        _notify_applicant(
            case,
            subject=gettext("Case %(number)s: all materials supplied") % {"number": case.number},
            body=gettext("Thank you. Every material has now been supplied."),
        )
    return case


# ------------------------------------------------------------------ 告知承诺制


@transaction.atomic
def case_sign_commitment(*, case: Case, actor: User, agreed: bool) -> Case:
    """The applicant signs the item's commitment text; the case is approved at once and a
    verification task goes to the department."""
    case = _lock(case)
    role = _require_applicant(actor, case)
    _check(case, CaseAction.SIGN_COMMITMENT)
    if not case.item.commitment_allowed or not case.item.commitment_text.strip():
        raise ApplicationError(
            _("This item cannot be handled by notification and commitment."),
            code="commitment_not_allowed",
            status=409,
        )
    if agreed is not True:
        raise ValidationFailed(_("Read and agree to the commitment to sign it."), code="commitment_not_agreed")
    acceptance.run(case=case, route=acceptance.Route.COMMITMENT, actor=actor)
    fields: list[str] = []
    if case.status == CaseStatus.DRAFT:
        case.situations = clean_situations(case.item, case.situations, complete=True)
        case.form_data = _validate_form(case.item, case.form_data, partial=False)
        case.number = _next_number(case)
        case.submitted_at = timezone.now()
        fields += ["situations", "form_data", "number", "submitted_at"]
    now = timezone.now()
    case.commitment_signed_at = now
    case.commitment_text = case.item.commitment_text
    case.decided_at = now
    fields += ["commitment_signed_at", "commitment_text", "decided_at", *_start_clock(case, day=_today())]
    due = add_working_days(_today(), DEFAULT_VERIFICATION_DAYS)
    task = VerificationTask.objects.create(
        case=case, department_id=case.department_id, due_date=due.date, due_provisional=due.provisional
    )
    return _transition(
        case,
        action=CaseAction.SIGN_COMMITMENT,
        actor=actor,
        role=role,
        fields=fields,
        data={"verification_due": str(task.due_date)},
        notice=gettext(
            "Your commitment was recorded and the application approved. The department will verify it; "
            "a false commitment revokes the approval and is recorded in your credit file."
        ),
    )


@transaction.atomic
def task_verify(*, task: VerificationTask, actor: User, ok: bool, findings: str = "") -> VerificationTask:
    """Record the department's verification; a false commitment revokes the approval and writes a credit record."""
    from tongban.supervision.services import credit_record_create

    task = VerificationTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    case = _lock(task.case_id)
    role = _require_department(actor, case)
    if task.status != VerificationStatus.PENDING:
        raise InvalidTransition(_("This verification has already been done."), code="verification_done")
    task.findings = (findings or "").strip()[:4000]
    if not ok:
        task.findings = _require_reason(findings)
    task.status = VerificationStatus.CONFIRMED if ok else VerificationStatus.FOUND_FALSE
    task.verified_by = actor
    task.verified_at = timezone.now()
    task.save(update_fields=["findings", "status", "verified_by", "verified_at", "updated_at"])
    task.case = case
    events.verification_done(task=task, actor=actor, role=role)
    if not ok:
        _check(case, CaseAction.REVOKE)
        case.decision_reasons = task.findings
        case.closed_at = timezone.now()
        _transition(
            case,
            action=CaseAction.REVOKE,
            actor=actor,
            role=role,
            fields=["decision_reasons", "closed_at"],
            reason=task.findings,
            notice=gettext("The approval was revoked because the commitment was found false: %(reasons)s")
            % {"reasons": task.findings},
        )
        credit_record_create(
            subject=case.applicant,
            enterprise=case.enterprise,
            case=case,
            department=case.department,
            kind="false_commitment",
            reason=task.findings,
            actor=actor,
        )
    return task


# ------------------------------------------------------------------ window acceptance (综合窗口)


@dataclass
class WindowApplicant:
    id_number: str
    full_name: str
    phone: str = ""
    address: str = ""


def _resident_for(applicant: WindowApplicant, region: Region) -> User:
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
    require_local_item(item)
    _validate_delivery(delivery_method, delivery_address)
    resident = _resident_for(applicant, item.region)
    answers = clean_situations(item, situations or {}, complete=True)
    cleaned = _validate_form(item, form_data, partial=False)
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
    case.number = _next_number(case)
    case.submitted_at = timezone.now()
    _transition(
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
    if accept and not _missing_all(case):
        case = case_accept(case=case, actor=actor)
    return case


# ------------------------------------------------------------------ periodic work


@dataclass
class TickReport:
    reminded: list[str] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)


def _remind_gap(case_id: int, today: dt.date) -> bool:
    with transaction.atomic():
        case = _lock(case_id)
        if (
            case.gap_deadline is None
            or case.gap_reminded_on == today
            or case.status
            in {
                CaseStatus.TERMINATED,
                CaseStatus.WITHDRAWN,
            }
        ):
            return False
        names = "、".join(case.materials.filter(status=MaterialStatus.GAP).values_list("material__name", flat=True))
        case.gap_reminded_on = today
        case.save(update_fields=["gap_reminded_on", "updated_at"])
        events.gap_reminder_sent(case=case, deadline=str(case.gap_deadline))
        _notify_applicant(
            case,
            subject=gettext("Case %(number)s: materials due by %(date)s")
            % {"number": case.number, "date": case.gap_deadline},
            body=gettext("Please supply %(names)s by %(date)s, or the case will be terminated.")
            % {"names": names, "date": case.gap_deadline},
            kind="reminder",
        )
        return True


def _recompute(case_id: int) -> bool:
    with transaction.atomic():
        case = _lock(case_id)
        if not case.due_provisional or case.accepted_on is None:
            return False
        before = (case.legal_due_date, case.promised_due_date, case.due_provisional)
        _compute_deadlines(case)
        if before == (case.legal_due_date, case.promised_due_date, case.due_provisional):
            return False
        case.save(update_fields=["legal_due_date", "promised_due_date", "due_provisional", "updated_at"])
        events.deadlines_recomputed(
            case=case,
            legal=str(case.legal_due_date),
            promised=str(case.promised_due_date),
            provisional=case.due_provisional,
        )
        return True


def cases_tick(*, today: dt.date | None = None) -> TickReport:
    """Send 容缺 reminders, terminate cases whose supplement deadline passed, and recompute provisional
    deadlines (once an official schedule has been entered). Each case in its own transaction."""
    today = today or _today()
    report = TickReport()
    waiting = Case.objects.filter(gap_deadline__isnull=False, status__in=TRANSITIONS[CaseAction.TERMINATE].sources)
    for case in waiting.filter(gap_deadline__lt=today).only("pk", "number"):
        reason = gettext("The materials accepted with gaps were not supplied by the deadline.")
        try:
            with transaction.atomic():
                case_terminate(case=case, actor=None, reason=reason)
            report.terminated.append(case.number or str(case.pk))
        except ApplicationError:
            continue
    reminder_until = add_working_days(today, GAP_REMINDER_WORKING_DAYS).date
    for case in waiting.filter(gap_deadline__gte=today, gap_deadline__lte=reminder_until).only("pk", "number"):
        if _remind_gap(case.pk, today):
            report.reminded.append(case.number or str(case.pk))
    for case in Case.objects.filter(due_provisional=True, accepted_on__isnull=False).only("pk", "number"):
        if _recompute(case.pk):
            report.recomputed.append(case.number or str(case.pk))
    return report
