"""Writes of supervision: ratings (好差评), rectification of bad ratings, credit records."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Enterprise, StaffRole, User
from tongban.accounts.notifications import notify
from tongban.cases import services as case_services
from tongban.cases.constants import CaseAction, VerificationStatus
from tongban.cases.models import Case, VerificationTask
from tongban.core.calendar import add_working_days
from tongban.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tongban.core.workflow import Move
from tongban.regions.models import Department
from tongban.supervision import events
from tongban.supervision.constants import (
    BAD_RATING_MAX_STARS,
    RECTIFICATION_TRANSITIONS,
    RECTIFICATION_WORKING_DAYS,
    CreditKind,
    RatingTag,
    RectificationAction,
)
from tongban.supervision.models import CreditRecord, Rating, RectificationTask


class AlreadyRated(Conflict):
    default_code = "already_rated"
    default_message = _("This case has already been rated.")


def _is_supervisor_for(actor: User, department: Department) -> bool:
    return StaffRole.objects.filter(
        user=actor, role=StaffRoleKind.SUPERVISOR, department__region_id=department.region_id
    ).exists()


def _is_department_staff(actor: User, department: Department) -> bool:
    return StaffRole.objects.filter(
        user=actor,
        department=department,
        role__in=[StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD],
    ).exists()


@transaction.atomic
def rating_create(*, case: Case, actor: User, stars: int, tags: Sequence[str] = (), text: str = "") -> Rating:
    """Rate a closed case once; a rating of 2 stars or less opens a rectification task due in 15 working days."""
    case = case_services.case_lock_for_rating(case=case, actor=actor)
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
    case_services.case_rating_recorded(case=case, actor=actor, stars=stars)
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
    sources, target = RECTIFICATION_TRANSITIONS[action]
    if action in (RectificationAction.START, RectificationAction.REPORT):
        if not _is_department_staff(actor, task.department):
            raise PermissionDenied(_("Only the department's staff may rectify."), code="rectification_forbidden")
        role = StaffRoleKind.REVIEWER.value
    else:
        if not _is_supervisor_for(actor, task.department):
            raise PermissionDenied(_("Only a supervisor may follow up."), code="rectification_forbidden")
        role = StaffRoleKind.SUPERVISOR.value
    if task.status not in sources:
        raise InvalidTransition(details={"status": task.status, "action": action.value})
    text = (note or "").strip()[:4000]
    fields = ["status"]
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
    previous = task.status
    task.status = target
    task.save(update_fields=fields)
    events.rectification_changed(
        task=task, action=action.value, from_status=previous, actor=actor, role=role, reason=text
    )
    return task


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
    record = CreditRecord.objects.create(
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


def on_case_moved(move: Move[Case]) -> None:
    """A case's approval revoked because verification found its commitment false (告知承诺制): a
    credit record against the applicant, with the verification's findings (subscribed to the case
    workflow, after the revocation's notice)."""
    if move.action != CaseAction.REVOKE:
        return
    case = move.obj
    found_false = VerificationTask.objects.filter(case_id=case.pk, status=VerificationStatus.FOUND_FALSE).exists()
    if not found_false:
        return
    credit_record_create(
        subject=case.applicant,
        enterprise=case.enterprise,
        case=case,
        department=case.department,
        kind=CreditKind.FALSE_COMMITMENT,
        reason=move.reason,
        actor=move.actor,
    )
