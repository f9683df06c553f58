"""Writes of 双随机一公开: the lists of targets and inspectors, plans, the verifiable draw, the results.

A plan moves draft → committed → drawn → closed through the transition kernel (``PLAN_WORKFLOW``):

- **commit** freezes what the draw will use and publishes it: the eligible targets (the region's
  active targets in the plan's industry), the qualified inspectors (active, in the region, qualified
  for every matter of the plan) and the avoidance pairs (declared conflicts, relationships, the same
  target inspected by the same inspector within ``avoid_months``), with the SHA-256 of a fresh seed;
- **draw** reveals the seed and runs ``core.inspection_draw.draw`` on the frozen lists: anyone can
  recompute it (``scripts/verify_draw.py`` on ``/supervision/inspections/<id>/draw.json``);
- each drawn target's result is recorded by one of its inspectors and published; an adverse result
  goes into the target's credit file.

Supervisors of the plan's region run plans; only a team's inspectors record its result.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import user_roles
from tongban.core import audit, inspection_draw
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import is_valid_uscc
from tongban.core.workflow import Move, Workflow, table
from tongban.regions.models import Department, Region
from tongban.supervision.constants import (
    ADVERSE_RESULTS,
    INSPECTION_TRANSITIONS,
    PLAN_TRANSITIONS,
    AvoidReason,
    CreditKind,
    InspectionAction,
    InspectionResult,
    InspectionStatus,
    PlanAction,
    PlanStatus,
)
from tongban.supervision.models import (
    AvoidPair,
    CreditRecord,
    Inspection,
    InspectionPlan,
    InspectionTarget,
    Inspector,
    InspectorConflict,
)

MAX_TEXT = 2000


class PlanNotFound(NotFound):
    default_code = "inspection_plan_not_found"
    default_message = _("The inspection plan was not found.")


class NotASupervisor(PermissionDenied):
    default_code = "supervisor_required"
    default_message = _("Only a supervisor of the region may do this.")


class InvalidRatio(ValidationFailed):
    default_code = "invalid_ratio"
    default_message = _("The ratio must be more than 0 % and at most 100 %, with at most two decimals.")


class NoTargets(ValidationFailed):
    default_code = "no_targets"
    default_message = _("There are no targets in the plan's scope: nothing can be drawn.")


class TooFewInspectors(ValidationFailed):
    default_code = "too_few_inspectors"
    default_message = _("There are too few qualified inspectors without a conflict for the draw.")


class InspectorConflicted(Conflict):
    default_code = "inspector_conflict"
    default_message = _("An inspector of this team has declared a conflict of interest with the target.")


# ------------------------------------------------------------------ the workflows


def _plan_event(move: Move[InspectionPlan]) -> Any:
    plan = move.obj
    data: dict[str, Any] = {"from": move.from_status, "to": move.to_status, **(move.data or {})}
    return audit.record(
        stream=plan.stream,
        action=f"inspection_plan.{move.action}",
        object_type="inspection_plan",
        object_id=plan.pk,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data=data,
    )


def _inspection_event(move: Move[Inspection]) -> Any:
    inspection = move.obj
    return audit.record(
        stream=inspection.stream,
        action=f"inspection.{move.action}",
        object_type="inspection",
        object_id=inspection.pk,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, "result": inspection.result},
    )


PLAN_WORKFLOW: Workflow[InspectionPlan] = Workflow(
    name="inspection_plan",
    model=InspectionPlan,
    table=table(PLAN_TRANSITIONS),
    label=lambda status: PlanStatus(status).label,
    record=_plan_event,
    not_allowed=_("This is not allowed while the plan is “%(status)s”."),
    lock=lambda pk: _locked_plan(pk),
)
INSPECTION_WORKFLOW: Workflow[Inspection] = Workflow(
    name="inspection",
    model=Inspection,
    table=table(INSPECTION_TRANSITIONS),
    label=lambda status: InspectionStatus(status).label,
    record=_inspection_event,
    not_allowed=_("This is not allowed while the inspection is “%(status)s”."),
)


def _locked_plan(pk: int) -> InspectionPlan:
    plan = InspectionPlan.objects.select_for_update(of=("self",)).select_related("region").filter(pk=pk).first()
    if plan is None:
        raise PlanNotFound()
    return plan


# ------------------------------------------------------------------ who may


def supervisor_region_ids(user: User) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    return {held.region_id for held in user_roles(user=user, roles=[StaffRoleKind.SUPERVISOR])}


def _require_supervisor(actor: User, region_id: str) -> None:
    if region_id not in supervisor_region_ids(actor):
        raise NotASupervisor()


def _text(value: str, *, code: str, label: Any, max_length: int = MAX_TEXT, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if (required and not cleaned) or len(cleaned) > max_length or "\x00" in cleaned:
        raise ValidationFailed(label, code=code)
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(label, code=code) from exc
    return cleaned


def ratio_bp_of(ratio_percent: str | Decimal | int) -> int:
    """A ratio in percent (``"5"``, ``"2.5"``) as hundredths of a percent; ``InvalidRatio`` otherwise."""
    try:
        value = Decimal(str(ratio_percent).strip())
    except InvalidOperation as exc:
        raise InvalidRatio() from exc
    if not value.is_finite() or value <= 0 or value > 100 or (value * 100) != (value * 100).to_integral_value():
        raise InvalidRatio()
    return int(value * 100)


# ------------------------------------------------------------------ the lists


@transaction.atomic
def inspection_target_add(
    *, actor: User, region: Region, uscc: str, name: str, industry: str = "", address: str = ""
) -> InspectionTarget:
    """Add an enterprise to the region's list of inspection targets (or update its entry)."""
    _require_supervisor(actor, region.pk)
    code = (uscc or "").strip().upper()
    if not is_valid_uscc(code):
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    values = {
        "name": _text(name, code="invalid_name", label=_("Give the enterprise's name."), max_length=200),
        "industry": _text(
            industry, code="invalid_industry", label=_("The industry is too long."), max_length=60, required=False
        ),
        "address": _text(
            address, code="invalid_address", label=_("The address is too long."), max_length=200, required=False
        ),
        "active": True,
    }
    target, created = InspectionTarget.objects.update_or_create(region=region, uscc=code, defaults=values)
    audit.record(
        stream=f"inspection-lists:{region.pk}",
        action="inspection_target.added" if created else "inspection_target.updated",
        object_type="inspection_target",
        object_id=target.pk,
        actor=actor,
        actor_role=StaffRoleKind.SUPERVISOR.value,
        data={"uscc": code},
    )
    return target


@transaction.atomic
def inspector_add(
    *,
    actor: User,
    user: User,
    department: Department,
    qualifications: Sequence[str] = (),
    related_usccs: Sequence[str] = (),
) -> Inspector:
    """Put a staff member of the region on its list of inspectors."""
    _require_supervisor(actor, department.region_id)
    if not user_roles(user=user, department=department):
        raise ValidationFailed(_("The inspector must be a staff member of the department."), code="inspector_not_staff")
    matters = sorted(
        {_text(m, code="invalid_matter", label=_("A matter is invalid."), max_length=60) for m in qualifications}
    )
    related = sorted({(u or "").strip().upper() for u in related_usccs if (u or "").strip()})
    if any(not is_valid_uscc(u) for u in related):
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    inspector, _created = Inspector.objects.update_or_create(
        user=user, department=department, defaults={"qualifications": matters, "related_usccs": related, "active": True}
    )
    audit.record(
        stream=f"inspection-lists:{department.region_id}",
        action="inspector.added",
        object_type="inspector",
        object_id=inspector.pk,
        actor=actor,
        actor_role=StaffRoleKind.SUPERVISOR.value,
        data={"department": department.pk, "qualifications": matters},
    )
    return inspector


@transaction.atomic
def inspector_conflict_declare(
    *, actor: User, inspector: Inspector, target: InspectionTarget, reason: str
) -> InspectorConflict:
    """The inspector declares a conflict of interest with a target: never drawn for it again; a team
    already drawn with it can no longer record the target's result (the supervisor re-plans)."""
    if inspector.user_id != actor.pk:
        raise PermissionDenied(_("Only the inspector may declare their own conflicts."), code="not_your_declaration")
    text = _text(reason, code="reason_required", label=_("Please give the reasons."), max_length=500)
    try:
        with transaction.atomic():
            conflict = InspectorConflict.objects.create(inspector=inspector, target=target, reason=text)
    except IntegrityError as exc:
        raise Conflict(_("This conflict was declared already."), code="conflict_already_declared") from exc
    audit.record(
        stream=f"inspection-lists:{target.region_id}",
        action="inspector.conflict_declared",
        object_type="inspector",
        object_id=inspector.pk,
        actor=actor,
        actor_role="inspector",
        reason=text,
        data={"target": target.pk},
    )
    return conflict


# ------------------------------------------------------------------ plans


@transaction.atomic
def inspection_plan_create(
    *,
    actor: User,
    department: Department,
    title: str,
    matters: Sequence[str],
    ratio_percent: str | Decimal | int,
    period_start: dt.date,
    period_end: dt.date,
    industry: str = "",
    team_size: int = 2,
    avoid_months: int = 12,
) -> InspectionPlan:
    _require_supervisor(actor, department.region_id)
    ratio_bp = ratio_bp_of(ratio_percent)
    if period_end < period_start:
        raise ValidationFailed(_("The period ends before it starts."), code="invalid_period")
    if not 1 <= team_size <= 5:
        raise ValidationFailed(_("A team has 1 to 5 inspectors."), code="invalid_team_size")
    if not 0 <= avoid_months <= 60:
        raise ValidationFailed(_("The avoidance period is 0 to 60 months."), code="invalid_avoid_months")
    clean_matters = sorted(
        {_text(m, code="invalid_matter", label=_("A matter is invalid."), max_length=60) for m in matters}
    )
    if not clean_matters:
        raise ValidationFailed(_("Name at least one matter to inspect."), code="matters_required")
    plan = InspectionPlan.objects.create(
        region_id=department.region_id,
        department=department,
        title=_text(title, code="invalid_title", label=_("Give the plan a title."), max_length=200),
        matters=clean_matters,
        industry=_text(
            industry, code="invalid_industry", label=_("The industry is too long."), max_length=60, required=False
        ),
        ratio_bp=ratio_bp,
        team_size=team_size,
        avoid_months=avoid_months,
        period_start=period_start,
        period_end=period_end,
        created_by=actor,
    )
    audit.record(
        stream=plan.stream,
        action="inspection_plan.created",
        object_type="inspection_plan",
        object_id=plan.pk,
        actor=actor,
        actor_role=StaffRoleKind.SUPERVISOR.value,
        data={"ratio_bp": ratio_bp, "matters": clean_matters},
    )
    return plan


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 28)


@transaction.atomic(durable=True)
def inspection_plan_commit(*, actor: User, plan: InspectionPlan) -> InspectionPlan:
    """Freeze the lists, work out the avoidance pairs and commit a fresh seed (its hash is published)."""
    locked = _locked_plan(plan.pk)
    _require_supervisor(actor, locked.region_id)
    PLAN_WORKFLOW.check(locked, PlanAction.COMMIT)
    targets = InspectionTarget.objects.filter(region_id=locked.region_id, active=True)
    if locked.industry:
        targets = targets.filter(industry=locked.industry)
    target_rows = list(targets.order_by("uscc").values_list("pk", "uscc"))
    if not target_rows:
        raise NoTargets()
    inspectors = [
        i
        for i in Inspector.objects.filter(active=True, department__region_id=locked.region_id, user__is_active=True)
        if set(locked.matters) <= set(i.qualifications)
    ]
    if len(inspectors) < locked.team_size:
        raise TooFewInspectors()
    target_ids = {pk for pk, _uscc in target_rows}
    inspector_ids = {i.pk for i in inspectors}
    pairs: list[AvoidPair] = []
    for c in InspectorConflict.objects.filter(inspector_id__in=inspector_ids, target_id__in=target_ids):
        pairs.append(
            AvoidPair(plan=locked, inspector_id=c.inspector_id, target_id=c.target_id, reason=AvoidReason.DECLARED)
        )
    by_uscc = {uscc: pk for pk, uscc in target_rows}
    for i in inspectors:
        for uscc in i.related_usccs:
            if uscc in by_uscc:
                pairs.append(
                    AvoidPair(plan=locked, inspector_id=i.pk, target_id=by_uscc[uscc], reason=AvoidReason.RELATIONSHIP)
                )
    if locked.avoid_months:
        since = _months_before(timezone.localdate(), locked.avoid_months)
        recent = Inspection.team.through.objects.filter(
            inspector_id__in=inspector_ids,
            inspection__target_id__in=target_ids,
            inspection__plan__drawn_at__date__gte=since,
        ).values_list("inspector_id", "inspection__target_id")
        for inspector_id, target_id in set(recent):
            pairs.append(
                AvoidPair(plan=locked, inspector_id=inspector_id, target_id=target_id, reason=AvoidReason.RECENT)
            )
    AvoidPair.objects.bulk_create(pairs, ignore_conflicts=True)
    seed = secrets.token_bytes(32)
    target_keys = [str(pk) for pk, _uscc in target_rows]
    inspector_keys = sorted(str(pk) for pk in inspector_ids)
    locked.seed = seed.hex()
    locked.commitment = inspection_draw.commitment(seed)
    locked.committed_at = timezone.now()
    locked.frozen = {
        "targets": target_keys,
        "inspectors": inspector_keys,
        "avoid": sorted({(str(p.inspector_id), str(p.target_id)) for p in pairs}),
        "targets_digest": inspection_draw.list_digest(target_keys),
        "inspectors_digest": inspection_draw.list_digest(inspector_keys),
    }
    return PLAN_WORKFLOW.apply(
        locked,
        action=PlanAction.COMMIT,
        actor=actor,
        role=StaffRoleKind.SUPERVISOR.value,
        fields=["seed", "commitment", "committed_at", "frozen"],
        data={
            "commitment": locked.commitment,
            "targets": len(target_keys),
            "inspectors": len(inspector_keys),
            "avoid": len(locked.frozen["avoid"]),
        },
    )


@transaction.atomic(durable=True)
def inspection_plan_draw(*, actor: User, plan: InspectionPlan) -> InspectionPlan:
    """Reveal the seed and draw the targets and teams from the frozen lists."""
    locked = _locked_plan(plan.pk)
    _require_supervisor(actor, locked.region_id)
    PLAN_WORKFLOW.check(locked, PlanAction.DRAW)
    frozen = locked.frozen
    try:
        result = inspection_draw.draw(
            seed=bytes.fromhex(locked.seed),
            targets=frozen["targets"],
            inspectors=frozen["inspectors"],
            ratio_bp=locked.ratio_bp,
            team_size=locked.team_size,
            avoid=[(a, b) for a, b in frozen["avoid"]],
        )
    except inspection_draw.InspectionDrawError as exc:
        if exc.code == "too_few_inspectors":
            raise TooFewInspectors(details={"target": exc.detail}) from exc
        raise ValidationFailed(code=exc.code) from exc
    inspections = Inspection.objects.bulk_create(
        [Inspection(plan=locked, position=n, target_id=int(a.target)) for n, a in enumerate(result)]
    )
    if any(i.pk is None for i in inspections):  # backends without RETURNING for bulk inserts
        inspections = list(Inspection.objects.filter(plan=locked).order_by("position"))
    Through = Inspection.team.through
    Through.objects.bulk_create(
        [
            Through(inspection_id=i.pk, inspector_id=int(m))
            for i, a in zip(inspections, result, strict=True)
            for m in a.inspectors
        ]
    )
    locked.drawn_at = timezone.now()
    return PLAN_WORKFLOW.apply(
        locked,
        action=PlanAction.DRAW,
        actor=actor,
        role=StaffRoleKind.SUPERVISOR.value,
        fields=["drawn_at"],
        data={"seed": locked.seed, "drawn": len(result)},
    )


@transaction.atomic(durable=True)
def inspection_plan_close(*, actor: User, plan: InspectionPlan) -> InspectionPlan:
    locked = _locked_plan(plan.pk)
    _require_supervisor(actor, locked.region_id)
    PLAN_WORKFLOW.check(locked, PlanAction.CLOSE)
    open_ = Inspection.objects.filter(plan=locked, status=InspectionStatus.ASSIGNED).count()
    if open_:
        raise Conflict(
            _("%(n)d inspections have no result yet.") % {"n": open_}, code="inspections_open", details={"open": open_}
        )
    return PLAN_WORKFLOW.apply(locked, action=PlanAction.CLOSE, actor=actor, role=StaffRoleKind.SUPERVISOR.value)


# ------------------------------------------------------------------ results


@transaction.atomic(durable=True)
def inspection_record_result(*, actor: User, inspection: Inspection, result: str, findings: str = "") -> Inspection:
    """An inspector of the team records the result; it is published, and an adverse one goes on the
    target's credit file."""
    locked = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("target", "plan")
        .filter(pk=inspection.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("The inspection was not found."), code="inspection_not_found")
    team = list(locked.team.all())
    if not actor.is_active or not any(i.user_id == actor.pk for i in team):
        raise PermissionDenied(_("Only an inspector of the team may record the result."), code="not_on_team")
    if InspectorConflict.objects.filter(inspector__in=team, target=locked.target).exists():
        raise InspectorConflicted()
    if result not in InspectionResult.values:
        raise ValidationFailed(_("Choose a result."), code="invalid_result")
    INSPECTION_WORKFLOW.check(locked, InspectionAction.RECORD)
    if locked.plan.status != PlanStatus.DRAWN:
        raise Conflict(_("The plan is not open for results."), code="plan_not_open")
    adverse = result in ADVERSE_RESULTS
    locked.result = result
    locked.findings = _text(findings, code="findings_required", label=_("Describe the findings."), required=adverse)
    locked.recorded_by = actor
    locked.recorded_at = timezone.now()
    INSPECTION_WORKFLOW.apply(
        locked,
        action=InspectionAction.RECORD,
        actor=actor,
        role="inspector",
        fields=["result", "findings", "recorded_by", "recorded_at"],
    )
    if adverse:
        record = CreditRecord.objects.create(
            uscc=locked.target.uscc,
            department=locked.plan.department,
            kind=CreditKind.INSPECTION_FINDING,
            reason=f"{locked.plan.title}: {InspectionResult(result).label} — {locked.findings}",
            recorded_by=actor,
        )
        audit.record(
            stream=f"credit:{locked.target.uscc}",
            action="credit.recorded",
            object_type="credit_record",
            object_id=record.pk,
            actor=actor,
            actor_role="inspector",
            reason=record.reason,
            data={"kind": record.kind, "inspection": locked.pk, "department": record.department_id},
        )
    return locked
