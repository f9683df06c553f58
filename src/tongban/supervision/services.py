"""Writes of supervision: ratings (好差评), rectification of bad ratings, credit records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Enterprise, User
from tongban.accounts.notifications import notify
from tongban.accounts.selectors import user_roles
from tongban.cases import events as case_events
from tongban.cases.constants import CaseStatus
from tongban.cases.models import Case
from tongban.cases.services import is_applicant_side
from tongban.core.calendar import add_working_days
from tongban.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.core.workflow import Move, Workflow
from tongban.regions.models import Department
from tongban.supervision import events
from tongban.supervision.constants import (
    BAD_RATING_MAX_STARS,
    CREDIT_KIND_SEVERITY,
    CREDIT_RECORD_DAYS,
    RECTIFICATION_TRANSITIONS,
    RECTIFICATION_WORKING_DAYS,
    CreditKind,
    CreditSeverity,
    RatingTag,
    RectificationAction,
    RectificationStatus,
)
from tongban.supervision.models import CreditRecord, Rating, RectificationTask


class AlreadyRated(Conflict):
    default_code = "already_rated"
    default_message = _("This case has already been rated.")


def _is_supervisor_for(actor: User, department: Department) -> bool:
    return bool(user_roles(user=actor, roles=[StaffRoleKind.SUPERVISOR], region=department.region_id))


def _is_department_staff(actor: User, department: Department) -> bool:
    return bool(
        user_roles(user=actor, roles=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD], department=department)
    )


def _record_rectification_move(move: Move[RectificationTask]) -> AuditEvent:
    return events.rectification_changed(
        task=move.obj,
        action=move.action,
        from_status=move.from_status,
        actor=move.actor,
        role=move.role,
        reason=move.reason,
    )


# The rectification workflow: every move of a task is checked against ``constants.RECTIFICATION_TRANSITIONS``.
RECTIFICATIONS: Workflow[RectificationTask] = Workflow(
    name="rectification",
    model=RectificationTask,
    table=RECTIFICATION_TRANSITIONS,
    label=lambda status: RectificationStatus(status).label,
    record=_record_rectification_move,
    not_allowed=InvalidTransition.default_message,
    touch=(),
)


@transaction.atomic
def rating_create(*, case: Case, actor: User, stars: int, tags: Sequence[str] = (), text: str = "") -> Rating:
    """Rate a closed case once; a rating of 2 stars or less opens a rectification task due in 15 working days."""
    case = Case.objects.select_for_update(of=("self",)).select_related("department").get(pk=case.pk)
    if not is_applicant_side(actor=actor, case=case):
        raise PermissionDenied(_("Only the applicant may rate this case."), code="case_forbidden")
    if case.status != CaseStatus.CLOSED:
        raise InvalidTransition(_("A case can be rated once it is closed."), code="case_not_closed")
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise ValidationFailed(_("Give 1 to 5 stars."), code="invalid_stars")
    clean_tags = list(dict.fromkeys(str(t) for t in tags))
    unknown = [t for t in clean_tags if t not in RatingTag.values]
    if unknown:
        raise ValidationFailed(_("Unknown rating tags."), code="invalid_tags", details=unknown)
    comment = (text or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed(_("The comment is too long (2000 characters at most)."), code="comment_too_long")
    if Rating.objects.filter(case=case).exists():
        raise AlreadyRated()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, applicant=actor, department=case.department, stars=stars, tags=clean_tags, text=comment
            )
    except IntegrityError as exc:
        raise AlreadyRated() from exc
    case_events.case_rated(case=case, actor=actor, stars=stars)
    if stars <= BAD_RATING_MAX_STARS:
        due = add_working_days(timezone.localdate(), RECTIFICATION_WORKING_DAYS)
        task = RectificationTask.objects.create(
            rating=rating, department=case.department, due_date=due.date, due_provisional=due.provisional
        )
        events.rectification_changed(task=task, action="opened", from_status="", actor=actor, role="applicant")
    return rating


@transaction.atomic
def rectification_transition(
    *, task: RectificationTask, actor: User, action: RectificationAction, note: str = ""
) -> RectificationTask:
    """The department starts and reports a rectification; a supervisor of the region accepts it or returns it."""
    task = RectificationTask.objects.select_for_update().select_related("department").get(pk=task.pk)
    if action in (RectificationAction.START, RectificationAction.REPORT):
        if not _is_department_staff(actor, task.department):
            raise PermissionDenied(_("Only the department's staff may rectify."), code="rectification_forbidden")
        role = StaffRoleKind.REVIEWER.value
    else:
        if not _is_supervisor_for(actor, task.department):
            raise PermissionDenied(_("Only a supervisor may follow up."), code="rectification_forbidden")
        role = StaffRoleKind.SUPERVISOR.value
    RECTIFICATIONS.check(task, action)
    text = (note or "").strip()[:4000]
    fields: list[str] = []
    if action == RectificationAction.REPORT:
        if not text:
            raise ValidationFailed(_("Describe what was rectified."), code="report_required")
        task.report = text
        fields.append("report")
    elif action == RectificationAction.RETURN:
        if not text:
            raise ValidationFailed(_("Say what is still missing."), code="note_required")
        task.supervisor_note = text
        task.rounds += 1
        fields += ["supervisor_note", "rounds"]
    elif action == RectificationAction.ACCEPT:
        task.supervisor_note = text
        task.closed_at = timezone.now()
        fields += ["supervisor_note", "closed_at"]
    return RECTIFICATIONS.apply(task, action=action, actor=actor, role=role, fields=fields, reason=text)


@transaction.atomic
def credit_record_create(
    *,
    subject: User,
    department: Department,
    kind: str,
    reason: str,
    actor: User | None,
    enterprise: Enterprise | None = None,
    case: Case | None = None,
) -> CreditRecord:
    if kind not in CreditKind.values:
        raise ValidationFailed(_("Unknown kind of credit record."), code="invalid_credit_kind")
    if not reason.strip():
        raise ValidationFailed(_("Please give the reasons."), code="reason_required")
    severity = CREDIT_KIND_SEVERITY.get(CreditKind(kind), CreditSeverity.MINOR)
    record = CreditRecord.objects.create(
        severity=severity,
        valid_until=timezone.localdate() + dt.timedelta(days=CREDIT_RECORD_DAYS[severity]),
        subject=subject,
        enterprise=enterprise,
        case=case,
        department=department,
        kind=kind,
        reason=reason.strip(),
        recorded_by=actor,
    )
    events.credit_recorded(record=record, actor=actor, role="reviewer" if actor is not None else "system")
    notify(
        user=subject,
        subject=gettext("A record was added to your credit file"),
        body=reason.strip(),
        kind="warning",
        channels=("inbox",),
    )
    return record


def rectification_get(*, task_id: int) -> RectificationTask:
    task = RectificationTask.objects.select_related("rating__case", "department").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("The rectification task was not found."), code="rectification_not_found")
    return task
