"""Review and decision: review, approve, deny, issue the result (电子证照), deliver, close; withdrawal,
suspension (特别程序) and its end, termination."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.cases.constants import CaseAction, DeliveryMethod, MaterialStatus
from tongban.cases.models import Case
from tongban.cases.services import rules
from tongban.cases.workflow import CASES
from tongban.core.calendar import working_days_between
from tongban.core.errors import ApplicationError, ValidationFailed


@transaction.atomic
def case_start_review(*, case: Case, actor: User) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    CASES.check(case, CaseAction.START_REVIEW)
    return CASES.apply(case, action=CaseAction.START_REVIEW, actor=actor, role=role)


def _refuse_outstanding_gaps(case: Case) -> None:
    # Materials are accepted with gaps only together with a supplement deadline, which is cleared
    # only once none is left (case_accept_with_gaps, case_supplement): no deadline, no gap.
    if case.gap_deadline is not None and case.materials.filter(status=MaterialStatus.GAP).exists():
        raise ApplicationError(
            _("Materials accepted with gaps have not all been supplied yet."), code="gaps_outstanding", status=409
        )


@transaction.atomic
def case_approve(*, case: Case, actor: User, note: str = "") -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    CASES.check(case, CaseAction.APPROVE)
    _refuse_outstanding_gaps(case)  # (and the guards of higher layers, e.g. joint cases: CASES.guard)
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.result_note = (note or "").strip()[:2000]
    return CASES.apply(
        case,
        action=CaseAction.APPROVE,
        actor=actor,
        role=role,
        fields=["decided_by", "decided_at", "result_note"],
        reason=case.result_note,
    )


@transaction.atomic
def case_deny(*, case: Case, actor: User, reasons: str) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    CASES.check(case, CaseAction.DENY)
    case.decision_reasons = rules.require_reason(reasons)
    case.decided_by = actor
    case.decided_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.DENY,
        actor=actor,
        role=role,
        fields=["decision_reasons", "decided_by", "decided_at"],
        reason=case.decision_reasons,
    )


@transaction.atomic
def case_issue_result(*, case: Case, actor: User, result_number: str = "", note: str = "") -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    CASES.check(case, CaseAction.ISSUE_RESULT)
    _refuse_outstanding_gaps(case)
    case.result_number = (result_number or "").strip()[:80]
    # 电子证照: an item whose result is a licence issues it now; its number is the result number.
    from tongban.licences.services import licence_issue_for_case

    licence = licence_issue_for_case(case=case, actor=actor)
    if licence is not None:
        case.result_number = licence.number
    if note:
        case.result_note = note.strip()[:2000]
    return CASES.apply(
        case, action=CaseAction.ISSUE_RESULT, actor=actor, role=role, fields=["result_number", "result_note"]
    )


@transaction.atomic
def case_deliver(*, case: Case, actor: User, tracking_number: str = "") -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    CASES.check(case, CaseAction.DELIVER)
    tracking = (tracking_number or "").strip()
    if case.delivery_method == DeliveryMethod.POST and not tracking:
        raise ValidationFailed(_("Give the postal tracking number."), code="tracking_number_required")
    if len(tracking) > 60:
        raise ValidationFailed(_("The tracking number is too long."), code="tracking_number_invalid")
    case.tracking_number = tracking
    case.delivered_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.DELIVER,
        actor=actor,
        role=role,
        fields=["tracking_number", "delivered_at"],
        data={"method": case.delivery_method, "tracking_number": tracking},
    )


@transaction.atomic
def case_close(*, case: Case, actor: User) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_intake(actor, case)
    CASES.check(case, CaseAction.CLOSE)
    case.closed_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.CLOSE,
        actor=actor,
        role=role,
        fields=["closed_at"],
        notice=gettext("Your case is closed. Please rate our service."),
    )


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, reason: str = "") -> Case:
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    CASES.check(case, CaseAction.WITHDRAW)
    case.closed_at = timezone.now()
    return CASES.apply(
        case, action=CaseAction.WITHDRAW, actor=actor, role=role, fields=["closed_at"], reason=reason.strip()[:2000]
    )


@transaction.atomic
def case_suspend(*, case: Case, actor: User, reason: str) -> Case:
    """特别程序 (hearing, expert review, inspection…): the clock stops until the case is resumed."""
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    CASES.check(case, CaseAction.SUSPEND)
    why = rules.require_reason(reason)
    case.suspended_from = case.status
    case.suspended_on = rules.today()
    return CASES.apply(
        case,
        action=CaseAction.SUSPEND,
        actor=actor,
        role=role,
        fields=["suspended_from", "suspended_on"],
        reason=why,
    )


@transaction.atomic
def case_resume(*, case: Case, actor: User) -> Case:
    case = rules.lock(case, actor=actor)
    role = rules.require_department(actor, case)
    target = CASES.check(case, CaseAction.RESUME)
    assert case.suspended_on is not None
    paused = working_days_between(case.suspended_on, rules.today())
    case.suspended_working_days += paused
    rules.compute_deadlines(case)
    case.suspended_from = ""
    case.suspended_on = None
    return CASES.apply(
        case,
        action=CaseAction.RESUME,
        actor=actor,
        role=role,
        fields=[
            "suspended_working_days",
            "suspended_from",
            "suspended_on",
            "legal_due_date",
            "promised_due_date",
            "due_provisional",
        ],
        data={"paused_working_days": paused, "promised_due_date": str(case.promised_due_date)},
        target=target,
    )


@transaction.atomic
def case_terminate(*, case: Case, actor: User | None, reason: str) -> Case:
    """End the case without a decision (``actor`` None: the system, e.g. an expired supplement deadline)."""
    case = rules.lock(case)
    role = "system" if actor is None else rules.require_department(actor, case)
    return rules.end_with_reasons(case, action=CaseAction.TERMINATE, actor=actor, role=role, reason=reason)
