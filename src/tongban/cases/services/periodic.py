"""Periodic work on cases: 容缺 reminders and terminations, provisional deadlines recomputed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

from tongban.cases import events
from tongban.cases.constants import GAP_REMINDER_WORKING_DAYS, TRANSITIONS, CaseAction, CaseStatus, MaterialStatus
from tongban.cases.models import Case
from tongban.cases.services import rules
from tongban.cases.services.decision import case_terminate
from tongban.cases.workflow import notify_applicant
from tongban.core.calendar import add_working_days
from tongban.core.errors import ApplicationError


@dataclass
class TickReport:
    reminded: list[str] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)


def _remind_gap(case_id: int, today: dt.date) -> bool:
    with transaction.atomic():
        case = rules.lock(case_id)
        if (
            case.gap_deadline is None
            or case.gap_reminded_on == today
            or case.status
            in {
                CaseStatus.TERMINATED,
                CaseStatus.WITHDRAWN,
            }
        ):
            return False
        names = "、".join(case.materials.filter(status=MaterialStatus.GAP).values_list("material__name", flat=True))
        case.gap_reminded_on = today
        case.save(update_fields=["gap_reminded_on", "updated_at"])
        events.gap_reminder_sent(case=case, deadline=str(case.gap_deadline))
        notify_applicant(
            case,
            subject=gettext("Case %(number)s: materials due by %(date)s")
            % {"number": case.number, "date": case.gap_deadline},
            body=gettext("Please supply %(names)s by %(date)s, or the case will be terminated.")
            % {"names": names, "date": case.gap_deadline},
            kind="reminder",
        )
        return True


def _recompute(case_id: int) -> bool:
    with transaction.atomic():
        case = rules.lock(case_id)
        if not case.due_provisional or case.accepted_on is None:
            return False
        before = (case.legal_due_date, case.promised_due_date, case.due_provisional)
        rules.compute_deadlines(case)
        if before == (case.legal_due_date, case.promised_due_date, case.due_provisional):
            return False
        case.save(update_fields=["legal_due_date", "promised_due_date", "due_provisional", "updated_at"])
        events.deadlines_recomputed(
            case=case,
            legal=str(case.legal_due_date),
            promised=str(case.promised_due_date),
            provisional=case.due_provisional,
        )
        return True


def cases_tick(*, today: dt.date | None = None) -> TickReport:
    """Send 容缺 reminders, terminate cases whose supplement deadline passed, and recompute provisional
    deadlines (once an official schedule has been entered). Each case in its own transaction."""
    today = today or rules.today()
    report = TickReport()
    waiting = Case.objects.filter(gap_deadline__isnull=False, status__in=TRANSITIONS[CaseAction.TERMINATE].sources)
    for case in waiting.filter(gap_deadline__lt=today).only("pk", "number"):
        reason = gettext("The materials accepted with gaps were not supplied by the deadline.")
        try:
            with transaction.atomic():
                case_terminate(case=case, actor=None, reason=reason)
            report.terminated.append(case.number or str(case.pk))
        except ApplicationError:
            continue
    reminder_until = add_working_days(today, GAP_REMINDER_WORKING_DAYS).date
    for case in waiting.filter(gap_deadline__gte=today, gap_deadline__lte=reminder_until).only("pk", "number"):
        if _remind_gap(case.pk, today):
            report.reminded.append(case.number or str(case.pk))
    for case in Case.objects.filter(due_provisional=True, accepted_on__isnull=False).only("pk", "number"):
        if _recompute(case.pk):
            report.recomputed.append(case.number or str(case.pk))
    return report
