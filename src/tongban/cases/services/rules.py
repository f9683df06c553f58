"""Rules shared by the case services: who acts in which role, what a submission needs, the clock.

Everything here runs inside the caller's transaction on a case it has locked (``lock``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import user_can_act_for
from tongban.cases import store
from tongban.cases.constants import CaseAction, DeliveryMethod, MaterialStatus
from tongban.cases.errors import NotYourCase, ReasonRequired
from tongban.cases.forms import item_materials, material_slots, validate_form_data
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.workflow import CASES
from tongban.catalog.models import ServiceItem
from tongban.core.calendar import add_working_days_each
from tongban.core.errors import NotFound, ValidationFailed

INTAKE_ROLES = (StaffRoleKind.WINDOW_CLERK, StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)
DEPARTMENT_ROLES = store.DEPARTMENT_ROLES

# ------------------------------------------------------------------ actors and roles


def is_applicant_side(*, actor: User, case: Case) -> bool:
    """The applicant, or someone who may act for the case's enterprise today."""
    if case.applicant_id == actor.pk:
        return True
    return case.enterprise is not None and user_can_act_for(user=actor, enterprise=case.enterprise)


def department_roles(actor: User, case: Case) -> set[str]:
    """The actor's reviewer and head roles in the case's department (read with the lock when it was
    taken for this actor: ``lock(case, actor=...)``)."""
    known, role = store.department_role_read_with_lock(case, actor.pk)
    if known:
        return {role} if role else set()
    return store.roles_in_department(actor.pk, case.department_id) & set(DEPARTMENT_ROLES)


def is_window_clerk_for(*, actor: User, case: Case) -> bool:
    """A clerk of a comprehensive window (综合窗口) of the case's region receives for every department."""
    return case.region_id in store.window_clerk_regions(actor.pk)


def require_applicant(actor: User, case: Case) -> str:
    """The role of the applicant's side (``applicant``), or ``NotYourCase``."""
    if not actor.is_active or not is_applicant_side(actor=actor, case=case):
        raise NotYourCase()
    return "applicant"


def require_department(actor: User, case: Case) -> str:
    """The actor's strongest role in the case's department (head, reviewer), or ``NotYourCase``."""
    roles = department_roles(actor, case) & set(DEPARTMENT_ROLES)
    if not actor.is_active or not roles:
        raise NotYourCase(_("Only reviewers of the case's department may do this."))
    return StaffRoleKind.DEPARTMENT_HEAD if StaffRoleKind.DEPARTMENT_HEAD in roles else StaffRoleKind.REVIEWER


def require_intake(actor: User, case: Case) -> str:
    """Reviewer (of the department) or window clerk (of the region), or ``NotYourCase``."""
    if actor.is_active:
        roles = department_roles(actor, case) & set(DEPARTMENT_ROLES)
        if roles:
            return StaffRoleKind.REVIEWER
        if is_window_clerk_for(actor=actor, case=case):
            return StaffRoleKind.WINDOW_CLERK
    raise NotYourCase(_("Only a window clerk or a reviewer of the department may accept applications."))


# ------------------------------------------------------------------ the lock, the day, the number


def lock(case: Case | int, *, actor: User | None = None) -> Case:
    """The case's row, locked until the transaction ends, with its item; with ``actor`` (staff),
    also the actor's role in the case's department, in the same statement."""
    return store.lock_case(case, actor_id=actor.pk if actor is not None and actor.pk is not None else None)


def today() -> dt.date:
    return timezone.localdate()


def next_number(case: Case) -> str:
    """``<region>-<yyyymmdd>-<nnnnnn>``: a per-region, per-day sequence (``store.next_case_number``)."""
    day = today()
    number = f"{case.region_id}-{day:%Y%m%d}-{store.next_case_number(case.region_id, day):06d}"
    _name_licence_uses(case, number)
    return number


def _name_licence_uses(case: Case, number: str) -> None:
    """Licences used while the case was a draft (免提交) were logged as ``draft #<id>``; from now on the
    holder's list of uses names the case by its number. (An item without materials has none to look for.)"""
    if not item_materials(case.item):
        return
    licences = store.licence_numbers_used(case.pk)
    if licences:
        from tongban.licences.services import licence_uses_name_case

        licence_uses_name_case(licence_numbers=licences, draft_label=f"draft #{case.pk}", case_number=number)


def require_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ReasonRequired()
    if len(cleaned) > 2000:
        raise ValidationFailed(_("The reasons are too long (2000 characters at most)."), code="reason_too_long")
    return cleaned


# ------------------------------------------------------------------ the form, the materials, the delivery


def validate_form(item: ServiceItem, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("The form data must be an object."), code="invalid_form_data")
    return validate_form_data(item, data, partial=partial)


def _satisfied_codes(case: Case) -> set[str]:
    return set(
        case.materials.filter(status__in=[MaterialStatus.UPLOADED, MaterialStatus.LICENCE]).values_list(
            "material__code", flat=True
        )
    )


def missing_for_submission(case: Case) -> list[str]:
    """Applicable materials that must be uploaded before submission and are not."""
    wanted = [s.material.code for s in material_slots(case.item, case.situations) if s.needs_upload]
    have = _satisfied_codes(case) if wanted else set()
    return [code for code in wanted if code not in have]


def missing_all(case: Case) -> list[str]:
    """Applicable required materials not provided, including those that could be supplied later."""
    wanted = [s.material.code for s in material_slots(case.item, case.situations) if not s.optional and not s.pending]
    have = _satisfied_codes(case) if wanted else set()
    return [code for code in wanted if code not in have]


def raise_missing(item: ServiceItem, codes: list[str]) -> None:
    names = dict(item.materials.values_list("code", "name"))
    raise ValidationFailed(
        _("Some required materials have not been provided: %(names)s.")
        % {"names": "、".join(names.get(c, c) for c in codes)},
        code="materials_missing",
        details={"materials": codes},
    )


def material_row(case: Case, code: str) -> CaseMaterial:
    row = case.materials.select_related("material").filter(material__code=code).first()
    if row is None:
        raise NotFound(_("The item asks for no such material."), code="material_not_found")
    return row


def validate_delivery(method: str, address: str) -> None:
    if method not in DeliveryMethod.values:
        raise ValidationFailed(_("Choose a delivery method."), code="invalid_delivery_method")
    if method == DeliveryMethod.POST and not address.strip():
        raise ValidationFailed(_("Give the address to post the result to."), code="delivery_address_required")


# ------------------------------------------------------------------ the clock


def start_clock(case: Case, *, day: dt.date) -> list[str]:
    """Accepted on ``day``: the deadlines are computed; answers the fields it set."""
    case.accepted_on = day
    case.accepted_at = timezone.now()
    compute_deadlines(case)
    return ["accepted_on", "accepted_at", "legal_due_date", "promised_due_date", "due_provisional"]


def compute_deadlines(case: Case) -> None:
    assert case.accepted_on is not None
    extra = case.suspended_working_days
    legal_days = case.item.legal_limit_days
    promised_days = case.item.promised_limit_days or legal_days
    legal, promised = add_working_days_each(case.accepted_on, [legal_days + extra, promised_days + extra])
    case.legal_due_date = legal.date
    case.promised_due_date = promised.date
    case.due_provisional = legal.provisional or promised.provisional


# ------------------------------------------------------------------ closing without a decision


def end_with_reasons(case: Case, *, action: CaseAction, actor: User | None, role: str, reason: str) -> Case:
    """Close a locked case without a decision on the merits (不予受理, 终止), recording the reasons."""
    CASES.check(case, action)
    case.decision_reasons = require_reason(reason)
    case.closed_at = timezone.now()
    return CASES.apply(
        case,
        action=action,
        actor=actor,
        role=role,
        fields=["decision_reasons", "closed_at"],
        reason=case.decision_reasons,
    )
