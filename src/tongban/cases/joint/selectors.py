"""Reads of joint cases, with authorization by relation (ADR 0003): a joint case is visible to whoever
may see its local step's case — the applicant, that department's staff, the region's supervisors.
Anyone else gets ``404 joint_not_found``. Staff reads are audited (``joint.viewed``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.cases import selectors as case_selectors
from tongban.cases.joint import errors
from tongban.cases.joint import events as joint_events
from tongban.cases.joint.constants import CertificateField, JointStatus, StepRole, StepStatus
from tongban.cases.joint.models import JointCase, JointEvent, JointStep
from tongban.cases.joint.services import certificate_spec
from tongban.cases.models import Case
from tongban.federation.signing import own_region
from tongban.regions.models import Region

ACTION_LABELS = {
    "apply": _("Applied"),
    "open": _("Step opened at the other region's request"),
    "refuse": _("The other region's node refused to open the step"),
    "complete": _("Joint case completed"),
    "fail": _("Joint case failed"),
}


def joint_visible(*, user: User) -> QuerySet[JointCase]:
    if not user.is_authenticated:
        return JointCase.objects.none()
    cases = case_selectors.case_list_for_user(user=user).values("pk")
    return JointCase.objects.filter(steps__case__in=cases).distinct().order_by("-created_at", "-id")


def local_step(joint: JointCase) -> JointStep | None:
    return joint.steps.filter(case__isnull=False).select_related("case").first()


def joint_get_for_user(*, user: User, joint_id: uuid.UUID | str, reason: str = "") -> tuple[JointCase, str]:
    """The joint case and the viewer's role; staff reads leave a ``joint.viewed`` event."""
    try:
        key = uuid.UUID(str(joint_id))
    except ValueError as exc:
        raise errors.JointNotFound() from exc
    joint = JointCase.objects.filter(joint_id=key).first()
    step = local_step(joint) if joint is not None else None
    access = (
        case_selectors.access_for(user=user, case=step.case)
        if step is not None and step.case is not None and user.is_authenticated
        else None
    )
    if joint is None or access is None:
        raise errors.JointNotFound()
    if access.role != "applicant":
        with transaction.atomic():
            joint_events.joint_viewed(joint=joint, actor=user, role=access.role, reason=(reason or "handling")[:500])
    return joint, access.role


def joint_for_case(*, case: Case) -> JointCase | None:
    step = JointStep.objects.filter(case_id=case.pk).select_related("joint").first()
    return step.joint if step is not None else None


def timeline(*, joint: JointCase) -> list[JointEvent]:
    return list(joint.events.order_by("occurred_at", "id"))


@dataclass(frozen=True)
class StepView:
    step: JointStep
    role_label: str
    region_name: str
    status_label: str
    is_local: bool
    certificate: list[tuple[str, str]]


@dataclass(frozen=True)
class EventView:
    event: JointEvent
    label: str
    region_name: str
    role_label: str
    status_label: str


@dataclass(frozen=True)
class JointView:
    joint: JointCase
    status_label: str
    source_name: str
    destination_name: str
    steps: list[StepView]
    events: list[EventView]


def _status_label(value: str) -> str:
    if value in StepStatus.values:
        return str(StepStatus(value).label)
    if value in JointStatus.values:
        return str(JointStatus(value).label)
    return value


def _action_label(action: str) -> str:
    from tongban.cases.constants import CaseAction

    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    if action in CaseAction.values:
        return str(CaseAction(action).label)
    return action


def joint_view(*, joint: JointCase) -> JointView:
    """Both steps (outgoing first) and the one timeline, with labels, for pages and the API."""
    names = dict(
        Region.objects.filter(code__in=[joint.source_region, joint.destination_region]).values_list("code", "name")
    )
    own = own_region()
    labels = {f.value: str(f.label) for f in CertificateField}
    steps = []
    for step in sorted(joint.steps.all(), key=lambda s: s.role != StepRole.OUTGOING):
        steps.append(
            StepView(
                step=step,
                role_label=str(StepRole(step.role).label),
                region_name=names.get(step.region_code, step.region_code),
                status_label=_status_label(step.status),
                is_local=step.region_code == own,
                certificate=[
                    (labels[f.value], step.certificate[f.value])
                    for f in certificate_spec(joint.base_code)
                    if step.certificate.get(f.value)
                ],
            )
        )
    events = [
        EventView(
            event=e,
            label=_action_label(e.action),
            region_name=names.get(e.region_code, e.region_code),
            role_label=str(StepRole(e.role).label) if e.role else "",
            status_label=_status_label(e.status),
        )
        for e in timeline(joint=joint)
    ]
    return JointView(
        joint=joint,
        status_label=str(JointStatus(joint.status).label),
        source_name=names.get(joint.source_region, joint.source_region),
        destination_name=names.get(joint.destination_region, joint.destination_region),
        steps=steps,
        events=events,
    )
