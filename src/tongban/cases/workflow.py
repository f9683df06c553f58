"""The case workflow on the transition kernel (``core.workflow``, ADR 0020).

``CASES`` is THE way a case's status changes: its table is ``constants.TRANSITIONS``; every move
saves the status with the fields the service named (one write with the audit event and the notice
on PostgreSQL), appends ``case.<action>`` to the case's audit stream (``events.case_transitioned``)
and puts a notice in the applicant's inbox. Cases are locked by ``store.lock_case``.

Other contexts follow cases by subscribing (``CASES.subscribe``), in their app's ``ready``:
joint cases mirror a local step to the other region, forwarding tells the origin of a forwarded
case, supervision writes a credit record when an approval is revoked for a false commitment.
Receivers run inside the move's transaction; an exception undoes the move. Their rules reach the
case services the same way: ``CASES.guard`` (joint cases refuse an approval until the transfer
certificate is there) and ``materials_elsewhere_rule``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.notifications import notify_inbox
from tongban.cases import events, store
from tongban.cases.constants import TRANSITIONS, VERIFICATION_TRANSITIONS, CaseStatus, VerificationStatus
from tongban.cases.models import Case, VerificationTask
from tongban.core.errors import InvalidTransition
from tongban.core.workflow import Move, Workflow

_WARNING_STATES = frozenset({CaseStatus.TERMINATED, CaseStatus.REVOKED})


def notify_applicant(case: Case, *, subject: str, body: str = "", kind: str = "case") -> None:
    """A notice in the applicant's inbox, linking to the case."""
    notify_inbox(user_id=case.applicant_id, subject=subject, body=body, kind=kind, link=f"/cases/{case.pk}/")


def _record(move: Move[Case]) -> None:
    events.case_transitioned(
        case=move.obj,
        action=move.action,
        from_status=move.from_status,
        actor=move.actor,
        role=move.role,
        reason=move.reason,
        data=move.data,
    )


def _notify(move: Move[Case]) -> None:
    case = move.obj
    label = CaseStatus(case.status).label
    notify_applicant(
        case,
        subject=gettext("Case %(number)s: %(status)s") % {"number": case.number or "", "status": label},
        body=move.notice or move.reason,
        kind="warning" if case.status in _WARNING_STATES else "case",
    )


def _back_to_suspended_from(case: Case, action: str) -> str:
    """Resume: the case goes back to the state it was suspended from."""
    if not case.suspended_from:
        raise InvalidTransition()
    return CaseStatus(case.suspended_from)


def _lock(pk: int) -> Case:
    return store.lock_case(pk)


def _label(status: str) -> str:
    return str(CaseStatus(status).label)


# Rules of higher layers saying that a case's materials were provided elsewhere (joint cases: a step
# opened at the other region's request has no materials of its own, ADR 0014).
_MATERIALS_ELSEWHERE: list[Callable[[Case], bool]] = []


def materials_elsewhere_rule(rule: Callable[[Case], bool]) -> Callable[[Case], bool]:
    """Register ``rule(case)``: True when the case needs no materials of its own here (idempotent)."""
    if rule not in _MATERIALS_ELSEWHERE:
        _MATERIALS_ELSEWHERE.append(rule)
    return rule


def materials_elsewhere(case: Case) -> bool:
    return any(rule(case) for rule in _MATERIALS_ELSEWHERE)


CASES: Workflow[Case] = Workflow(
    name="case",
    model=Case,
    table=TRANSITIONS,
    label=_label,
    record=_record,
    not_allowed=_("This action is not allowed while the case is “%(status)s”."),
    notify=_notify,
    lock=_lock,
    resolve_target=_back_to_suspended_from,
)


def _record_verification(move: Move[VerificationTask]) -> None:
    events.verification_done(task=move.obj, actor=move.actor, role=move.role)


def _verification_label(status: str) -> str:
    return str(VerificationStatus(status).label)


# A commitment's verification (告知承诺制): the task's move is recorded on its case's stream; the task
# is locked by the service with its case.
VERIFICATIONS: Workflow[VerificationTask] = Workflow(
    name="verification",
    model=VerificationTask,
    table=VERIFICATION_TRANSITIONS,
    label=_verification_label,
    record=_record_verification,
    not_allowed=_("This verification has already been done."),
)
