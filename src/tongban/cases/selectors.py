"""Reads of cases, with authorization.

- applicants see their own cases and those of the enterprises they may act for today;
- reviewers and department heads see their departments' cases;
- window clerks see the cases they received or accepted;
- supervisors read every case of their region;
- no member of staff sees a draft: it belongs to the applicant until it is submitted.

Anything else is answered as if the case did not exist (``case_not_found``, 404), so ids
cannot be probed. Staff opening a case's personal data leaves a ``case.viewed`` event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import enterprises_for_user, user_department_ids, user_roles
from tongban.cases import events
from tongban.cases.constants import CLOCK_RUNNING, CaseStatus, DeadlineLevel
from tongban.cases.models import Case, CaseMaterial, VerificationTask
from tongban.cases.services import CaseNotFound
from tongban.core.calendar import deadline_level
from tongban.core.db import CompiledQuery
from tongban.core.errors import PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent

STAFF_READ_ROLES = (StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)


@dataclass(frozen=True)
class Access:
    role: str  # applicant | reviewer | department_head | window_clerk | supervisor
    can_write: bool


def _staff_roles(user: User) -> list[tuple[str, int, str]]:
    return [(held.role, held.department_id, held.region_id) for held in user_roles(user=user)]


def case_visible_q(*, user: User) -> Q:
    """A filter for the cases ``user`` may see (an empty filter result for strangers)."""
    q = Q(applicant=user)
    enterprise_ids = list(enterprises_for_user(user=user).values_list("pk", flat=True))
    if enterprise_ids:
        q |= Q(enterprise_id__in=enterprise_ids)
    staff = Q(pk__in=[])
    for role, department_id, region_id in _staff_roles(user):
        if role in STAFF_READ_ROLES:
            staff |= Q(department_id=department_id)
        elif role == StaffRoleKind.WINDOW_CLERK:
            staff |= Q(received_by=user) | Q(accepted_by=user)
        elif role == StaffRoleKind.SUPERVISOR:
            staff |= Q(region_id=region_id)
    # a draft belongs to its applicant until it is submitted: no member of staff sees it
    return q | (staff & ~Q(status=CaseStatus.DRAFT))


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(case_visible_q(user=user))
        .select_related("item", "department", "applicant")
        .order_by("-created_at", "-id")
    )


def my_cases(*, user: User) -> QuerySet[Case]:
    """The applicant's own cases and those of the enterprises they may act for."""
    q = Q(applicant=user)
    enterprise_ids = list(enterprises_for_user(user=user).values_list("pk", flat=True))
    if enterprise_ids:
        q |= Q(enterprise_id__in=enterprise_ids)
    return Case.objects.filter(q).select_related("item", "department").order_by("-created_at", "-id")


def access_for(*, user: User, case: Case) -> Access | None:
    if case.applicant_id == user.pk:
        return Access("applicant", True)
    if case.enterprise_id and enterprises_for_user(user=user).filter(pk=case.enterprise_id).exists():
        return Access("applicant", True)
    if case.status == CaseStatus.DRAFT:  # the applicant's until submitted: not for staff, files included
        return None
    best: Access | None = None
    for role, department_id, region_id in _staff_roles(user):
        if role in STAFF_READ_ROLES and department_id == case.department_id:
            return Access(role, True)
        if role == StaffRoleKind.WINDOW_CLERK and user.pk in (case.received_by_id, case.accepted_by_id):
            best = Access(role, True)
        elif role == StaffRoleKind.SUPERVISOR and region_id == case.region_id and best is None:
            best = Access(role, False)
    return best


def case_get_for_user(*, user: User, case_id: int, reason: str = "") -> tuple[Case, Access]:
    """The case if ``user`` may see it; staff reads are recorded as ``case.viewed`` with the reason."""
    from django.db import transaction

    case = Case.objects.select_related("item", "department", "applicant", "enterprise").filter(pk=case_id).first()
    access = access_for(user=user, case=case) if case is not None and user.is_authenticated else None
    if case is None or access is None:
        raise CaseNotFound()
    if access.role != "applicant":
        with transaction.atomic():
            events.case_viewed(case=case, actor=user, role=access.role, reason=(reason or "handling")[:500])
    return case, access


def require_write(access: Access) -> None:
    if not access.can_write:
        raise PermissionDenied(_("Supervisors may read cases but not change them."), code="read_only")


_CASE_MATERIALS = CompiledQuery(
    lambda case_id: (
        CaseMaterial.objects.select_related("material").filter(case_id=case_id).order_by("material__order", "id")
    ),
    arity=1,
)


def case_materials(*, case: Case) -> list[CaseMaterial]:
    """The case's material rows in the item's order, with their materials (in every answer of the API)."""
    return _CASE_MATERIALS.objects(case.pk) if case.pk is not None else []


def case_timeline(*, case: Case, access: Access) -> QuerySet[AuditEvent]:
    """The case's audit events; applicants see the state changes, staff everything (views too)."""
    qs = AuditEvent.objects.filter(stream=case.stream).order_by("seq")
    if access.role == "applicant":
        qs = qs.filter(action__in=events.TIMELINE_ACTIONS)
    return qs


def case_deadline_level(*, case: Case, today: dt.date | None = None) -> str:
    """The warning level staff and supervisors see: yellow at 2/3 of the allowed days, red when overdue."""
    if case.status not in CLOCK_RUNNING | {CaseStatus.SUSPENDED} or case.promised_due_date is None:
        return DeadlineLevel.NONE
    assert case.accepted_on is not None
    today = today or timezone.localdate()
    if case.status == CaseStatus.SUSPENDED:
        today = case.suspended_on or today
    allowed = case.item.promised_limit_days or case.item.legal_limit_days
    return deadline_level(
        start=case.accepted_on,
        due=case.promised_due_date,
        allowed_days=allowed,
        today=today,
        paused_days=case.suspended_working_days,
    )


QUEUE_STATES = (
    CaseStatus.SUBMITTED,
    CaseStatus.ACCEPTED,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.SUSPENDED,
    CaseStatus.APPROVED,
    CaseStatus.DENIED,
    CaseStatus.RESULT_ISSUED,
    CaseStatus.DELIVERED,
)


def case_queue(
    *, user: User, department_id: int | None = None, due: str | None = None, status: str | None = None
) -> QuerySet[Case]:
    """A workbench queue: open cases the user handles, earliest promised due date first.

    ``due``: ``overdue`` (past the promised date), ``today``, ``week`` (within 7 days) or ``provisional``.
    """
    qs = case_list_for_user(user=user).filter(status__in=QUEUE_STATES)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if status:
        if status not in CaseStatus.values:
            raise ValidationFailed(_("Unknown status."), code="invalid_status")
        qs = qs.filter(status=status)
    today = timezone.localdate()
    if due == "overdue":
        qs = qs.filter(promised_due_date__lt=today, status__in=CLOCK_RUNNING)
    elif due == "today":
        qs = qs.filter(promised_due_date=today)
    elif due == "week":
        qs = qs.filter(promised_due_date__gte=today, promised_due_date__lte=today + dt.timedelta(days=7))
    elif due == "provisional":
        qs = qs.filter(due_provisional=True)
    elif due:
        raise ValidationFailed(_("Unknown deadline filter."), code="invalid_due_filter")
    return qs.order_by("promised_due_date", "submitted_at", "id")


def case_search(*, user: User, q: str) -> QuerySet[Case]:
    """Search the cases the user may see by case number, applicant (name or ID number) or item."""
    term = (q or "").strip()
    if not term:
        raise ValidationFailed(_("Enter a case number, an applicant or an item."), code="query_required")
    if len(term) > 100:
        raise ValidationFailed(_("The search is too long."), code="query_too_long")
    match = (
        Q(number__icontains=term)
        | Q(applicant__full_name__icontains=term)
        | Q(applicant__id_number=term.upper())
        | Q(item__name__icontains=term)
        | Q(item__code__iexact=term)
        | Q(enterprise__name__icontains=term)
        | Q(enterprise__uscc=term.upper())
    )
    return case_list_for_user(user=user).filter(match).exclude(status=CaseStatus.DRAFT)


def verification_tasks_for(*, user: User, status: str | None = None) -> QuerySet[VerificationTask]:
    departments = user_department_ids(user=user, roles=STAFF_READ_ROLES)
    qs = VerificationTask.objects.filter(department_id__in=departments).select_related("case", "department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_date", "id")


def verification_task_get_for_user(*, user: User, task_id: int) -> VerificationTask:
    task = verification_tasks_for(user=user).filter(pk=task_id).first()
    if task is None:
        raise CaseNotFound(code="verification_not_found")
    return task
