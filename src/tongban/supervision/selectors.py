"""Reads of supervision: what a department must rectify, what a supervisor follows up."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole, User
from tongban.core.errors import NotFound
from tongban.supervision.models import CreditRecord, Rating, RectificationTask


def rectification_tasks_for(*, user: User, status: str | None = None) -> QuerySet[RectificationTask]:
    """Department staff see their department's tasks; supervisors see their region's (read-only)."""
    roles = StaffRole.objects.filter(user=user)
    departments = roles.filter(role__in=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD]).values("department_id")
    regions = roles.filter(role=StaffRoleKind.SUPERVISOR).values("department__region_id")
    qs = RectificationTask.objects.filter(
        Q(department_id__in=departments) | Q(department__region_id__in=regions)
    ).select_related("rating__case", "department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_date", "id")


def rectification_get_for_user(*, user: User, task_id: int) -> RectificationTask:
    task = rectification_tasks_for(user=user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(code="rectification_not_found")
    return task


def rating_for_case(*, case_id: int) -> Rating | None:
    return Rating.objects.filter(case_id=case_id).first()


def credit_records_for(*, subject: User) -> QuerySet[CreditRecord]:
    return CreditRecord.objects.filter(subject=subject).order_by("-created_at")
