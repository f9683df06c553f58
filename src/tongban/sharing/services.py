"""Writes of data sharing: the resource catalog, supply and demand (供需对接), reads through the exchange.

Every stateful object moves through the transition kernel (``core.workflow``): resources with
``RESOURCE_WORKFLOW``, requests with ``REQUEST_WORKFLOW`` (tables in ``constants.py``). Reads go
through ``exchange_read`` only: a live approval, a purpose and a context covering the subject are
checked before the connector is asked, only approved fields leave, masked as approved, and every
read and every refusal is appended to the hash-chained access log in its own transaction, so that a
refusal is logged even though the caller's work is left as it was.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import is_valid_resident_id, is_valid_uscc
from tongban.core.workflow import Workflow
from tongban.regions.models import Department
from tongban.sharing import contexts, errors, events, messages, objections, selectors, store
from tongban.sharing.connectors import registry as connectors
from tongban.sharing.connectors.base import Fetched, FetchRequest
from tongban.sharing.constants import (
    LIVE_STATUSES,
    MANY_DEPARTMENTS,
    MAX_PERIOD_DAYS,
    REQUEST_TRANSITIONS,
    RESOURCE_TRANSITIONS,
    SPIKE_READS_PER_HOUR,
    VERIFICATION_TRANSITIONS,
    AccessResult,
    AnomalyKind,
    ConnectorKind,
    ContextKind,
    ObjectionStatus,
    ProofMode,
    Purpose,
    RequestAction,
    RequestStatus,
    ResourceAction,
    ResourceStatus,
    SharingClass,
    SubjectKind,
    VerificationAction,
    VerificationStatus,
)
from tongban.sharing.contexts import AccessContext
from tongban.sharing.models import (
    AccessLogEntry,
    Anomaly,
    DataReceipt,
    DataRequest,
    DataResource,
    Objection,
    ProofRequirement,
    VerificationTask,
)
from tongban.sharing.schemas import DecisionIn, RequestIn, ResourceIn

RESOURCE_WORKFLOW: Workflow[DataResource] = Workflow(
    name="data-resource",
    model=DataResource,
    table=RESOURCE_TRANSITIONS,
    label=lambda status: ResourceStatus(status).label,
    record=events.resource_moved,
    lock=lambda pk: DataResource.objects.select_for_update().get(pk=pk),
)

REQUEST_WORKFLOW: Workflow[DataRequest] = Workflow(
    name="data-request",
    model=DataRequest,
    table=REQUEST_TRANSITIONS,
    label=lambda status: RequestStatus(status).label,
    record=events.request_moved,
    lock=lambda pk: DataRequest.objects.select_for_update().get(pk=pk),
)


def _problem(field_name: str, code: str, message: str) -> dict[str, str]:
    return {"field": field_name, "code": code, "message": message}


def _label(user: User | None) -> str:
    return (user.display_name if user is not None else "system")[:150]


def _number(prefix: str) -> str:
    return f"{prefix}-{selectors.own_region()}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"


# ================================================================ the resource catalog


def _resource_problems(data: ResourceIn) -> list[dict[str, str]]:
    problems = []
    names = [f.name for f in data.fields]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(
            _problem("fields", "duplicate_field", gettext("The field “%(name)s” is listed twice.") % {"name": name})
        )
    key = "id_number" if data.subject_kind == SubjectKind.PERSON else "uscc"
    if data.connector == ConnectorKind.HTTP:
        url = str(data.connector_config.get("base_url", ""))
        if not url.startswith(("http://", "https://")):
            problems.append(
                _problem(
                    "connector_config",
                    "base_url_required",
                    gettext("An HTTP provider needs its base URL (http:// or https://)."),
                )
            )
    if data.connector == ConnectorKind.PEER:
        region = str(data.connector_config.get("region", ""))
        if len(region) != 6 or not region.isdigit() or region == selectors.own_region():
            problems.append(
                _problem(
                    "connector_config",
                    "peer_region_required",
                    gettext("A peer resource needs the six-digit code of another region."),
                )
            )
        elif data.provider_region != region:
            problems.append(
                _problem(
                    "provider_region",
                    "provider_not_in_peer",
                    gettext("The provider of a peer resource is a department of that region."),
                )
            )
    elif data.provider_region != selectors.own_region():
        problems.append(
            _problem(
                "provider_region",
                "provider_not_local",
                gettext("A local or HTTP resource is provided by a department of this region."),
            )
        )
    if key not in names:
        problems.append(
            _problem(
                "fields",
                "subject_field_missing",
                gettext("The fields must include the subject's identifier (“%(name)s”).") % {"name": key},
            )
        )
    return problems


@transaction.atomic
def resource_draft_save(*, actor: User, data: ResourceIn) -> DataResource:
    """Create the draft of a new resource or of a new version of a published one, or update the draft."""
    provider = selectors.department_get(region_code=data.provider_region, code=data.provider_code)
    problems = _resource_problems(data)
    if provider is None:
        problems.append(
            _problem("provider_code", "unknown_department", gettext("No department has this code in this region."))
        )
    if problems:
        raise errors.resource_invalid(problems)
    assert provider is not None
    if not (
        selectors.is_region_data_admin(user=actor, region_code=selectors.own_region())
        or (provider.region_id == selectors.own_region() and selectors.is_data_admin(user=actor, department=provider))
    ):
        raise errors.not_data_admin()
    values: dict[str, Any] = {
        "name": data.name,
        "name_en": data.name_en,
        "description": data.description,
        "provider": provider,
        "subject_kind": data.subject_kind.value,
        "fields": [f.model_dump(mode="json") for f in data.fields],
        "update_frequency": data.update_frequency.value,
        "legal_basis": data.legal_basis,
        "system_name": data.system_name,
        "connector": data.connector.value,
        "connector_config": dict(data.connector_config),
        "change_note": data.change_note,
    }
    draft = DataResource.objects.select_for_update().filter(code=data.code, status=ResourceStatus.DRAFT).first()
    created = draft is None
    if draft is None:
        last = (
            DataResource.objects.filter(code=data.code).order_by("-version").values_list("version", flat=True).first()
        )
        draft = DataResource.objects.create(
            code=data.code, version=(last or 0) + 1, status=ResourceStatus.DRAFT, created_by=actor, **values
        )
    else:
        for name, value in values.items():
            setattr(draft, name, value)
        draft.save()
    events.resource_saved(resource=draft, actor=actor, created=created)
    return draft


def _may_administer(actor: User, resource: DataResource) -> bool:
    return selectors.is_region_data_admin(user=actor, region_code=selectors.own_region()) or (
        resource.provider.region_id == selectors.own_region()
        and selectors.is_data_admin(user=actor, department=resource.provider)
    )


@transaction.atomic
def resource_publish(*, actor: User | None, resource: DataResource) -> DataResource:
    """Publish a draft: the version published until now is superseded in the same transaction."""
    if actor is not None and not _may_administer(actor, resource):
        raise errors.not_data_admin()
    draft = RESOURCE_WORKFLOW.lock(resource.pk)  # type: ignore[misc]
    RESOURCE_WORKFLOW.check(draft, ResourceAction.PUBLISH)
    live = DataResource.objects.select_for_update().filter(code=draft.code, status=ResourceStatus.PUBLISHED).first()
    if live is not None:
        RESOURCE_WORKFLOW.apply(live, action=ResourceAction.SUPERSEDE, actor=actor, data={"by_version": draft.version})
    draft.published_at = timezone.now()
    return RESOURCE_WORKFLOW.apply(draft, action=ResourceAction.PUBLISH, actor=actor, fields=["published_at"])


@transaction.atomic
def resource_withdraw(*, actor: User, resource: DataResource, reason: str) -> DataResource:
    if not _may_administer(actor, resource):
        raise errors.not_data_admin()
    if not reason.strip():
        raise errors.reason_required()
    return RESOURCE_WORKFLOW.transition(resource.pk, action=ResourceAction.WITHDRAW, actor=actor, reason=reason.strip())


# ================================================================ supply and demand (供需对接)


def _request_problems(data: RequestIn, resource: DataResource, today: dt.date) -> list[dict[str, str]]:
    problems = []
    specs = resource.field_specs()
    unknown = [f for f in data.fields if f not in specs]
    if unknown:
        problems.append(
            _problem(
                "fields",
                "unknown_field",
                gettext("Not fields of this resource: %(fields)s") % {"fields": ", ".join(unknown)},
            )
        )
    closed = [f for f in data.fields if f in specs and specs[f].get("sharing") == SharingClass.NOT_SHARED]
    if closed:
        problems.append(
            _problem(
                "fields",
                "field_not_shared",
                gettext("These fields are not shared: %(fields)s") % {"fields": ", ".join(closed)},
            )
        )
    if len(set(data.fields)) != len(data.fields):
        problems.append(_problem("fields", "duplicate_field", gettext("A field is listed twice.")))
    if data.period_to < data.period_from:
        problems.append(_problem("period_to", "period_reversed", gettext("The period ends before it starts.")))
    elif (data.period_to - data.period_from).days > MAX_PERIOD_DAYS:
        problems.append(_problem("period_to", "period_too_long", gettext("An approval lasts at most three years.")))
    if data.period_to < today:
        problems.append(_problem("period_to", "period_past", gettext("The period is over already.")))
    return problems


@transaction.atomic
def request_submit(*, actor: User, data: RequestIn) -> DataRequest:
    """A department asks to read a resource: which fields, for which items, why, on what basis, how long."""
    resource = selectors.resource_get(code=data.resource_code)
    requester = selectors.department_get(region_code=selectors.own_region(), code=data.requester_code)
    if requester is None:
        raise errors.request_invalid(
            [_problem("requester_code", "unknown_department", gettext("No department has this code in this region."))]
        )
    if not selectors.can_request_for(user=actor, department=requester):
        raise errors.not_data_admin()
    today = timezone.localdate()
    problems = _request_problems(data, resource, today)
    if problems:
        raise errors.request_invalid(problems)
    request = DataRequest.objects.create(
        number=_number("SQ"),
        resource_code=resource.code,
        resource_name=resource.name,
        provider_region=resource.provider.region_id,
        provider=resource.provider,
        requester_region=selectors.own_region(),
        requester=requester,
        fields=list(data.fields),
        item_codes=list(data.item_codes),
        purposes=[p.value for p in data.purposes],
        purpose_text=data.purpose_text,
        legal_basis=data.legal_basis,
        period_from=data.period_from,
        period_to=data.period_to,
        requested_by=actor,
        requested_by_label=_label(actor),
    )
    events.request_submitted(request=request, actor=actor)
    if request.provider_region != selectors.own_region():
        messages.send_request(request=request, actor=actor)
    return request


def _decision_values(request: DataRequest, decision: DecisionIn, today: dt.date) -> dict[str, Any]:
    """The approved fields, masks and period of an approval (with conditions: within the request)."""
    problems = []
    fields = list(decision.fields) or list(request.fields)
    outside = [f for f in fields if f not in request.fields]
    if outside:
        problems.append(
            _problem(
                "fields",
                "field_not_requested",
                gettext("Only requested fields can be approved: %(fields)s") % {"fields": ", ".join(outside)},
            )
        )
    masked = list(decision.masked_fields)
    stray = [f for f in masked if f not in fields]
    if stray:
        problems.append(
            _problem(
                "masked_fields",
                "mask_not_approved",
                gettext("Only approved fields can be masked: %(fields)s") % {"fields": ", ".join(stray)},
            )
        )
    approved_from = max(request.period_from, today)
    approved_to = decision.approved_to or request.period_to
    if approved_to > request.period_to:
        problems.append(
            _problem("approved_to", "period_longer", gettext("An approval cannot last longer than was asked for."))
        )
    if approved_to < approved_from:
        problems.append(_problem("approved_to", "period_reversed", gettext("The period ends before it starts.")))
    if problems:
        raise errors.decision_invalid(problems)
    return {
        "approved_fields": fields,
        "masked_fields": masked,
        "approved_from": approved_from,
        "approved_to": approved_to,
    }


def _decide(request: DataRequest, *, actor: User | None, action: str, decision: DecisionIn, role: str) -> DataRequest:
    locked = REQUEST_WORKFLOW.lock(request.pk)  # type: ignore[misc]
    REQUEST_WORKFLOW.check(locked, action)
    changed = ["decision_reason", "decided_by_label", "decided_at", "conditions"]
    if action in (RequestAction.APPROVE, RequestAction.APPROVE_WITH_CONDITIONS, RequestAction.GRANT):
        values = _decision_values(locked, decision, timezone.localdate())
        if action == RequestAction.APPROVE and (
            values["masked_fields"] or values["approved_fields"] != list(locked.fields) or decision.approved_to
        ):
            raise errors.decision_invalid(
                [
                    _problem(
                        "action",
                        "conditions_need_conditional",
                        gettext("Fewer fields, masks or a shorter period are conditions: approve with conditions."),
                    )
                ]
            )
        if action == RequestAction.APPROVE_WITH_CONDITIONS and not (
            decision.conditions.strip()
            or values["masked_fields"]
            or values["approved_fields"] != list(locked.fields)
            or values["approved_to"] < locked.period_to
        ):
            raise errors.decision_invalid(
                [_problem("conditions", "conditions_required", gettext("Name the conditions."))]
            )
        for name, value in values.items():
            setattr(locked, name, value)
        changed += list(values)
    elif not decision.reason.strip():
        raise errors.reason_required()
    locked.conditions = decision.conditions.strip()
    locked.decision_reason = decision.reason.strip()
    locked.decided_by_label = _label(actor)
    locked.decided_at = timezone.now()
    REQUEST_WORKFLOW.apply(locked, action=action, actor=actor, role=role, fields=changed, reason=locked.decision_reason)
    _tell_other_side(locked, action=action, actor=actor)
    return locked


PROVIDER_ACTIONS = {RequestAction.APPROVE, RequestAction.APPROVE_WITH_CONDITIONS, RequestAction.REFUSE}
ADMIN_ACTIONS = {RequestAction.GRANT, RequestAction.DENY}


@transaction.atomic
def request_decide(*, actor: User, request: DataRequest, decision: DecisionIn) -> DataRequest:
    """The provider approves, approves with conditions (fewer fields, masks, a shorter period) or refuses."""
    action = decision.action
    if action not in PROVIDER_ACTIONS:
        raise errors.decision_invalid(
            [_problem("action", "unknown_action", gettext("Choose approve, approve with conditions or refuse."))]
        )
    if request.provider_region != selectors.own_region() or not selectors.is_data_admin(
        user=actor, department=request.provider
    ):
        raise errors.not_data_admin()
    return _decide(request, actor=actor, action=action, decision=decision, role="provider")


@transaction.atomic
def request_dispute(*, actor: User, request: DataRequest, reason: str) -> DataRequest:
    """The requester contests a refusal or the conditions: the region's data administrator decides."""
    if request.requester_region != selectors.own_region() or not selectors.can_request_for(
        user=actor, department=request.requester
    ):
        raise errors.not_data_admin()
    if not reason.strip():
        raise errors.reason_required()

    def note(obj: DataRequest) -> list[str]:
        obj.dispute_reason = reason.strip()
        return ["dispute_reason"]

    moved = REQUEST_WORKFLOW.transition(
        request.pk, action=RequestAction.DISPUTE, actor=actor, role="requester", change=note, reason=reason.strip()
    )
    _tell_other_side(moved, action=RequestAction.DISPUTE, actor=actor)
    return moved


@transaction.atomic
def request_settle(*, actor: User, request: DataRequest, decision: DecisionIn) -> DataRequest:
    """The region's data administrator decides a dispute: grant (with the fields and period set) or refuse."""
    if decision.action not in ADMIN_ACTIONS:
        raise errors.decision_invalid([_problem("action", "unknown_action", gettext("Choose grant or refuse."))])
    if request.provider_region != selectors.own_region() or not selectors.is_region_data_admin(
        user=actor, region_code=selectors.own_region()
    ):
        raise errors.not_region_data_admin()
    return _decide(request, actor=actor, action=decision.action, decision=decision, role="data_admin")


@transaction.atomic
def request_revoke(*, actor: User, request: DataRequest, reason: str) -> DataRequest:
    if request.provider_region != selectors.own_region() or not (
        selectors.is_data_admin(user=actor, department=request.provider)
        or selectors.is_region_data_admin(user=actor, region_code=selectors.own_region())
    ):
        raise errors.not_data_admin()
    if not reason.strip():
        raise errors.reason_required()
    moved = REQUEST_WORKFLOW.transition(
        request.pk, action=RequestAction.REVOKE, actor=actor, role="provider", reason=reason.strip()
    )
    _tell_other_side(moved, action=RequestAction.REVOKE, actor=actor)
    return moved


@transaction.atomic
def request_withdraw(*, actor: User, request: DataRequest) -> DataRequest:
    if request.requester_region != selectors.own_region() or not selectors.can_request_for(
        user=actor, department=request.requester
    ):
        raise errors.not_data_admin()
    moved = REQUEST_WORKFLOW.transition(request.pk, action=RequestAction.WITHDRAW, actor=actor, role="requester")
    _tell_other_side(moved, action=RequestAction.WITHDRAW, actor=actor)
    return moved


def approvals_expire(*, today: dt.date | None = None) -> int:
    """Move the approvals whose period is over to ``expired`` (the scheduler runs this daily)."""
    today = today or timezone.localdate()
    done = 0
    for pk in list(selectors.approvals_due_to_expire(today=today).values_list("pk", flat=True)):
        with transaction.atomic():
            moved = REQUEST_WORKFLOW.transition(pk, action=RequestAction.EXPIRE, actor=None, role="system")
            _tell_other_side(moved, action=RequestAction.EXPIRE, actor=None)
        done += 1
    return done


def _tell_other_side(request: DataRequest, *, action: str, actor: User | None) -> None:
    """A cross-region request is kept on both nodes: the move travels to the other one."""
    if request.provider_region == request.requester_region:
        return
    messages.send_move(request=request, action=action, actor=actor)


def request_apply_remote_move(*, request: DataRequest, action: str, values: dict[str, Any], sender_region: str) -> None:
    """Mirror a move decided at the other node (called by the federation handler, in its transaction).

    The sender must be the side that owns the action: the provider's node decides, expires and
    revokes; the requester's node disputes and withdraws.
    """
    provider_side = {*PROVIDER_ACTIONS, *ADMIN_ACTIONS, RequestAction.EXPIRE, RequestAction.REVOKE}
    expected = request.provider_region if action in provider_side else request.requester_region
    if sender_region != expected or expected == selectors.own_region():
        raise ApplicationError(gettext("This node may not make this move."), code="wrong_counterpart", status=403)
    locked = REQUEST_WORKFLOW.lock(request.pk)  # type: ignore[misc]
    REQUEST_WORKFLOW.check(locked, action)
    changed: list[str] = []
    for name in (
        "approved_fields",
        "masked_fields",
        "conditions",
        "decision_reason",
        "dispute_reason",
        "decided_by_label",
    ):
        if name in values:
            setattr(locked, name, values[name])
            changed.append(name)
    for name in ("approved_from", "approved_to"):
        if values.get(name):
            setattr(locked, name, dt.date.fromisoformat(str(values[name])))
            changed.append(name)
    if action in provider_side and action not in (RequestAction.EXPIRE, RequestAction.REVOKE):
        locked.decided_at = timezone.now()
        changed.append("decided_at")
    REQUEST_WORKFLOW.apply(
        locked,
        action=action,
        actor=None,
        role=f"peer:{sender_region}",
        fields=changed,
        reason=str(values.get("reason", "")),
    )


# ================================================================ reads through the exchange


@dataclass
class ReadResult:
    """What a read returned: only approved fields, masked as approved; ``found`` False for "no record"."""

    found: bool
    resource: DataResource
    subject_id: str
    data: dict[str, Any]
    labels: dict[str, str]
    fetched_at: dt.datetime
    source_label: str
    log_lane: int
    log_seq: int
    approval_number: str
    receipt: DataReceipt | None = None
    source_updated_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def log_ref(self) -> str:
        return f"{self.log_lane}-{self.log_seq}"


def mask(value: Any) -> str:
    """Mask a value for display under a condition (keeps its shape, hides its middle)."""
    text = "" if value is None else str(value)
    n = len(text)
    if n <= 1:
        return "*" * n
    if n == 2:
        return text[0] + "*"
    if n <= 6:
        return text[0] + "*" * (n - 2) + text[-1]
    keep = 4 if n >= 12 else 2
    return text[:keep] + "*" * (n - 2 * keep) + text[-keep:]


def normalise_subject(subject_id: str) -> str:
    value = (subject_id or "").strip().upper()
    if is_valid_resident_id(value) or is_valid_uscc(value):
        return value
    raise errors.subject_invalid()


@dataclass
class _Read:
    """The facts of one read, filled in as the checks go (what the access log keeps)."""

    actor: User | None
    department: Department
    requester_region: str
    resource_code: str
    subject_id: str
    fields: list[str]
    purpose: str
    context: AccessContext | None
    resource_version: int = 0
    approval_number: str = ""

    def entry(self, result: str, error_code: str = "") -> store.Entry:
        return store.Entry(
            actor_id=int(self.actor.pk) if self.actor is not None else 0,
            actor_label=_label(self.actor),
            requester_region=self.requester_region,
            department_id=int(self.department.pk),
            department_label=self.department.name,
            resource_code=self.resource_code[:60],
            resource_version=self.resource_version,
            subject_id=self.subject_id[:18],
            fields=",".join(self.fields),
            purpose=self.purpose[:24],
            context_kind=self.context.kind[:16] if self.context else "",
            context_id=self.context.id if self.context else "",
            result=result,
            error_code=error_code,
            approval_number=self.approval_number,
        )


def _log_refusal(read: _Read, error: ApplicationError, *, result: str = AccessResult.REFUSED) -> None:
    with transaction.atomic(durable=True):
        store.append(read.entry(result, error.code))


def check_approval(*, read: _Read, resource: DataResource, today: dt.date) -> tuple[DataRequest, list[str]]:
    """The live approval this read goes through, and the fields it may return (refusals raised)."""
    approval = selectors.live_approval(department_id=read.department.pk, resource_code=resource.code, today=today)
    if approval is None:
        latest = selectors.latest_approval(department_id=read.department.pk, resource_code=resource.code)
        if latest is not None and latest.status == RequestStatus.REVOKED:
            read.approval_number = latest.number
            raise errors.approval_revoked()
        if latest is not None and (
            latest.status == RequestStatus.EXPIRED
            or (latest.status in LIVE_STATUSES and latest.approved_to and latest.approved_to < today)
        ):
            read.approval_number = latest.number
            raise errors.approval_expired()
        raise errors.no_approval()
    read.approval_number = approval.number
    if read.purpose not in approval.purposes:
        raise errors.purpose_not_approved(read.purpose)
    fields = read.fields or list(approval.approved_fields)
    outside = [f for f in fields if f not in approval.approved_fields]
    if outside:
        raise errors.fields_not_approved(outside)
    read.fields = fields
    return approval, fields


def _check_context(read: _Read) -> None:
    if not read.purpose:
        raise errors.purpose_required()
    if read.purpose not in Purpose.values:
        raise errors.purpose_required()
    if read.context is None or not read.context:
        raise errors.context_required()
    covers = contexts.resolver(read.context.kind)
    if covers is None:
        raise errors.unknown_context_kind(read.context.kind)
    answer = covers(read.context.id, read.subject_id, int(read.department.pk))
    if answer is None:
        raise errors.context_not_found()
    if not answer:
        raise errors.subject_not_covered()


def _sign_receipt(values: dict[str, Any]) -> tuple[str, str]:
    from tongban.federation import signing
    from tongban.sharing.constants import RECEIPT_TYP

    return signing.sign_payload(values, typ=RECEIPT_TYP)


def exchange_read(
    *,
    actor: User | None,
    department: Department,
    resource_code: str,
    subject_id: str,
    fields: list[str] | None,
    purpose: str,
    context: AccessContext | None,
    check_membership: bool = True,
    keep_receipt: bool = False,
    material_code: str = "",
    consent_by: User | None = None,
) -> ReadResult:
    """Read one subject's record of a resource through the exchange, for ``department``.

    Checks, each refusal logged with its stable code before it is raised: a valid subject, a
    published resource, a purpose and a context that covers the subject (``contexts``), the actor's
    membership of the department (unless the caller reads on an applicant's consent), and, unless
    the resource is a peer region's (whose node checks its own approvals), a live approval that
    allows the purpose and the fields. Only approved fields are returned, masked as approved.
    ``keep_receipt`` keeps the data with its signature for the context (what a reviewer sees).
    Must not run inside the caller's transaction (the log of a refusal must survive the refusal).
    """
    read = _Read(
        actor=actor,
        department=department,
        requester_region=selectors.own_region(),
        resource_code=(resource_code or "")[:60],
        subject_id=(subject_id or "").strip().upper()[:18],
        fields=list(dict.fromkeys(fields or [])),
        purpose=(purpose or "").strip(),
        context=context,
    )
    try:
        read.subject_id = normalise_subject(read.subject_id)
        resource = selectors.resource_get(code=read.resource_code)
        read.resource_version = resource.version
        _check_context(read)
        if check_membership and (actor is None or not selectors.is_member(user=actor, department=department)):
            raise errors.not_a_member()
        today = timezone.localdate()
        if resource.connector == ConnectorKind.PEER:
            unknown = [f for f in read.fields if f not in resource.field_specs()]
            if unknown:
                raise errors.fields_not_approved(unknown)
            masked: list[str] = []
        else:
            approval, read.fields = check_approval(read=read, resource=resource, today=today)
            masked = list(approval.masked_fields)
    except ApplicationError as exc:
        _log_refusal(read, exc)
        raise
    request = FetchRequest(
        resource_code=resource.code,
        resource_version=resource.version,
        config=dict(resource.connector_config),
        subject_id=read.subject_id,
        fields=tuple(read.fields),
        requester_region=read.requester_region,
        department_code=department.code,
        department_label=department.name,
        actor_label=_label(actor),
        purpose=read.purpose,
        context_kind=context.kind if context else "",
        context_id=context.id if context else "",
    )
    try:
        fetched = connectors.get(resource.connector).fetch(request)
    except errors.SharingRefused as exc:  # a peer refused: its code is in the details
        _log_refusal(read, exc)
        raise
    except errors.ProviderUnavailable as exc:
        _log_refusal(read, exc, result=AccessResult.UNAVAILABLE)
        raise
    if fetched.approval_number:
        read.approval_number = fetched.approval_number[:40]
    if not read.fields:  # a peer answered the fields its approval allows
        read.fields = list(fetched.data)
    data = {f: (mask(v) if f in masked else v) for f, v in fetched.data.items() if f in read.fields}
    return _finish(
        read, resource, fetched, data, keep_receipt=keep_receipt, material_code=material_code, consent_by=consent_by
    )


def _finish(
    read: _Read,
    resource: DataResource,
    fetched: Fetched,
    data: dict[str, Any],
    *,
    keep_receipt: bool,
    material_code: str,
    consent_by: User | None,
) -> ReadResult:
    result = AccessResult.OK if fetched.found else AccessResult.NO_RECORD
    source_label = f"{resource.provider.name} · {resource.system_name}"
    specs = resource.field_specs()
    with transaction.atomic(durable=True):
        entry = store.append(read.entry(result))
        receipt = None
        if keep_receipt and fetched.found and read.context:
            payload = {
                "resource": resource.code,
                "version": resource.version,
                "subject": read.subject_id,
                "data": data,
                "source": source_label,
                "region": resource.provider.region_id,
                "fetched_at": entry.occurred_at.isoformat(),
                "log": f"{entry.lane}-{entry.seq}",
                "log_hash": entry.hash,
                "context": f"{read.context.kind}:{read.context.id}",
            }
            if fetched.token:
                token, kid, signer = fetched.token, fetched.kid, fetched.signer_region
            else:
                token, kid = _sign_receipt(payload)
                signer = selectors.own_region()
            receipt = DataReceipt.objects.create(
                number=_number("RC"),
                context_kind=read.context.kind,
                context_id=read.context.id,
                subject_id=read.subject_id,
                resource_code=resource.code,
                resource_version=resource.version,
                resource_name=resource.name,
                provider_label=source_label,
                provider_region=resource.provider.region_id,
                department=read.department,
                purpose=read.purpose,
                material_code=material_code,
                data=data,
                fetched_at=entry.occurred_at,
                token=token,
                kid=kid,
                signer_region=signer,
                log_lane=entry.lane,
                log_seq=entry.seq,
                consent_by=consent_by,
            )
    return ReadResult(
        found=fetched.found,
        resource=resource,
        subject_id=read.subject_id,
        data=data,
        labels={name: str(specs.get(name, {}).get("label", name)) for name in data},
        fetched_at=entry.occurred_at,
        source_label=source_label,
        log_lane=entry.lane,
        log_seq=entry.seq,
        approval_number=read.approval_number,
        receipt=receipt,
        source_updated_at=fetched.source_updated_at,
    )


# ================================================================ the provider's side of cross-region work


def request_receive_remote(*, payload: dict[str, Any], sender_region: str) -> DataRequest:
    """Keep a peer department's request for one of this region's resources (the provider decides here)."""
    number = str(payload.get("number", ""))[:40]
    if not number.startswith(f"SQ-{sender_region}-"):
        raise ApplicationError(gettext("The request number is not the sender's."), code="wrong_counterpart", status=403)
    existing = DataRequest.objects.filter(number=number).first()
    if existing is not None:
        return existing
    resource = selectors.resource_find(code=str(payload.get("resource_code", "")))
    if (
        resource is None
        or resource.connector == ConnectorKind.PEER
        or resource.provider.region_id != selectors.own_region()
    ):
        raise errors.resource_not_found()
    requester = selectors.department_get(region_code=sender_region, code=str(payload.get("requester_code", "")))
    if requester is None:
        raise errors.request_invalid(
            [_problem("requester_code", "unknown_department", gettext("No department has this code in this region."))]
        )
    try:
        data = RequestIn(
            resource_code=resource.code,
            requester_code=requester.code,
            fields=list(payload.get("fields", [])),
            item_codes=list(payload.get("item_codes", [])),
            purposes=list(payload.get("purposes", [])),
            purpose_text=str(payload.get("purpose_text", "")),
            legal_basis=str(payload.get("legal_basis", "")),
            period_from=dt.date.fromisoformat(str(payload.get("period_from", ""))),
            period_to=dt.date.fromisoformat(str(payload.get("period_to", ""))),
        )
    except (ValueError, TypeError) as exc:
        raise errors.request_invalid([_problem("payload", "malformed", str(exc)[:200])]) from exc
    problems = _request_problems(data, resource, timezone.localdate())
    if problems:
        raise errors.request_invalid(problems)
    request = DataRequest.objects.create(
        number=number,
        resource_code=resource.code,
        resource_name=resource.name,
        provider_region=selectors.own_region(),
        provider=resource.provider,
        requester_region=sender_region,
        requester=requester,
        fields=list(data.fields),
        item_codes=list(data.item_codes),
        purposes=[p.value for p in data.purposes],
        purpose_text=data.purpose_text,
        legal_basis=data.legal_basis,
        period_from=data.period_from,
        period_to=data.period_to,
        requested_by_label=f"{str(payload.get('requested_by', ''))[:130]} ({sender_region})",
    )
    events.request_submitted(request=request, actor=None)
    return request


def serve_peer_read(*, payload: dict[str, Any], sender_region: str) -> dict[str, Any]:
    """Answer a peer's read of one of this region's resources (inside the query's transaction).

    The same checks as a local read, against this node's approvals of the peer's department; the
    peer vouches for its own context (it checked that the context covers the subject). A refusal is
    logged and answered as ``{"error": ...}`` (never raised: the log must stay with the query).
    """
    department = selectors.department_get(region_code=sender_region, code=str(payload.get("department_code", ""))[:40])
    context = AccessContext(kind=str(payload.get("context_kind", ""))[:16], id=str(payload.get("context_id", ""))[:64])
    fields = payload.get("fields")
    read = _Read(
        actor=None,
        department=department or Department(pk=0, name=str(payload.get("department_code", ""))[:120]),
        requester_region=sender_region,
        resource_code=str(payload.get("resource", ""))[:60],
        subject_id=str(payload.get("subject", "")).strip().upper()[:18],
        fields=[str(f) for f in fields] if isinstance(fields, list) else [],
        purpose=str(payload.get("purpose", ""))[:24],
        context=context,
    )
    actor_label = f"{str(payload.get('actor', ''))[:130]} ({sender_region})"
    try:
        read.subject_id = normalise_subject(read.subject_id)
        resource = selectors.resource_find(code=read.resource_code)
        if resource is None or resource.connector == ConnectorKind.PEER:
            raise errors.resource_not_found()
        read.resource_version = resource.version
        if not read.purpose or read.purpose not in Purpose.values:
            raise errors.purpose_required()
        if not context:
            raise errors.context_required()
        if department is None:
            raise errors.no_approval()
        approval, read.fields = check_approval(read=read, resource=resource, today=timezone.localdate())
        fetched = connectors.get(resource.connector).fetch(
            FetchRequest(
                resource_code=resource.code,
                resource_version=resource.version,
                config=dict(resource.connector_config),
                subject_id=read.subject_id,
                fields=tuple(read.fields),
            )
        )
    except ApplicationError as exc:
        result = AccessResult.UNAVAILABLE if isinstance(exc, errors.ProviderUnavailable) else AccessResult.REFUSED
        entry = read.entry(result, exc.code)
        entry.actor_label = actor_label
        store.append(entry)
        return {"error": {"code": exc.code, "message": str(exc.message)}}
    masked = set(approval.masked_fields)
    data = {f: (mask(v) if f in masked else v) for f, v in fetched.data.items() if f in read.fields}
    entry = read.entry(AccessResult.OK if fetched.found else AccessResult.NO_RECORD)
    entry.actor_label = actor_label
    logged = store.append(entry)
    return {
        "found": fetched.found,
        "data": data,
        "updated_at": fetched.source_updated_at.isoformat() if fetched.source_updated_at else "",
        "approval": approval.number,
        "resource_version": resource.version,
        "source": f"{resource.provider.name} · {resource.system_name}",
        "log": f"{logged.lane}-{logged.seq}",
        "log_hash": logged.hash,
    }


# ================================================================ proofs handled by commitment (告知承诺) and their checks

VERIFICATION_WORKFLOW: Workflow[VerificationTask] = Workflow(
    name="verification-task",
    model=VerificationTask,
    table=VERIFICATION_TRANSITIONS,
    label=lambda status: VerificationStatus(status).label,
    record=events.verification_moved,
    lock=lambda pk: VerificationTask.objects.select_for_update().get(pk=pk),
)


def verification_covers(context_id: str, subject_id: str, department_id: int) -> bool | None:
    """A verification task is a read context for its own subject, for its checking department."""
    task = (
        VerificationTask.objects.filter(number=context_id).values_list("subject_id", "department_id", "status").first()
    )
    if task is None:
        return None
    return task[0] == subject_id and task[1] == department_id and task[2] == VerificationStatus.OPEN


@transaction.atomic
def verification_open(
    *,
    actor: User | None,
    proof: ProofRequirement,
    subject_id: str,
    subject_name: str,
    department: Department,
    origin_kind: str,
    origin_id: str,
    due_in_days: int = 30,
) -> VerificationTask:
    """A proof replaced by a signed commitment gets a later check through the exchange (告知承诺核查)."""
    if proof.mode != ProofMode.COMMITMENT:
        raise errors.proof_not_commitment()
    subject = normalise_subject(subject_id)
    task = VerificationTask.objects.create(
        number=_number("HC"),
        proof=proof,
        subject_id=subject,
        subject_name=subject_name[:200],
        department=department,
        origin_kind=origin_kind,
        origin_id=origin_id[:64],
        commitment_text=proof.commitment_text or proof.note,
        committed_at=timezone.now(),
        due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
    )
    events.verification_created(task=task, actor=actor)
    return task


def verification_check(*, actor: User, task: VerificationTask) -> ReadResult:
    """Read the proof's resource for the task's subject through the exchange (purpose: commitment check)."""
    result = exchange_read(
        actor=actor,
        department=task.department,
        resource_code=task.proof.resource_code,
        subject_id=task.subject_id,
        fields=list(task.proof.verify_fields) or None,
        purpose=Purpose.COMMITMENT_CHECK,
        context=AccessContext(kind=ContextKind.VERIFICATION, id=task.number),
        keep_receipt=True,
    )
    return result


@transaction.atomic
def verification_conclude(*, actor: User, task: VerificationTask, confirmed: bool, outcome: str) -> VerificationTask:
    """The checking department records whether the commitment held (a false one goes to revocation and credit)."""
    if not selectors.is_member(user=actor, department=task.department):
        raise errors.not_a_member()
    if not outcome.strip():
        raise errors.reason_required()
    receipt = selectors.receipts_for_context(kind=ContextKind.VERIFICATION, context_id=task.number).last()

    def note(obj: VerificationTask) -> list[str]:
        obj.outcome = outcome.strip()
        obj.receipt_number = receipt.number if receipt is not None else ""
        return ["outcome", "receipt_number"]

    return VERIFICATION_WORKFLOW.transition(
        task.pk,
        action=VerificationAction.CONFIRM if confirmed else VerificationAction.CONTRADICT,
        actor=actor,
        change=note,
        reason=outcome.strip(),
    )


# ================================================================ the data tracker: objections


def parse_read_id(read_id: str) -> tuple[int, int]:
    lane, _sep, seq = (read_id or "").partition("-")
    if not (lane.isdigit() and seq.isdigit()) or len(read_id) > 30:
        raise errors.read_not_found()
    return int(lane), int(seq)


@transaction.atomic
def objection_raise(*, actor: User, lane: int, seq: int, reason: str) -> Objection:
    """Object to one read of one's own data (or of an enterprise one acts for): a 12345 complaint
    linked to the read is opened in the same transaction (``objections``)."""
    subjects = selectors.subject_ids_for(actor)
    entry = selectors.read_get(lane=lane, seq=seq, subject_ids=subjects)
    if Objection.objects.filter(log_lane=lane, log_seq=seq).exists():
        raise errors.already_objected()
    opener = objections.opener()
    if opener is None:
        raise errors.objections_unavailable()
    reason = (reason or "").strip()[:1000]
    resource = selectors.resource_versions(code=entry.resource_code).first()
    notice = objections.ObjectionNotice(
        user=actor,
        read_id=f"{lane}-{seq}",
        subject_id=entry.subject_id,
        resource_name=resource.name if resource is not None else entry.resource_code,
        department_label=entry.department_label,
        department_id=entry.department_id if entry.requester_region == selectors.own_region() else 0,
        occurred_at=timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
        purpose=str(Purpose(entry.purpose).label) if entry.purpose in Purpose.values else entry.purpose,
        context=f"{entry.context_kind}:{entry.context_id}" if entry.context_kind else "",
        fields=entry.field_list,
        reason=reason,
    )
    ticket_number = opener(notice)
    objection = Objection.objects.create(
        subject_id=entry.subject_id,
        user=actor,
        log_lane=lane,
        log_seq=seq,
        reason=reason,
        status=ObjectionStatus.TICKET_OPENED,
        ticket_number=ticket_number[:40],
    )
    events.objection_raised(objection=objection, actor=actor)
    return objection


# ================================================================ supervision: anomalies


def anomalies_scan(*, since: dt.datetime, until: dt.datetime | None = None) -> list[Anomaly]:
    """Find reads supervisors should look at, in ``since``…``until`` (each kept once: per read, per user
    and hour, per subject and day):

    - a read whose context no longer vouches for it (no such case, or it does not cover the subject);
    - a user reading more than ``SPIKE_READS_PER_HOUR`` records in one hour;
    - one subject read by ``MANY_DEPARTMENTS`` or more departments.
    """
    until = until or timezone.now()
    reads = AccessLogEntry.objects.filter(
        occurred_at__gte=since, occurred_at__lt=until, result__in=[AccessResult.OK, AccessResult.NO_RECORD]
    )
    found: list[Anomaly] = []

    def keep(kind: str, key: str, detail: dict[str, Any], start: dt.datetime, end: dt.datetime) -> None:
        anomaly, created = Anomaly.objects.get_or_create(
            kind=kind, key=key[:120], window_start=start, defaults={"detail": detail, "window_end": end}
        )
        if created:
            found.append(anomaly)

    for entry in reads.filter(requester_region=selectors.own_region()).iterator():
        covers = contexts.resolver(entry.context_kind)
        answer = covers(entry.context_id, entry.subject_id, entry.department_id) if covers is not None else None
        if covers is None or answer is None:
            keep(
                AnomalyKind.NO_MATCHING_CONTEXT,
                f"{entry.lane}-{entry.seq}",
                {
                    "actor": entry.actor_label,
                    "department": entry.department_label,
                    "resource": entry.resource_code,
                    "subject": entry.subject_id,
                    "context": f"{entry.context_kind}:{entry.context_id}",
                },
                entry.occurred_at,
                entry.occurred_at,
            )
    limit = int(getattr(settings, "TONGBAN_SHARING_SPIKE_READS_PER_HOUR", SPIKE_READS_PER_HOUR))
    hourly = (
        reads.exclude(actor_id=0)
        .annotate(hour=TruncHour("occurred_at"))
        .values("actor_id", "actor_label", "hour")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    for row in hourly:
        keep(
            AnomalyKind.VOLUME_SPIKE,
            f"{row['actor_id']}@{row['hour']:%Y%m%d%H}",
            {"actor": row["actor_label"], "reads": row["n"], "limit": limit},
            row["hour"],
            row["hour"] + dt.timedelta(hours=1),
        )
    many = int(getattr(settings, "TONGBAN_SHARING_MANY_DEPARTMENTS", MANY_DEPARTMENTS))
    day = timezone.localtime(until).replace(hour=0, minute=0, second=0, microsecond=0)  # reported once a day
    spread = (
        reads.values("subject_id")
        .annotate(departments=Count("department_label", distinct=True))
        .filter(departments__gte=many)
    )
    for subject in [str(r["subject_id"]) for r in spread]:
        labels = sorted(set(reads.filter(subject_id=subject).values_list("department_label", flat=True)))
        keep(
            AnomalyKind.MANY_DEPARTMENTS,
            subject,
            {"subject": subject, "departments": labels},
            day,
            day + dt.timedelta(days=1),
        )
    return found


# ================================================================ receipts: checking their signatures


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    kid: str
    signer_region: str
    detail: str


def receipt_check(*, receipt: DataReceipt) -> ReceiptCheck:
    """Verify a receipt's JWS with the signer's key (this node's published keys, or the peer's pinned
    ones) and that it signs exactly the data shown."""
    from tongban.federation import selectors as federation_selectors
    from tongban.federation import signing

    def answer(valid: bool, detail: str) -> ReceiptCheck:
        return ReceiptCheck(valid=valid, kid=receipt.kid, signer_region=receipt.signer_region, detail=detail)

    try:
        if receipt.signer_region == selectors.own_region():
            keys = {str(k.get("kid")): k for k in signing.own_bundle()["peers"][0]["keys"]}
            jwk = keys.get(receipt.kid)
        else:
            peer = federation_selectors.peer_get(region_code=receipt.signer_region)
            key = peer.keys.filter(kid=receipt.kid).first()
            jwk = dict(key.public_jwk) if key is not None else None
        if jwk is None:
            return answer(False, gettext("The key that signed this data is not known here."))
        payload = signing.verify(receipt.token, jwk)
    except (ApplicationError, signing.JoseError, ValueError, KeyError, IndexError) as exc:
        return answer(False, str(exc)[:200])
    signed = payload.get("payload", payload)
    signed_data = signed.get("data") if isinstance(signed, dict) else None
    if not isinstance(signed_data, dict) or any(signed_data.get(k) != v for k, v in receipt.data.items()):
        return answer(False, gettext("The signature does not cover the data shown."))
    return answer(True, gettext("The signature is valid and covers the data shown."))
