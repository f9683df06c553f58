"""Writes of joint cases (多地联办).

- ``joint_case_apply``: the applicant turns a draft of a joint item into a joint case; the draft is
  submitted as this node's step and a signed ``cases.joint_open`` asks the other region's node to
  open its step.
- ``joint_open_receive`` / ``joint_step_receive``: the message handlers (``handlers.py``).
- ``case_transitioned``: subscribed to the case workflow (``cases.workflow.CASES``): after every
  move of a case that is a joint step, the step's snapshot and a timeline entry go to the other
  node (``cases.joint_step``).
- ``joint_certificate_record``: the outgoing step's reviewer records the transfer certificate
  (参保缴费凭证 …) that travels with the approval to the incoming step.
- ``approve_guard`` / ``materials_come_from_peer``: rules registered with the case workflow (a guard
  of the approval, and the materials a step opened for a peer does without).

A joint case completes when both steps are approved, and fails (with the reasons) when either
step is refused, denied, withdrawn or terminated; a step still open here is then terminated.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from tongban.accounts.models import User
from tongban.accounts.notifications import notify
from tongban.cases import services as case_services
from tongban.cases.constants import CaseChannel, CaseStatus, IdentityCheck
from tongban.cases.joint import errors
from tongban.cases.joint import events as joint_events
from tongban.cases.joint.constants import (
    CERTIFICATE_REQUIRED,
    CERTIFICATE_SPECS,
    DEFAULT_CERTIFICATE_SPEC,
    JOINT_TRANSITIONS,
    MSG_OPEN,
    MSG_STEP,
    STEP_DONE,
    STEP_FAILED,
    CertificateField,
    JointStatus,
    StepRole,
    StepStatus,
)
from tongban.cases.joint.models import JointCase, JointEvent, JointStep
from tongban.cases.models import Case
from tongban.catalog.constants import CrossRegionMode, ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError
from tongban.core.workflow import Move, Workflow
from tongban.federation import services as federation_services
from tongban.federation.constants import PeerStatus
from tongban.federation.models import Peer
from tongban.federation.signing import own_region
from tongban.regions.models import Region

EVENT_NAMESPACE = uuid.UUID("6f2b8a51-3c0e-4d5e-9a8b-2b7c1d0e4f11")
OTHER_ROLE = {StepRole.OUTGOING: StepRole.INCOMING, StepRole.INCOMING: StepRole.OUTGOING}

# ------------------------------------------------------------------ message payloads (schema version 1)

RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
FormValue = Annotated[str, StringConstraints(max_length=2000)] | int | float | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StepIn(_Strict):
    status: StepStatus
    case_number: Annotated[str, StringConstraints(max_length=32)] = ""
    item_code: Annotated[str, StringConstraints(max_length=60)] = ""
    department_name: Short = ""
    accepted_on: dt.date | None = None
    promised_due_date: dt.date | None = None
    legal_due_date: dt.date | None = None
    due_provisional: bool = False
    reasons: Text = ""
    certificate: dict[Annotated[str, StringConstraints(max_length=40)], Short] = Field(default_factory=dict)


class EventIn(_Strict):
    event_id: uuid.UUID
    role: Literal["outgoing", "incoming", ""]
    region_code: RegionCode
    action: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
    status: StepStatus | JointStatus
    note: Text = ""
    occurred_at: dt.datetime


class ApplicantIn(_Strict):
    id_number: Annotated[str, StringConstraints(min_length=18, max_length=18)]
    full_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    phone: Annotated[str, StringConstraints(max_length=20)] = ""


class OpenIn(_Strict):
    joint_id: uuid.UUID
    base_code: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    item_name: Short
    source_region: RegionCode
    destination_region: RegionCode
    role: Literal["outgoing", "incoming"]
    applicant: ApplicantIn
    form_data: dict[Annotated[str, StringConstraints(max_length=60)], FormValue] = Field(
        default_factory=dict, max_length=60
    )
    step: StepIn
    events: list[EventIn] = Field(default_factory=list, max_length=50)


class StepMessageIn(_Strict):
    joint_id: uuid.UUID
    role: Literal["outgoing", "incoming"]
    seq: Annotated[int, Field(ge=1, le=1_000_000)]
    step: StepIn
    events: list[EventIn] = Field(default_factory=list, max_length=50)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], payload: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(dict(payload))
    except PydanticValidationError as exc:
        details = [
            {"loc": [str(p) for p in e.get("loc", [])], "type": str(e.get("type", "")), "msg": str(e.get("msg", ""))}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise errors.payload_invalid(details) from exc


# ------------------------------------------------------------------ helpers


def _lock_joint(pk: int) -> JointCase:
    return JointCase.objects.select_for_update().get(pk=pk)


def _snapshot(step: JointStep) -> dict[str, Any]:
    return {
        "status": step.status,
        "case_number": step.case_number,
        "item_code": step.item_code,
        "department_name": step.department_name,
        "accepted_on": step.accepted_on.isoformat() if step.accepted_on else None,
        "promised_due_date": step.promised_due_date.isoformat() if step.promised_due_date else None,
        "legal_due_date": step.legal_due_date.isoformat() if step.legal_due_date else None,
        "due_provisional": step.due_provisional,
        "reasons": step.reasons,
        "certificate": dict(step.certificate),
    }


STEP_FIELDS = [
    "status",
    "case_number",
    "item_code",
    "department_name",
    "accepted_on",
    "promised_due_date",
    "legal_due_date",
    "due_provisional",
    "reasons",
]


def _sync_from_case(step: JointStep, case: Case) -> None:
    step.status = case.status
    step.case_number = case.number or ""
    step.item_code = case.item.code
    step.department_name = case.department.name
    step.accepted_on = case.accepted_on
    step.promised_due_date = case.promised_due_date
    step.legal_due_date = case.legal_due_date
    step.due_provisional = case.due_provisional
    step.reasons = case.decision_reasons


def _event_dict(event: JointEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "role": event.role,
        "region_code": event.region_code,
        "action": event.action,
        "status": event.status,
        "note": event.note,
        "occurred_at": event.occurred_at.isoformat(),
    }


def _add_event(
    joint: JointCase,
    *,
    role: str,
    region_code: str,
    action: str,
    status: str,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> JointEvent:
    """Append a timeline entry once: a second entry with the same id is the same entry."""
    event_id = event_id or uuid.uuid4()
    existing = JointEvent.objects.filter(event_id=event_id).first()
    if existing is not None:
        if existing.joint_id != joint.pk:
            raise errors.payload_invalid([{"loc": ["events"], "type": "foreign_event", "msg": "event of another case"}])
        return existing
    return JointEvent.objects.create(
        joint=joint,
        event_id=event_id,
        role=role,
        region_code=region_code,
        action=action,
        status=status,
        note=note[:2000],
        occurred_at=occurred_at or timezone.now(),
    )


def _send_step(joint: JointCase, step: JointStep, new_events: Iterable[JointEvent], *, actor: User | None) -> None:
    other = joint.destination_region if step.region_code == joint.source_region else joint.source_region
    federation_services.message_send(
        recipient_region=other,
        type=MSG_STEP,
        correlation_id=str(joint.joint_id),
        payload={
            "joint_id": str(joint.joint_id),
            "role": step.role,
            "seq": step.seq,
            "step": _snapshot(step),
            "events": [_event_dict(e) for e in new_events],
        },
        actor=actor,
    )


def _region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


def _notify(joint: JointCase, *, subject: str, body: str = "", kind: str = "case") -> None:
    local = joint.steps.filter(case__isnull=False).values_list("case_id", flat=True).first()
    notify(
        user=joint.applicant,
        subject=subject,
        body=body,
        kind=kind,
        link=f"/cases/{local}/" if local else "",
        channels=("inbox",),
    )


def _record_finish(move: Move[JointCase]) -> None:
    joint_events.joint_finished(joint=move.obj, action=move.action, reason=move.reason)


def _joint_label(status: str) -> str:
    return str(JointStatus(status).label)


# A joint case completes or fails once, from its steps (``_recompute``), on both nodes alike.
JOINTS: Workflow[JointCase] = Workflow(
    name="joint_case",
    model=JointCase,
    table=JOINT_TRANSITIONS,
    label=_joint_label,
    record=_record_finish,
    lock=_lock_joint,
)


def _finish(joint: JointCase, action: str, *, reason: str, at: dt.datetime) -> None:
    target = JOINTS.check(joint, action)
    joint.failure_reasons = reason[:4000]
    joint.finished_at = timezone.now()
    JOINTS.apply(
        joint,
        action=action,
        actor=None,
        role="system",
        fields=["failure_reasons", "finished_at"],
        reason=reason,
        target=target,
    )
    # Both nodes decide this from the same step states: the same id and time make it one entry.
    _add_event(
        joint,
        role="",
        region_code="",
        action=action,
        status=target,
        note=reason,
        occurred_at=at,
        event_id=uuid.uuid5(EVENT_NAMESPACE, f"{joint.joint_id}:{action}"),
    )


def _recompute(joint: JointCase, *, at: dt.datetime) -> None:
    """Complete or fail the joint case from its steps; terminate a step still open here when it fails."""
    if joint.status != JointStatus.OPEN:
        return
    steps = list(joint.steps.select_related("case"))
    failed = [s for s in steps if s.status in STEP_FAILED]
    if failed:
        reason = "；".join(
            gettext("%(step)s (%(region)s): %(status)s%(reasons)s")
            % {
                "step": StepRole(s.role).label,
                "region": _region_name(s.region_code),
                "status": StepStatus(s.status).label,
                "reasons": f"——{s.reasons}" if s.reasons else "",
            }
            for s in failed
        )
        _finish(joint, "fail", reason=reason, at=at)
        _notify(
            joint,
            subject=gettext("Joint case %(item)s failed") % {"item": joint.item_name},
            body=reason,
            kind="warning",
        )
        for step in steps:
            if step.case is not None and step.status not in STEP_DONE | STEP_FAILED:
                case_services.case_terminate(
                    case=step.case,
                    actor=None,
                    reason=gettext("The joint case failed in the other region: %(reason)s") % {"reason": reason},
                )
        return
    if len(steps) == 2 and all(s.status in STEP_DONE for s in steps):
        _finish(joint, "complete", reason="", at=at)
        _notify(
            joint,
            subject=gettext("Joint case %(item)s completed") % {"item": joint.item_name},
            body=gettext("Both the transfer-out and the transfer-in steps are done."),
        )


def _own_peer(region: str) -> None:
    if region == own_region():
        raise errors.same_region()
    if not Peer.objects.filter(region_code=region, status=PeerStatus.ACTIVE).exists():
        raise errors.region_not_peer()


# ------------------------------------------------------------------ applying


@transaction.atomic(durable=True)
def joint_case_apply(*, case: Case, actor: User, other_region: str, role: str = StepRole.INCOMING) -> JointCase:
    """Submit the draft ``case`` of a joint item as this node's step and ask ``other_region`` for the other.

    ``role`` is this node's step: ``incoming`` when the applicant applies at the destination
    (转入地, the usual way), ``outgoing`` when at the source.
    """
    case, _role = case_services.case_lock_as_applicant(case=case, actor=actor)
    if role not in StepRole.values:
        raise errors.invalid_role()
    if case.item.cross_region_mode != CrossRegionMode.JOINT:
        raise errors.not_joint_item()
    if JointStep.objects.filter(case=case).exists():
        raise errors.already_joint()
    _own_peer(other_region)
    if not case.applicant.id_number:
        raise errors.applicant_id_required()
    case = case_services.case_submit(case=case, actor=actor)
    own = own_region()
    source, destination = (other_region, own) if role == StepRole.INCOMING else (own, other_region)
    joint = JointCase.objects.create(
        joint_id=uuid.uuid4(),
        base_code=case.item.base.base_code if case.item.base_id else case.item.code,
        item_name=case.item.name,
        source_region=source,
        destination_region=destination,
        initiator_region=own,
        applicant=case.applicant,
    )
    local = JointStep(joint=joint, role=role, region_code=own, case=case, seq=1)
    _sync_from_case(local, case)
    local.save()
    JointStep.objects.create(joint=joint, role=OTHER_ROLE[StepRole(role)], region_code=other_region)
    applied = _add_event(joint, role=role, region_code=own, action="apply", status=case.status)
    joint_events.joint_created(joint=joint, actor=actor, role="applicant", case_number=case.number or "")
    federation_services.message_send(
        recipient_region=other_region,
        type=MSG_OPEN,
        correlation_id=str(joint.joint_id),
        payload={
            "joint_id": str(joint.joint_id),
            "base_code": joint.base_code,
            "item_name": joint.item_name,
            "source_region": source,
            "destination_region": destination,
            "role": OTHER_ROLE[StepRole(role)].value,
            "applicant": {
                "id_number": case.applicant.id_number,
                "full_name": case.applicant.full_name,
                "phone": case.applicant.phone,
            },
            "form_data": dict(case.form_data),
            "step": _snapshot(local),
            "events": [_event_dict(applied)],
        },
        actor=actor,
    )
    return joint


# ------------------------------------------------------------------ receiving (handlers run in the inbox transaction)


def _check_events(events: list[EventIn], *, sender: str, role: str | None) -> None:
    for event in events:
        if event.region_code != sender or (role is not None and event.role != role):
            raise errors.not_a_party()


def _joint_item(base_code: str) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("department", "region", "base")
        .filter(
            region_id=own_region(),
            base__base_code=base_code,
            status=ItemStatus.PUBLISHED,
            cross_region_mode=CrossRegionMode.JOINT,
        )
        .order_by("-version")
        .first()
    )
    if item is None:
        raise errors.no_joint_item()
    return item


def _open_step_case(data: OpenIn, *, sender: str) -> tuple[Case, User]:
    """Create and submit this node's step as a case of the local item's department (raises on refusal)."""
    item = _joint_item(data.base_code)
    home = Region.objects.filter(code=sender).first() or item.region
    declared = {str(f.get("name")) for f in item.form_fields or [] if isinstance(f, dict)}
    peer = case_services.PeerActor(region=sender, role="peer:" + sender)
    case = case_services.case_create_for_peer(
        actor=peer,
        item=item,
        applicant=case_services.WindowApplicant(
            id_number=data.applicant.id_number, full_name=data.applicant.full_name, phone=data.applicant.phone
        ),
        applicant_region=home,
        form_data={k: v for k, v in data.form_data.items() if k in declared and v not in (None, "")},
        complete=False,
        channel=CaseChannel.PROXY,
        identity_check=IdentityCheck.ONLINE_LOGIN,
    )
    case = case_services.case_submit_for_peer(
        actor=peer,
        case=case,
        notice=gettext("Your joint application was forwarded here by %(region)s.") % {"region": _region_name(sender)},
    )
    return case, case.applicant


def joint_open_receive(*, sender: str, payload: Mapping[str, Any]) -> JointCase | None:
    """``cases.joint_open``: open this node's step of a joint case the sender's applicant applied for.

    Malformed payloads, senders that are not the initiating party and known ids raise (the message
    is stored as failed). A business refusal (no such joint item here, the applicant cannot be
    registered, the form does not fit) is answered with the step ``refused`` and its reason.
    """
    data = _parse(OpenIn, payload)
    own = own_region()
    parties = {data.source_region, data.destination_region}
    if data.source_region == data.destination_region or sender not in parties or own not in parties:
        raise errors.not_a_party()
    if data.role != (StepRole.OUTGOING if own == data.source_region else StepRole.INCOMING):
        raise errors.payload_invalid([{"loc": ["role"], "type": "wrong_role", "msg": "not this region's step"}])
    _check_events(data.events, sender=sender, role=OTHER_ROLE[StepRole(data.role)])
    if JointCase.objects.filter(joint_id=data.joint_id).exists():
        raise errors.joint_exists()
    try:
        with transaction.atomic():
            case, applicant = _open_step_case(data, sender=sender)
    except ApplicationError as exc:
        reason = str(exc.message)
        joint_events.joint_open_refused(joint_id=str(data.joint_id), sender=sender, code=exc.code, reason=reason)
        now = timezone.now()
        federation_services.message_send(
            recipient_region=sender,
            type=MSG_STEP,
            correlation_id=str(data.joint_id),
            payload={
                "joint_id": str(data.joint_id),
                "role": data.role,
                "seq": 1,
                "step": {"status": StepStatus.REFUSED.value, "reasons": reason},
                "events": [
                    {
                        "event_id": str(uuid.uuid4()),
                        "role": data.role,
                        "region_code": own,
                        "action": "refuse",
                        "status": StepStatus.REFUSED.value,
                        "note": reason,
                        "occurred_at": now.isoformat(),
                    }
                ],
            },
            actor=None,
        )
        return None
    joint = JointCase.objects.create(
        joint_id=data.joint_id,
        base_code=data.base_code,
        item_name=case.item.name,
        source_region=data.source_region,
        destination_region=data.destination_region,
        initiator_region=sender,
        applicant=applicant,
    )
    remote = JointStep(joint=joint, role=OTHER_ROLE[StepRole(data.role)], region_code=sender, seq=1)
    _apply_snapshot(remote, data.step, certificate_allowed=False, base_code=data.base_code)
    remote.save()
    local = JointStep(joint=joint, role=data.role, region_code=own, case=case, opened_by_peer=True, seq=1)
    _sync_from_case(local, case)
    local.save()
    for event in data.events:
        _add_event(joint, **event.model_dump())
    opened = _add_event(joint, role=data.role, region_code=own, action="open", status=case.status)
    joint_events.joint_opened_for_peer(joint=joint, sender=sender, case_number=case.number or "")
    _send_step(joint, local, [opened], actor=None)
    return joint


def _apply_snapshot(step: JointStep, data: StepIn, *, certificate_allowed: bool, base_code: str) -> None:
    for name in STEP_FIELDS:
        setattr(step, name, getattr(data, name))
    if data.certificate:
        if not certificate_allowed:
            raise errors.payload_invalid([{"loc": ["step", "certificate"], "type": "not_allowed", "msg": ""}])
        step.certificate = clean_certificate(base_code=base_code, data=data.certificate)


def joint_step_receive(*, sender: str, payload: Mapping[str, Any]) -> JointCase:
    """``cases.joint_step``: the other node reports its step's state and new timeline entries.

    Only the region that runs a step may report it. An older report (``seq`` not above the one
    applied) changes nothing but its timeline entries are still taken once each.
    """
    data = _parse(StepMessageIn, payload)
    found = JointCase.objects.filter(joint_id=data.joint_id).values_list("pk", flat=True).first()
    if found is None:
        raise errors.JointNotFound()
    joint = _lock_joint(found)
    if sender not in joint.parties():
        raise errors.not_a_party()
    step = joint.steps.select_for_update().get(role=data.role)
    if step.region_code != sender or step.case_id is not None:
        raise errors.not_a_party()
    _check_events(data.events, sender=sender, role=data.role)
    newest = max((e.occurred_at for e in data.events), default=timezone.now())
    if data.seq > step.seq:
        before = step.status
        _apply_snapshot(
            step, data.step, certificate_allowed=data.role == StepRole.OUTGOING.value, base_code=joint.base_code
        )
        step.seq = data.seq
        step.save(update_fields=[*STEP_FIELDS, "certificate", "seq", "updated_at"])
        joint_events.step_changed(
            joint=joint, role=step.role, region=sender, status=step.status, seq=step.seq, actor=None
        )
        if step.status != before:
            _notify(
                joint,
                subject=gettext("Joint case %(item)s: %(step)s in %(region)s is “%(status)s”")
                % {
                    "item": joint.item_name,
                    "step": StepRole(step.role).label,
                    "region": _region_name(sender),
                    "status": StepStatus(step.status).label,
                },
                body=step.reasons,
            )
    for event in data.events:
        _add_event(joint, **event.model_dump())
    _recompute(joint, at=newest)
    return joint


# ------------------------------------------------------------------ rules and a receiver of the case workflow


def _step_of(case: Case) -> JointStep | None:
    if case.item.cross_region_mode != CrossRegionMode.JOINT:
        return None
    return JointStep.objects.filter(case_id=case.pk).first()


def case_transitioned(move: Move[Case]) -> None:
    """After a move of a local joint step: mirror it, tell the other node, complete or fail the joint case."""
    case = move.obj
    found = _step_of(case)
    if found is None:
        return
    joint = _lock_joint(found.joint_id)
    step = JointStep.objects.select_for_update().get(pk=found.pk)
    _sync_from_case(step, case)
    step.seq += 1
    step.save(update_fields=[*STEP_FIELDS, "seq", "updated_at"])
    event = _add_event(
        joint, role=step.role, region_code=step.region_code, action=move.action, status=case.status, note=move.reason
    )
    joint_events.step_changed(
        joint=joint, role=step.role, region=step.region_code, status=step.status, seq=step.seq, actor=move.actor
    )
    _send_step(joint, step, [event], actor=move.actor)
    _recompute(joint, at=event.occurred_at)


def approve_guard(case: Case) -> None:
    """The outgoing step needs its certificate; the incoming step needs the outgoing step approved with it."""
    step = _step_of(case)
    if step is None:
        return
    if step.role == StepRole.OUTGOING:
        if not step.certificate:
            raise errors.certificate_required()
        return
    outgoing = JointStep.objects.filter(joint_id=step.joint_id, role=StepRole.OUTGOING).first()
    if outgoing is None or outgoing.status not in STEP_DONE or not outgoing.certificate:
        raise errors.waiting_for_outgoing()


def materials_come_from_peer(case: Case) -> bool:
    """A step opened at a peer's request: the request (联系函) replaces the applicant's materials here."""
    step = _step_of(case)
    return step is not None and step.opened_by_peer


# ------------------------------------------------------------------ the transfer certificate


def certificate_spec(base_code: str) -> tuple[CertificateField, ...]:
    return CERTIFICATE_SPECS.get(base_code, DEFAULT_CERTIFICATE_SPEC)


def clean_certificate(*, base_code: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The certificate's fields for this item, checked: months a whole number, amounts in yuan (2 decimals)."""
    if not isinstance(data, Mapping):
        raise errors.certificate_invalid({"": [{"code": "invalid", "message": str(_("Enter the fields."))}]})
    spec = certificate_spec(base_code)
    allowed = {f.value for f in spec}
    problems: dict[str, list[dict[str, str]]] = {}
    for name in data:
        if name not in allowed:
            problems[str(name)] = [{"code": "unknown_field", "message": str(_("This field is not part of the form."))}]
    cleaned: dict[str, str] = {}
    for field in spec:
        raw = data.get(field.value)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if field.value in CERTIFICATE_REQUIRED:
                problems[field.value] = [{"code": "required", "message": str(_("This field is required."))}]
            continue
        if len(value) > 200 or "\x00" in value:
            problems[field.value] = [{"code": "invalid", "message": str(_("The value is too long."))}]
            continue
        if field == CertificateField.CONTRIBUTION_MONTHS:
            if not value.isdigit() or not 0 <= int(value) <= 1200:
                problems[field.value] = [
                    {"code": "invalid", "message": str(_("Enter a whole number of months (0 to 1200)."))}
                ]
                continue
            value = str(int(value))
        elif field in (CertificateField.ACCOUNT_BALANCE, CertificateField.FUND_TRANSFERRED):
            try:
                amount = Decimal(value)
            except InvalidOperation:
                amount = Decimal(-1)
            if (
                not amount.is_finite()
                or amount < 0
                or amount >= Decimal("1e12")
                or amount != amount.quantize(Decimal("0.01"))
            ):
                problems[field.value] = [
                    {"code": "invalid", "message": str(_("Enter an amount in yuan with at most two decimals."))}
                ]
                continue
            value = f"{amount:.2f}"
        cleaned[field.value] = value
    if problems:
        raise errors.certificate_invalid(problems)
    return cleaned


@transaction.atomic(durable=True)
def joint_certificate_record(*, case: Case, actor: User, data: Mapping[str, Any]) -> JointStep:
    """The reviewer of the outgoing step records the certificate that goes to the incoming step on approval."""
    case, role = case_services.case_lock_as_department(case=case, actor=actor)
    found = _step_of(case)
    if found is None:
        raise errors.step_not_found()
    joint = _lock_joint(found.joint_id)
    step = JointStep.objects.select_for_update().get(pk=found.pk)
    if step.role != StepRole.OUTGOING:
        raise errors.not_outgoing_step()
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW):
        raise errors.certificate_closed()
    step.certificate = clean_certificate(base_code=joint.base_code, data=data)
    step.save(update_fields=["certificate", "updated_at"])
    joint_events.certificate_recorded(joint=joint, actor=actor, role=role, fields=sorted(step.certificate))
    return step
