"""Credit (信用): records, the red and black lists, the class a subject is in, and credit repair.

A subject — a person (a user) or an enterprise (its unified social credit code) — is classed
守信 / 一般 / 失信 by rules kept as data: CEL expressions (``CreditRule``, defaults in
``constants.DEFAULT_CREDIT_RULES``) over the subject's facts on a day:

- ``records``: credit records that still count (within ``valid_until``, not repaired);
- ``serious``: those of them that are serious;
- ``black`` / ``red``: whether an entry of that list is in force.

The first rule that holds gives the class; none gives 一般. ``credit_standing`` answers the class
with its reasons; the cases app asks it at acceptance (告知承诺 and 容缺 are refused to 失信
subjects, see ``tongban.supervision.apps``). A record can be repaired (信用修复): the subject asks, the
department that recorded it decides through the transition kernel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import celpy
from celpy.adapter import json_to_cel
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole, User
from tongban.cases.acceptance import Intake, Route
from tongban.core import audit
from tongban.core.errors import NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import is_valid_uscc
from tongban.core.workflow import Move, Workflow, table
from tongban.regions.models import Department
from tongban.supervision.constants import (
    CREDIT_RECORD_DAYS,
    DEFAULT_CREDIT_RULES,
    REPAIR_TRANSITIONS,
    CreditClass,
    CreditListKind,
    CreditSeverity,
    RepairAction,
    RepairStatus,
)
from tongban.supervision.models import CreditListEntry, CreditRecord, CreditRepairRequest, CreditRule

MAX_TEXT = 2000


@dataclass(frozen=True)
class Standing:
    """A subject's credit class on a day, and why."""

    credit_class: CreditClass
    facts: dict[str, Any]
    records: list[CreditRecord] = field(default_factory=list)
    lists: list[CreditListEntry] = field(default_factory=list)
    rule: str = ""

    @property
    def untrusted(self) -> bool:
        return self.credit_class == CreditClass.UNTRUSTED

    @property
    def trusted(self) -> bool:
        return self.credit_class == CreditClass.TRUSTED


class InvalidCreditRule(ValidationFailed):
    default_code = "invalid_credit_rule"
    default_message = _("The rule is not a valid CEL expression over records, serious, black and red.")


# ------------------------------------------------------------------ reading a subject's standing


def _subject_q(user: User | None, uscc: str) -> Q:
    q = Q(pk__in=[])
    if user is not None and user.pk is not None:
        q |= Q(subject_id=user.pk)
    if uscc:
        q |= Q(uscc=uscc)
    return q


def records_in_force(*, user: User | None = None, uscc: str = "", on: dt.date | None = None) -> QuerySet[CreditRecord]:
    day = on or timezone.localdate()
    return (
        CreditRecord.objects.filter(_subject_q(user, uscc), repaired_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("-created_at")
    )


def lists_in_force(*, user: User | None = None, uscc: str = "", on: dt.date | None = None) -> QuerySet[CreditListEntry]:
    day = on or timezone.localdate()
    return CreditListEntry.objects.filter(
        _subject_q(user, uscc), removed_at__isnull=True, valid_from__lte=day, valid_until__gte=day
    ).order_by("-valid_from")


@lru_cache(maxsize=256)
def _program(expression: str) -> Any:
    env = celpy.Environment()
    return env.program(env.compile(expression))


def check_rule(expression: str) -> str:
    """``expression`` compiled and tried on neutral facts; ``InvalidCreditRule`` when it is not a
    CEL expression over the credit facts that answers true or false."""
    text = (expression or "").strip()
    if not text or len(text) > 500:
        raise InvalidCreditRule()
    try:
        answer = _program(text).evaluate(json_to_cel({"records": 0, "serious": 0, "black": False, "red": False}))
    except Exception as exc:  # celpy raises its own error types for parse and evaluation errors
        raise InvalidCreditRule(details={"error": str(exc)[:200]}) from exc
    if not isinstance(answer, celpy.celtypes.BoolType):
        raise InvalidCreditRule()
    return text


def _rules() -> list[tuple[str, str]]:
    rows = list(CreditRule.objects.filter(active=True).values_list("credit_class", "expression"))
    return rows or [(str(c), e) for c, e in DEFAULT_CREDIT_RULES]


def credit_standing(*, user: User | None = None, uscc: str = "", on: dt.date | None = None) -> Standing:
    """The class of a person and/or an enterprise on a day (today by default), with its reasons."""
    records = list(records_in_force(user=user, uscc=uscc, on=on))
    lists = list(lists_in_force(user=user, uscc=uscc, on=on))
    facts = {
        "records": len(records),
        "serious": sum(1 for r in records if r.severity == CreditSeverity.SERIOUS),
        "black": any(e.kind == CreditListKind.BLACK for e in lists),
        "red": any(e.kind == CreditListKind.RED for e in lists),
    }
    activation = json_to_cel(facts)
    for credit_class, expression in _rules():
        try:
            holds = bool(_program(expression).evaluate(activation))
        except Exception:  # noqa: S112 — a broken rule is skipped, never a reason to refuse
            continue
        if holds:
            return Standing(CreditClass(credit_class), facts, records, lists, expression)
    return Standing(CreditClass.ORDINARY, facts, records, lists)


# ------------------------------------------------------------------ checked at acceptance


class CreditRestricted(PermissionDenied):
    default_code = "credit_restricted"
    default_message = _(
        "The applicant is classed as untrustworthy (失信): approval on commitment and acceptance with "
        "gaps are not available. Please submit every material; the application is reviewed in full."
    )


def check_at_intake(intake: Intake) -> list[str]:
    """告知承诺 and 容缺 are refused to 失信 subjects; their other applications get extra review;
    守信 subjects get the green channel (绿色通道) where the item allows it."""
    case = intake.case
    enterprise = getattr(case, "enterprise", None)
    standing = credit_standing(user=case.applicant, uscc=enterprise.uscc if enterprise is not None else "")
    if standing.untrusted:
        if intake.route in (Route.COMMITMENT, Route.ACCEPT_WITH_GAPS):
            raise CreditRestricted(details={"facts": standing.facts})
        return ["extra_review"]
    if standing.trusted:
        return ["green_channel"]
    return []


# ------------------------------------------------------------------ writing


def _text(value: str, *, code: str, label: Any, max_length: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > max_length or "\x00" in cleaned:
        raise ValidationFailed(label, code=code)
    return cleaned


def _department_staff(actor: User, department: Department, *roles: str) -> bool:
    return actor.is_active and StaffRole.objects.filter(user=actor, department=department, role__in=roles).exists()


def record_validity(severity: str, *, on: dt.date | None = None) -> dt.date:
    return (on or timezone.localdate()) + dt.timedelta(days=CREDIT_RECORD_DAYS[CreditSeverity(severity)])


@transaction.atomic
def credit_list_add(
    *,
    actor: User,
    department: Department,
    kind: str,
    name: str,
    reason: str,
    legal_basis: str,
    valid_from: dt.date,
    valid_until: dt.date,
    subject: User | None = None,
    uscc: str = "",
) -> CreditListEntry:
    """Put a person or an enterprise on the red or the black list for a period (a supervisor or the
    department's head decides)."""
    if not (
        _department_staff(actor, department, StaffRoleKind.DEPARTMENT_HEAD, StaffRoleKind.SUPERVISOR)
        or actor.is_superuser
    ):
        raise PermissionDenied(_("Only the department's head or a supervisor may list."), code="credit_list_forbidden")
    if kind not in CreditListKind.values:
        raise ValidationFailed(_("Choose the red or the black list."), code="invalid_credit_list")
    code = (uscc or "").strip().upper()
    if code and not is_valid_uscc(code):
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    if subject is None and not code:
        raise ValidationFailed(_("Name the person or the enterprise."), code="credit_subject_required")
    if valid_until < valid_from:
        raise ValidationFailed(_("The period ends before it starts."), code="invalid_period")
    entry = CreditListEntry.objects.create(
        kind=kind,
        subject=subject,
        uscc=code,
        name=_text(name, code="invalid_name", label=_("Give the name."), max_length=200),
        reason=_text(reason, code="reason_required", label=_("Please give the reasons.")),
        legal_basis=_text(legal_basis, code="legal_basis_required", label=_("Give the legal basis."), max_length=500),
        department=department,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor,
    )
    audit.record(
        stream=f"credit:{code}" if code else f"credit:{subject.pk if subject else ''}",
        action=f"credit.listed_{kind}",
        object_type="credit_list_entry",
        object_id=entry.pk,
        actor=actor,
        actor_role="supervisor",
        reason=entry.reason,
        data={"from": str(valid_from), "until": str(valid_until), "department": department.pk},
    )
    return entry


def _repair_event(move: Move[CreditRepairRequest]) -> Any:
    request = move.obj
    return audit.record(
        stream=request.stream,
        action=f"credit_repair.{move.action}",
        object_type="credit_repair",
        object_id=request.pk,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, "record": request.record_id},
    )


REPAIR_WORKFLOW: Workflow[CreditRepairRequest] = Workflow(
    name="credit_repair",
    model=CreditRepairRequest,
    table=table(REPAIR_TRANSITIONS),
    label=lambda status: RepairStatus(status).label,
    record=_repair_event,
    not_allowed=_("This is not allowed while the request is “%(status)s”."),
)


@transaction.atomic
def credit_repair_request(*, actor: User, record: CreditRecord, reason: str) -> CreditRepairRequest:
    """The subject of a record asks to repair it, saying what was done to correct it."""
    if record.subject_id != actor.pk:
        raise NotFound(_("The credit record was not found."), code="credit_record_not_found")
    if record.repaired_at is not None:
        raise ValidationFailed(_("This record was repaired already."), code="already_repaired")
    if CreditRepairRequest.objects.filter(record=record, status=RepairStatus.SUBMITTED).exists():
        raise ValidationFailed(_("A request for this record is being decided."), code="repair_pending")
    request = CreditRepairRequest.objects.create(
        record=record,
        applicant=actor,
        reason=_text(reason, code="reason_required", label=_("Please give the reasons.")),
    )
    audit.record(
        stream=request.stream,
        action="credit_repair.submitted",
        object_type="credit_repair",
        object_id=request.pk,
        actor=actor,
        actor_role="applicant",
        reason=request.reason,
        data={"record": record.pk},
    )
    return request


@transaction.atomic
def credit_repair_decide(*, actor: User, request: CreditRepairRequest, approve: bool, note: str) -> CreditRepairRequest:
    """The recording department's head decides; an approved repair stops the record counting."""
    locked = CreditRepairRequest.objects.select_for_update().select_related("record__department").get(pk=request.pk)
    if not _department_staff(actor, locked.record.department, StaffRoleKind.DEPARTMENT_HEAD, StaffRoleKind.SUPERVISOR):
        raise PermissionDenied(_("Only the recording department's head may decide."), code="credit_repair_forbidden")
    locked.decision_note = _text(note, code="reason_required", label=_("Please give the reasons."))
    locked.decided_by = actor
    action = RepairAction.APPROVE if approve else RepairAction.REFUSE
    REPAIR_WORKFLOW.apply(
        locked,
        action=action,
        actor=actor,
        role="department_head",
        fields=["decision_note", "decided_by"],
        reason=locked.decision_note,
    )
    if approve:
        record = locked.record
        record.repaired_at = timezone.now()
        record.save(update_fields=["repaired_at"])
    return locked
