"""Notification and commitment (告知承诺制): the applicant's signed commitment approves at once; the
department's verification confirms it or revokes the approval."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.cases.constants import (
    DEFAULT_VERIFICATION_DAYS,
    CaseAction,
    CaseStatus,
    VerificationAction,
    VerificationStatus,
)
from tongban.cases.forms import clean_situations
from tongban.cases.models import Case, VerificationTask
from tongban.cases.services import rules
from tongban.cases.workflow import CASES, VERIFICATIONS
from tongban.core.calendar import add_working_days
from tongban.core.errors import ApplicationError, InvalidTransition, ValidationFailed


@transaction.atomic
def case_sign_commitment(*, case: Case, actor: User, agreed: bool) -> Case:
    """The applicant signs the item's commitment text; the case is approved at once and a
    verification task goes to the department."""
    case = rules.lock(case)
    role = rules.require_applicant(actor, case)
    CASES.check(case, CaseAction.SIGN_COMMITMENT)
    if not case.item.commitment_allowed or not case.item.commitment_text.strip():
        raise ApplicationError(
            _("This item cannot be handled by notification and commitment."),
            code="commitment_not_allowed",
            status=409,
        )
    if agreed is not True:
        raise ValidationFailed(_("Read and agree to the commitment to sign it."), code="commitment_not_agreed")
    fields: list[str] = []
    if case.status == CaseStatus.DRAFT:
        case.situations = clean_situations(case.item, case.situations, complete=True)
        case.form_data = rules.validate_form(case.item, case.form_data, partial=False)
        case.number = rules.next_number(case)
        case.submitted_at = timezone.now()
        fields += ["situations", "form_data", "number", "submitted_at"]
    now = timezone.now()
    case.commitment_signed_at = now
    case.commitment_text = case.item.commitment_text
    case.decided_at = now
    fields += ["commitment_signed_at", "commitment_text", "decided_at", *rules.start_clock(case, day=rules.today())]
    due = add_working_days(rules.today(), DEFAULT_VERIFICATION_DAYS)
    task = VerificationTask.objects.create(
        case=case, department_id=case.department_id, due_date=due.date, due_provisional=due.provisional
    )
    return CASES.apply(
        case,
        action=CaseAction.SIGN_COMMITMENT,
        actor=actor,
        role=role,
        fields=fields,
        data={"verification_due": str(task.due_date)},
        notice=gettext(
            "Your commitment was recorded and the application approved. The department will verify it; "
            "a false commitment revokes the approval and is recorded in your credit file."
        ),
    )


@transaction.atomic
def task_verify(*, task: VerificationTask, actor: User, ok: bool, findings: str = "") -> VerificationTask:
    """Record the department's verification; a false commitment revokes the approval (and supervision,
    which follows the case workflow, writes a credit record)."""
    task = VerificationTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    case = rules.lock(task.case_id)
    role = rules.require_department(actor, case)
    if task.status != VerificationStatus.PENDING:
        raise InvalidTransition(_("This verification has already been done."), code="verification_done")
    task.findings = (findings or "").strip()[:4000]
    if not ok:
        task.findings = rules.require_reason(findings)
    task.verified_by = actor
    task.verified_at = timezone.now()
    task.case = case
    VERIFICATIONS.apply(
        task,
        action=VerificationAction.CONFIRM if ok else VerificationAction.FIND_FALSE,
        actor=actor,
        role=role,
        fields=["findings", "verified_by", "verified_at"],
    )
    if not ok:
        CASES.check(case, CaseAction.REVOKE)
        case.decision_reasons = task.findings
        case.closed_at = timezone.now()
        CASES.apply(
            case,
            action=CaseAction.REVOKE,
            actor=actor,
            role=role,
            fields=["decision_reasons", "closed_at"],
            reason=task.findings,
            notice=gettext("The approval was revoked because the commitment was found false: %(reasons)s")
            % {"reasons": task.findings},
        )
    return task
