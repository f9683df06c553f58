"""Reads of supervision: what a department must rectify, what a supervisor follows up."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole, User
from tongban.accounts.selectors import user_department_ids, user_roles
from tongban.core import audit, inspection_draw
from tongban.core.errors import Conflict, NotFound
from tongban.regions.models import Region
from tongban.supervision.constants import PlanStatus, UnresolvedStatus
from tongban.supervision.models import (
    CreditRecord,
    Inspection,
    InspectionPlan,
    Inspector,
    Rating,
    RectificationTask,
    UnresolvedMatter,
)


def rectification_tasks_for(*, user: User, status: str | None = None) -> QuerySet[RectificationTask]:
    """Department staff see their department's tasks; supervisors see their region's (read-only)."""
    departments = user_department_ids(user=user, roles=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD])
    regions = {held.region_id for held in user_roles(user=user, roles=[StaffRoleKind.SUPERVISOR])}
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


# ------------------------------------------------------------------ what is published


def published_draw(plan: InspectionPlan) -> dict[str, Any]:
    """The draw as published (``draw.json``): what ``scripts/verify_draw.py`` recomputes."""
    if plan.status not in (PlanStatus.DRAWN, PlanStatus.CLOSED):
        raise Conflict(_("The plan has not been drawn yet."), code="not_drawn")
    frozen = plan.frozen
    assignments = []
    for inspection in plan.inspections.order_by("position").prefetch_related("team"):
        assignments.append(
            {"target": str(inspection.target_id), "inspectors": [str(i.pk) for i in _team_in_draw_order(inspection)]}
        )
    return {
        "version": inspection_draw.VERSION,
        "plan": plan.pk,
        "region": plan.region_id,
        "title": plan.title,
        "commitment": plan.commitment,
        "seed": plan.seed,
        "ratio_bp": plan.ratio_bp,
        "team_size": plan.team_size,
        "targets": frozen["targets"],
        "inspectors": frozen["inspectors"],
        "avoid": frozen["avoid"],
        "targets_digest": frozen["targets_digest"],
        "inspectors_digest": frozen["inspectors_digest"],
        "assignments": assignments,
    }


def _team_in_draw_order(inspection: Inspection) -> list[Inspector]:
    """The team in the order the ring gave them (the order of the through rows' ids)."""
    through = Inspection.team.through.objects.filter(inspection_id=inspection.pk).order_by("pk")
    order = [row.inspector_id for row in through]
    team = {i.pk: i for i in inspection.team.all()}
    return [team[pk] for pk in order if pk in team]


def plans_visible_to_public() -> QuerySet[InspectionPlan]:
    """Plans from the moment their lists and seed commitment are published."""
    return InspectionPlan.objects.filter(~Q(status=PlanStatus.DRAFT)).select_related("region", "department")


def plan_public_get(*, plan_id: int) -> InspectionPlan:
    plan = plans_visible_to_public().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("The inspection plan was not found."), code="inspection_plan_not_found")
    return plan


def plan_inspections(*, plan: InspectionPlan) -> QuerySet[Inspection]:
    return plan.inspections.select_related("target").prefetch_related("team__user").order_by("position")


def inspections_for_inspector(*, user: User) -> QuerySet[Inspection]:
    """The inspections whose team the user is on, open ones first."""
    return (
        Inspection.objects.filter(team__user=user)
        .select_related("target", "plan")
        .prefetch_related("team__user")
        .order_by("status", "plan_id", "position")
        .distinct()
    )


def plans_for_supervisor(*, user: User) -> QuerySet[InspectionPlan]:
    regions = {held.region_id for held in user_roles(user=user, roles=[StaffRoleKind.SUPERVISOR])}
    return InspectionPlan.objects.filter(region_id__in=regions).select_related("department")


def inspector_entries_for(*, user: User) -> QuerySet[Inspector]:
    return Inspector.objects.filter(user=user, active=True).select_related("department")


# ------------------------------------------------------------------ 办不成事 (reads)


def unresolved_for(*, user: User) -> QuerySet[UnresolvedMatter]:
    """A resident's own matters; a supervisor's region's; a department's assigned ones."""
    supervised = StaffRole.objects.filter(user=user, role=StaffRoleKind.SUPERVISOR).values("department__region_id")
    owned = StaffRole.objects.filter(
        user=user, role__in=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD]
    ).values("department_id")
    return UnresolvedMatter.objects.filter(
        Q(resident=user) | Q(region_id__in=supervised) | Q(owner_id__in=owned)
    ).select_related("owner")


def unresolved_read(*, user: User, matter_id: int, purpose: str) -> UnresolvedMatter:
    """One matter for someone allowed to see it; a staff member's read is audited with its purpose."""
    matter = unresolved_for(user=user).filter(pk=matter_id).first()
    if matter is None:
        raise NotFound(_("The matter was not found."), code="unresolved_not_found")
    if matter.resident_id != user.pk:
        with transaction.atomic():
            audit.record(
                stream=matter.stream,
                action="unresolved.viewed",
                object_type="unresolved_matter",
                object_id=matter.pk,
                actor=user,
                actor_role="staff",
                reason=purpose,
            )
    return matter


def unresolved_figures(*, region: Region) -> dict[str, int]:
    """Counts per status, for the reports."""
    counts = {s.value: 0 for s in UnresolvedStatus}
    for status in UnresolvedMatter.objects.filter(region=region).values_list("status", flat=True):
        counts[status] += 1
    overdue = UnresolvedMatter.objects.filter(
        region=region, status=UnresolvedStatus.ASSIGNED, due_date__lt=timezone.localdate()
    ).count()
    return {**counts, "overdue": overdue}
