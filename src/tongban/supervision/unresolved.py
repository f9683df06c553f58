"""The 办不成事 window: a matter a resident could not get done gets an owner, a deadline and an outcome.

A resident records it online, or a window clerk records it for the resident at the window; a
supervisor of the region assigns it to a department with a deadline in working days; the department
resolves it or explains in writing why it cannot be done. Every step moves through the transition
kernel (``UNRESOLVED_WORKFLOW``) with an audit event; the resident hears of each step. Staff reads
of the contact details are audited (``unresolved_read``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole, User
from tongban.accounts.notifications import notify_inbox
from tongban.core import audit
from tongban.core.calendar import add_working_days
from tongban.core.errors import NotFound, PermissionDenied, ValidationFailed
from tongban.core.workflow import Move, Workflow, table
from tongban.regions.models import Department, Region
from tongban.supervision.constants import (
    UNRESOLVED_TRANSITIONS,
    UNRESOLVED_WORKING_DAYS,
    UnresolvedAction,
    UnresolvedStatus,
)
from tongban.supervision.models import UnresolvedMatter

MAX_TEXT = 2000


class MatterNotFound(NotFound):
    default_code = "unresolved_not_found"
    default_message = _("The matter was not found.")


def _event(move: Move[UnresolvedMatter]) -> Any:
    matter = move.obj
    return audit.record(
        stream=matter.stream,
        action=f"unresolved.{move.action}",
        object_type="unresolved_matter",
        object_id=matter.pk,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, "owner": matter.owner_id, "due": str(matter.due_date)},
    )


def _notice(move: Move[UnresolvedMatter]) -> None:
    matter = move.obj
    if matter.resident_id is None:
        return
    notify_inbox(
        user_id=matter.resident_id,
        subject=gettext("Your matter no. %(n)s: %(status)s")
        % {"n": matter.pk, "status": UnresolvedStatus(matter.status).label},
        body=move.reason,
        kind="case",
    )


UNRESOLVED_WORKFLOW: Workflow[UnresolvedMatter] = Workflow(
    name="unresolved",
    model=UnresolvedMatter,
    table=table(UNRESOLVED_TRANSITIONS),
    label=lambda status: UnresolvedStatus(status).label,
    record=_event,
    notify=_notice,
    not_allowed=_("This is not allowed while the matter is “%(status)s”."),
)


def _text(value: str, *, code: str, label: Any, max_length: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > max_length or "\x00" in cleaned:
        raise ValidationFailed(label, code=code)
    return cleaned


def _phone(value: str) -> str:
    cleaned = (value or "").strip().replace(" ", "").replace("-", "")
    if not (7 <= len(cleaned) <= 20 and cleaned.lstrip("+").isdigit()):
        raise ValidationFailed(_("Give a phone number we can call back."), code="invalid_phone")
    return cleaned


def _roles(user: User, *roles: str) -> QuerySet[StaffRole]:
    return StaffRole.objects.filter(user=user, role__in=roles)


@transaction.atomic
def unresolved_record(
    *,
    actor: User,
    region: Region,
    description: str,
    contact_name: str,
    contact_phone: str,
    item_code: str = "",
    resident: User | None = None,
) -> UnresolvedMatter:
    """Record a matter: a resident for themselves, or a window clerk of the region for a resident."""
    if not actor.is_active:
        raise PermissionDenied(code="permission_denied")
    clerk = _roles(actor, StaffRoleKind.WINDOW_CLERK).filter(department__region=region).exists()
    if not clerk and resident is not None and resident.pk != actor.pk:
        raise PermissionDenied(_("Only a window clerk may record a matter for someone else."), code="not_a_clerk")
    matter = UnresolvedMatter.objects.create(
        region=region,
        resident=resident if clerk else actor,
        contact_name=_text(contact_name, code="invalid_contact_name", label=_("Give a name."), max_length=60),
        contact_phone=_phone(contact_phone),
        item_code=(item_code or "").strip()[:64],
        description=_text(description, code="description_required", label=_("Describe what could not be done.")),
        recorded_by=actor,
        channel="window" if clerk else "online",
    )
    audit.record(
        stream=matter.stream,
        action="unresolved.recorded",
        object_type="unresolved_matter",
        object_id=matter.pk,
        actor=actor,
        actor_role=StaffRoleKind.WINDOW_CLERK.value if clerk else "resident",
        data={"channel": matter.channel, "item": matter.item_code},
    )
    return matter


def _locked(pk: int) -> UnresolvedMatter:
    matter = UnresolvedMatter.objects.select_for_update().filter(pk=pk).first()
    if matter is None:
        raise MatterNotFound()
    return matter


@transaction.atomic
def unresolved_assign(
    *,
    actor: User,
    matter: UnresolvedMatter,
    owner: Department,
    working_days: int = UNRESOLVED_WORKING_DAYS,
    note: str = "",
) -> UnresolvedMatter:
    """A supervisor of the region gives the matter an owner and a deadline (re-assigning is allowed)."""
    locked = _locked(matter.pk)
    if not _roles(actor, StaffRoleKind.SUPERVISOR).filter(department__region_id=locked.region_id).exists():
        raise PermissionDenied(_("Only a supervisor of the region may do this."), code="supervisor_required")
    if owner.region_id != locked.region_id:
        raise ValidationFailed(_("The department is not of this region."), code="department_not_in_region")
    if not 1 <= working_days <= 30:
        raise ValidationFailed(_("The deadline is 1 to 30 working days."), code="invalid_days")
    UNRESOLVED_WORKFLOW.check(locked, UnresolvedAction.ASSIGN)
    locked.owner = owner
    locked.due_date = add_working_days(timezone.localdate(), working_days).date
    return UNRESOLVED_WORKFLOW.apply(
        locked,
        action=UnresolvedAction.ASSIGN,
        actor=actor,
        role=StaffRoleKind.SUPERVISOR.value,
        fields=["owner", "due_date"],
        reason=(note or "").strip()[:MAX_TEXT],
    )


@transaction.atomic
def unresolved_close(*, actor: User, matter: UnresolvedMatter, resolved: bool, outcome: str) -> UnresolvedMatter:
    """The owner department resolves the matter, or explains in writing why it cannot be done."""
    locked = _locked(matter.pk)
    if (
        locked.owner_id is None
        or not _roles(actor, StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)
        .filter(department_id=locked.owner_id)
        .exists()
    ):
        raise PermissionDenied(_("Only the owner department may close the matter."), code="not_the_owner")
    action = UnresolvedAction.RESOLVE if resolved else UnresolvedAction.EXPLAIN
    UNRESOLVED_WORKFLOW.check(locked, action)
    locked.outcome = _text(outcome, code="outcome_required", label=_("Describe the outcome."))
    locked.closed_at = timezone.now()
    return UNRESOLVED_WORKFLOW.apply(
        locked, action=action, actor=actor, role="department", fields=["outcome", "closed_at"], reason=locked.outcome
    )
