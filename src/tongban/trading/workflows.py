"""Every stateful object of trading moves through one ``Workflow`` of the kernel (``core.workflow``).

The tables are in ``constants``; here each workflow names its model, its audit event, its lock and
the notices its moves queue. Services call ``WF.apply(obj, ...)`` on a row they locked, or
``WF.transition(pk, ...)``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from tongban.accounts.notifications import notify_inbox
from tongban.core.workflow import Move, Workflow
from tongban.trading import constants as c
from tongban.trading import events
from tongban.trading.models import (
    Bid,
    Complaint,
    Draw,
    EvaluationReport,
    Expert,
    OpeningObjection,
    Procedure,
    Registration,
    ScoreSheet,
    Seat,
    Summons,
)


def _lock(model: type[Model]) -> Any:
    return lambda pk: model._default_manager.select_for_update().get(pk=pk)


def _label(choices: Any) -> Any:
    return lambda status: choices(status).label


def _bid_notice(move: Move[Bid]) -> None:
    bid = move.obj
    if move.action == c.BidAction.INVALIDATE:
        notify_inbox(
            user_id=bid.submitted_by_id,
            subject=_("Your bid was declared invalid at the opening"),
            body=str(c.OpeningResult(bid.opening_result).label) if bid.opening_result else "",
            kind="warning",
            link=f"/trading/procedures/{bid.procedure_id}/",
        )
    elif move.action == c.BidAction.REJECT:
        notify_inbox(
            user_id=bid.submitted_by_id,
            subject=_("Your bid was rejected by the evaluation panel"),
            body=bid.rejection_reason,
            kind="warning",
            link=f"/trading/procedures/{bid.procedure_id}/",
        )


def _complaint_notice(move: Move[Complaint]) -> None:
    if move.to_status == move.from_status:
        return
    complaint = move.obj
    notify_inbox(
        user_id=complaint.submitted_by_id,
        subject=_("Your complaint: %(status)s") % {"status": c.ComplaintStatus(move.to_status).label},
        body=complaint.decision,
        kind="info",
        link=f"/trading/procedures/{complaint.procedure_id}/",
    )


def _procedure_notice(move: Move[Procedure]) -> None:
    procedure = move.obj
    if move.action != c.ProcedureAction.AWARD or procedure.awarded_bid is None:
        return
    notify_inbox(
        user_id=procedure.awarded_bid.submitted_by_id,
        subject=_("Notice of award: %(title)s") % {"title": procedure.title},
        body=_("Your bid was awarded the contract."),
        kind="info",
        link=f"/trading/procedures/{procedure.pk}/",
    )


PROCEDURE: Workflow[Procedure] = Workflow(
    name="trading-procedure",
    model=Procedure,
    table=c.PROCEDURE_TRANSITIONS,
    label=_label(c.ProcedureStatus),
    record=events.procedure_moved,
    notify=_procedure_notice,
    lock=_lock(Procedure),
)
REGISTRATION: Workflow[Registration] = Workflow(
    name="trading-registration",
    model=Registration,
    table=c.REGISTRATION_TRANSITIONS,
    label=_label(c.RegistrationStatus),
    record=events.registration_moved,
    lock=_lock(Registration),
)
BID: Workflow[Bid] = Workflow(
    name="trading-bid",
    model=Bid,
    table=c.BID_TRANSITIONS,
    label=_label(c.BidStatus),
    record=events.bid_moved,
    notify=_bid_notice,
    lock=_lock(Bid),
)
OBJECTION: Workflow[OpeningObjection] = Workflow(
    name="trading-objection",
    model=OpeningObjection,
    table=c.OBJECTION_TRANSITIONS,
    label=_label(c.ObjectionStatus),
    record=events.objection_moved,
    lock=_lock(OpeningObjection),
)
EXPERT: Workflow[Expert] = Workflow(
    name="trading-expert",
    model=Expert,
    table=c.EXPERT_TRANSITIONS,
    label=_label(c.ExpertStatus),
    record=events.expert_moved,
    lock=_lock(Expert),
)
DRAW: Workflow[Draw] = Workflow(
    name="trading-draw",
    model=Draw,
    table=c.DRAW_TRANSITIONS,
    label=_label(c.DrawStatus),
    record=events.draw_moved,
    lock=_lock(Draw),
)
SEAT: Workflow[Seat] = Workflow(
    name="trading-seat",
    model=Seat,
    table=c.SEAT_TRANSITIONS,
    label=_label(c.SeatStatus),
    record=events.seat_moved,
    lock=_lock(Seat),
)
SUMMONS: Workflow[Summons] = Workflow(
    name="trading-summons",
    model=Summons,
    table=c.SUMMONS_TRANSITIONS,
    label=_label(c.SummonsStatus),
    record=events.summons_moved,
    lock=_lock(Summons),
)
SHEET: Workflow[ScoreSheet] = Workflow(
    name="trading-sheet",
    model=ScoreSheet,
    table=c.SHEET_TRANSITIONS,
    label=_label(c.SheetStatus),
    record=events.sheet_moved,
    lock=_lock(ScoreSheet),
)
REPORT: Workflow[EvaluationReport] = Workflow(
    name="trading-report",
    model=EvaluationReport,
    table=c.REPORT_TRANSITIONS,
    label=_label(c.ReportStatus),
    record=events.report_moved,
    lock=_lock(EvaluationReport),
)
COMPLAINT: Workflow[Complaint] = Workflow(
    name="trading-complaint",
    model=Complaint,
    table=c.COMPLAINT_TRANSITIONS,
    label=_label(c.ComplaintStatus),
    record=events.complaint_moved,
    notify=_complaint_notice,
    lock=_lock(Complaint),
)
