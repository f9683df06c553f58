"""Remote evaluation (远程异地评标): one workspace for the main and the remote venues, independent
scores, outliers flagged and explained, the report signed by each expert, the candidates published.

Experts reach the workspace on the node that runs the procedure, wherever they sit (主场 or 副场):
an expert of a peer region logs in there with their home region's account (cross-region login,
ADR 0015), which carries the ID number the expert is known by. Each expert sees only their own
sheet until every sheet is submitted; the price criterion is scored by formula, not by experts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.accounts.models import User
from tongban.core.errors import ValidationFailed
from tongban.trading import events, ocds, sealing, selectors
from tongban.trading import workflows as wf
from tongban.trading.common import lock_procedure, notice_publish, require_operator
from tongban.trading.constants import (
    OUTLIER_SHARE,
    REPORT_TYP,
    BidAction,
    BidStatus,
    DrawStatus,
    NoticeKind,
    ProcedureAction,
    ProcedureStatus,
    ReportAction,
    ReportStatus,
    SeatStatus,
    SheetAction,
    SheetStatus,
)
from tongban.trading.errors import (
    BidNotFound,
    DrawNotReady,
    EvaluationNotFinished,
    ExpertRecused,
    NotOnPanel,
    OutlierUnexplained,
    ReportNotSigned,
    ScoreOutOfRange,
    ScoresIncomplete,
)
from tongban.trading.models import Bid, Draw, EvaluationReport, Procedure, ReportSignature, ScoreSheet, Seat

TWO = Decimal("0.01")


class EvaluationClosed(ValidationFailed):
    default_code = "evaluation_closed"


def _closed() -> EvaluationClosed:
    return EvaluationClosed(_("The evaluation of this procedure is not open."))


def _scored_criteria(procedure: Procedure) -> list[dict[str, Any]]:
    return [c for c in procedure.criteria if c["kind"] != "price"]


def _price_criterion(procedure: Procedure) -> dict[str, Any] | None:
    return next((c for c in procedure.criteria if c["kind"] == "price"), None)


def price_scores(procedure: Procedure, bids: list[Bid]) -> dict[int, Decimal]:
    """The price criterion by formula: the lowest valid price scores the maximum, others in proportion."""
    criterion = _price_criterion(procedure)
    prices = [b.price for b in bids if b.price]
    if criterion is None or not prices:
        return {}
    lowest = min(prices)
    top = Decimal(str(criterion["max"]))
    return {b.pk: (top * lowest / b.price).quantize(TWO, ROUND_HALF_UP) for b in bids if b.price}


# ------------------------------------------------------------------ starting


@transaction.atomic(durable=True)
def evaluation_start(*, actor: User, procedure_id: int) -> Procedure:
    """Open the workspace once the panel is complete; a sheet for each confirmed expert."""
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.START_EVALUATION)
    draw = Draw.objects.filter(procedure=procedure).first()
    if draw is None or draw.status != DrawStatus.COMPLETE:
        raise DrawNotReady()
    for seat in draw.seats.filter(status=SeatStatus.CONFIRMED):
        ScoreSheet.objects.get_or_create(procedure=procedure, seat=seat)
    return wf.PROCEDURE.apply(procedure, action=ProcedureAction.START_EVALUATION, actor=actor, role="operator")


def panel_seat(*, procedure: Procedure, actor: User) -> Seat:
    """The actor's confirmed seat on the panel: a recused expert is refused (``expert_recused``)."""
    seat = selectors.seat_of(procedure=procedure, user=actor)
    if seat is None:
        raise NotOnPanel()
    if seat.status == SeatStatus.RECUSED:
        raise ExpertRecused()
    if seat.status != SeatStatus.CONFIRMED:
        raise NotOnPanel()
    return seat


def _sheet(procedure: Procedure, seat: Seat) -> ScoreSheet:
    sheet = ScoreSheet.objects.select_for_update().filter(procedure=procedure, seat=seat).first()
    if sheet is None:  # a replacement confirmed after the evaluation started
        sheet = ScoreSheet.objects.create(procedure=procedure, seat=seat)
    return sheet


def _clean_scores(procedure: Procedure, scores: dict[Any, Any]) -> dict[str, dict[str, str]]:
    valid = {str(b.pk) for b in selectors.valid_bids(procedure)}
    criteria = {c["code"]: Decimal(str(c["max"])) for c in _scored_criteria(procedure)}
    cleaned: dict[str, dict[str, str]] = {}
    for bid_key, values in scores.items():
        bid = str(bid_key)
        if bid not in valid or not isinstance(values, dict):
            raise ValidationFailed(
                _("Unknown bid or criterion."), code="unknown_bid_or_criterion", details={"bid": bid}
            )
        row: dict[str, str] = {}
        for code, raw in values.items():
            if code not in criteria:
                raise ValidationFailed(
                    _("Unknown bid or criterion."), code="unknown_bid_or_criterion", details={"criterion": code}
                )
            if raw in (None, ""):
                continue
            try:
                value = Decimal(str(raw))
            except InvalidOperation as exc:
                raise ScoreOutOfRange(details={"bid": bid, "criterion": code, "max": str(criteria[code])}) from exc
            if not value.is_finite() or value < 0 or value > criteria[code]:
                raise ScoreOutOfRange(
                    details={"bid": bid, "criterion": code, "max": str(criteria[code]), "value": str(raw)}
                )
            row[code] = str(value.quantize(TWO, ROUND_HALF_UP))
        cleaned[bid] = row
    return cleaned


def _complete(procedure: Procedure, scores: dict[str, dict[str, str]]) -> bool:
    valid = [str(b.pk) for b in selectors.valid_bids(procedure)]
    codes = [c["code"] for c in _scored_criteria(procedure)]
    return all(code in scores.get(bid, {}) for bid in valid for code in codes)


@transaction.atomic(durable=True)
def sheet_save(*, actor: User, procedure_id: int, scores: dict[Any, Any], submit: bool = False) -> ScoreSheet:
    """An expert saves their scores (a draft) and, when ``submit``, hands the sheet in."""
    procedure = lock_procedure(procedure_id)
    if procedure.status != ProcedureStatus.EVALUATING:
        raise _closed()
    seat = panel_seat(procedure=procedure, actor=actor)
    sheet = _sheet(procedure, seat)
    wf.SHEET.check(sheet, SheetAction.SUBMIT)  # only a draft changes
    merged = {**sheet.scores}
    for bid, row in _clean_scores(procedure, scores).items():
        merged[bid] = {**merged.get(bid, {}), **row}
    sheet.scores = merged
    sheet.save(update_fields=["scores", "updated_at"])
    events.scores_saved(sheet=sheet, actor=actor)
    if submit:
        if not _complete(procedure, merged):
            raise ScoresIncomplete()
        sheet.submitted_at = timezone.now()
        wf.SHEET.apply(sheet, action=SheetAction.SUBMIT, actor=actor, role="expert", fields=["submitted_at"])
    return sheet


def outliers(procedure: Procedure) -> list[dict[str, Any]]:
    """Scores further than ``OUTLIER_SHARE`` of the criterion's range from the panel's median."""
    submitted = [s for s in selectors.sheets(procedure) if s.status == SheetStatus.SUBMITTED]
    if len(submitted) < 3:
        return []
    flags = []
    for criterion in _scored_criteria(procedure):
        code, top = criterion["code"], Decimal(str(criterion["max"]))
        bids = sorted({bid for s in submitted for bid in s.scores})
        for bid in bids:
            values = [(s, Decimal(s.scores[bid][code])) for s in submitted if code in s.scores.get(bid, {})]
            if len(values) < 3:
                continue
            median = Decimal(str(statistics.median(v for _s, v in values)))
            for sheet, value in values:
                if abs(value - median) > top * Decimal(str(OUTLIER_SHARE)):
                    key = f"{bid}:{code}"
                    flags.append(
                        {
                            "sheet": sheet.pk,
                            "seat": sheet.seat_id,
                            "expert": sheet.seat.expert.name,
                            "bid": int(bid),
                            "criterion": code,
                            "value": str(value),
                            "median": str(median.quantize(TWO)),
                            "explanation": sheet.explanations.get(key, ""),
                        }
                    )
    return flags


@transaction.atomic(durable=True)
def outlier_explain(*, actor: User, procedure_id: int, bid: int, criterion: str, text: str) -> ScoreSheet:
    """The expert explains a flagged score (the score itself stays as submitted)."""
    procedure = lock_procedure(procedure_id)
    if procedure.status != ProcedureStatus.EVALUATING:
        raise _closed()
    seat = panel_seat(procedure=procedure, actor=actor)
    sheet = _sheet(procedure, seat)
    if not text.strip():
        raise ValidationFailed(_("Please write the explanation."), code="explanation_empty")
    if not any(f["sheet"] == sheet.pk and f["bid"] == bid and f["criterion"] == criterion for f in outliers(procedure)):
        raise ValidationFailed(_("This score is not flagged."), code="not_an_outlier")
    sheet.explanations = {**sheet.explanations, f"{bid}:{criterion}": text.strip()[:2000]}
    sheet.save(update_fields=["explanations", "updated_at"])
    return sheet


@transaction.atomic(durable=True)
def bid_reject(*, actor: User, procedure_id: int, bid_id: int, reason: str) -> Bid:
    """The panel rejects a bid (否决投标), recorded by one of its experts with the reasons."""
    procedure = lock_procedure(procedure_id)
    if procedure.status != ProcedureStatus.EVALUATING:
        raise _closed()
    panel_seat(procedure=procedure, actor=actor)
    if not reason.strip():
        raise ValidationFailed(_("Please give the reasons."), code="reason_required")
    bid = Bid.objects.select_for_update().filter(pk=bid_id, procedure=procedure).first()
    if bid is None:
        raise BidNotFound()
    bid.rejection_reason = reason.strip()
    return wf.BID.apply(
        bid, action=BidAction.REJECT, actor=actor, role="expert", fields=["rejection_reason"], reason=reason
    )


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _report_content(procedure: Procedure, sheets: list[ScoreSheet]) -> dict[str, Any]:
    bids = selectors.valid_bids(procedure)
    prices = price_scores(procedure, bids)
    criteria = _scored_criteria(procedure)
    rows: list[dict[str, Any]] = []
    for bid in bids:
        per: dict[str, Decimal] = {}
        for c in criteria:
            values = [Decimal(s.scores[str(bid.pk)][c["code"]]) for s in sheets]
            per[c["code"]] = (sum(values, Decimal("0")) / len(values)).quantize(TWO, ROUND_HALF_UP)
        total = sum(per.values(), Decimal("0")) + prices.get(bid.pk, Decimal("0"))
        rows.append(
            {
                "bid": bid.pk,
                "bidder": bid.enterprise.name,
                "uscc": bid.enterprise.uscc,
                "price": str(bid.price),
                "price_score": str(prices.get(bid.pk, Decimal("0"))),
                "scores": {k: str(v) for k, v in per.items()},
                "total": str(total.quantize(TWO)),
            }
        )
    rows.sort(key=lambda r: (-Decimal(str(r["total"])), Decimal(str(r["price"])), int(r["bid"])))
    rejected = [
        {"bid": b.pk, "bidder": b.enterprise.name, "reason": b.rejection_reason}
        for b in procedure.bids.filter(status=BidStatus.REJECTED).select_related("enterprise")
    ]
    return {
        "ocid": procedure.ocid,
        "procedure": procedure.number,
        "method": procedure.evaluation_method,
        "criteria": procedure.criteria,
        "panel": [
            {"expert": s.seat.expert.name, "region": s.seat.expert.origin_region_id, "venue": s.seat.venue_id}
            for s in sheets
        ],
        "ranking": rows,
        "candidates": [{"rank": i, **r} for i, r in enumerate(rows[:3], start=1)],
        "rejected": rejected,
        "outliers": outliers(procedure),
    }


@transaction.atomic(durable=True)
def report_draft(*, actor: User, procedure_id: int) -> EvaluationReport:
    """Compile the report once every expert submitted and every outlier is explained."""
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    if procedure.status != ProcedureStatus.EVALUATING:
        raise _closed()
    seats = selectors.panel(procedure)
    sheets = [s for s in selectors.sheets(procedure) if s.seat.status == SeatStatus.CONFIRMED]
    if (
        len(seats) < procedure.expert_count
        or any(s.status != SheetStatus.SUBMITTED for s in sheets)
        or len(sheets) < len(seats)
    ):
        raise EvaluationNotFinished()
    unexplained = [f for f in outliers(procedure) if not f["explanation"]]
    if unexplained:
        raise OutlierUnexplained(details={"outliers": unexplained})
    for old in EvaluationReport.objects.select_for_update().filter(procedure=procedure, status=ReportStatus.SIGNING):
        wf.REPORT.apply(old, action=ReportAction.SUPERSEDE, actor=actor, role="operator")
    content = _report_content(procedure, sheets)
    last = (
        EvaluationReport.objects.filter(procedure=procedure)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return EvaluationReport.objects.create(
        procedure=procedure,
        version=int(last or 0) + 1,
        content=content,
        digest=_digest(content),
        created_at=timezone.now(),
    )


@transaction.atomic(durable=True)
def report_sign(*, actor: User, report_id: int, dissent: str = "") -> EvaluationReport:
    """An expert signs the report's digest (with a dissent if they disagree). With the last signature
    the report is sealed with the node's key and the evaluation is finished."""
    report = EvaluationReport.objects.select_for_update().filter(pk=report_id).select_related("procedure").first()
    if report is None or report.status != ReportStatus.SIGNING:
        raise ReportNotSigned()
    procedure = lock_procedure(report.procedure_id)
    seat = panel_seat(procedure=procedure, actor=actor)
    signature, created = ReportSignature.objects.get_or_create(
        report=report,
        seat=seat,
        defaults={"digest": report.digest, "dissent": dissent.strip()[:4000], "signed_at": timezone.now()},
    )
    if created:
        events.report_signed(signature=signature, actor=actor)
    seats = selectors.panel(procedure)
    signed = {s.seat_id for s in report.signatures.all()}
    if all(s.pk in signed for s in seats) and len(seats) >= procedure.expert_count:
        sigs = [
            {
                "expert": s.seat.expert.name,
                "expert_uid": str(s.seat.expert.uid),
                "region": s.seat.expert.origin_region_id,
                "digest": s.digest,
                "dissent": s.dissent,
                "signed_at": s.signed_at.isoformat(),
            }
            for s in report.signatures.select_related("seat__expert").order_by("signed_at", "pk")
        ]
        report.jws = sealing.sign_document(
            {
                "type": "evaluation-report",
                "ocid": procedure.ocid,
                "digest": report.digest,
                "content": report.content,
                "signatures": sigs,
            },
            typ=REPORT_TYP,
        )
        report.sealed_at = timezone.now()
        wf.REPORT.apply(report, action=ReportAction.SEAL, actor=actor, role="expert", fields=["jws", "sealed_at"])
        wf.PROCEDURE.apply(procedure, action=ProcedureAction.FINISH_EVALUATION, actor=actor, role="expert")
    return report


@transaction.atomic(durable=True)
def candidates_publish(*, actor: User, procedure_id: int) -> Procedure:
    """Publish the candidates (中标候选人公示) for the tender's publicity period."""
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.PUBLICISE)
    report = selectors.current_report(procedure)
    if report is None or report.status != ReportStatus.SIGNED:
        raise ReportNotSigned()
    now = timezone.now()
    procedure.publicity_ends_at = now + dt.timedelta(days=procedure.publicity_days)
    wf.PROCEDURE.apply(
        procedure, action=ProcedureAction.PUBLICISE, actor=actor, role="operator", fields=["publicity_ends_at"]
    )
    lines = [
        _("Candidate %(rank)s: %(name)s, price %(price)s yuan, score %(score)s")
        % {"rank": c["rank"], "name": c["bidder"], "price": c["price"], "score": c["total"]}
        for c in report.content["candidates"]
    ]
    lines.append(
        _("Publicity until %(time)s. Objections and complaints may be raised during this period.")
        % {"time": timezone.localtime(procedure.publicity_ends_at).strftime("%Y-%m-%d %H:%M")}
    )
    notice_publish(
        procedure=procedure,
        kind=NoticeKind.CANDIDATES,
        title=_("Candidates publicity"),
        body="\n".join(lines),
        actor=actor,
    )
    ocds.publish(procedure, tag="award")
    return procedure


# ------------------------------------------------------------------ going back


def reopen(*, procedure: Procedure, actor: User | None, reason: str, sheets: bool = True) -> None:
    """Back to the panel (an upheld complaint; an expert replaced after the report): the report is
    superseded and, for a re-evaluation (``sheets``), the submitted sheets become drafts again
    (in the caller's transaction)."""
    for report in (
        EvaluationReport.objects.select_for_update().filter(procedure=procedure).exclude(status=ReportStatus.SUPERSEDED)
    ):
        wf.REPORT.apply(report, action=ReportAction.SUPERSEDE, actor=actor, role="operator", reason=reason)
    for sheet in ScoreSheet.objects.select_for_update().filter(procedure=procedure, status=SheetStatus.SUBMITTED):
        if sheets:
            wf.SHEET.apply(sheet, action=SheetAction.REOPEN, actor=actor, role="operator", reason=reason)
    if wf.PROCEDURE.can(procedure, ProcedureAction.REEVALUATE):
        procedure.publicity_ends_at = None
        wf.PROCEDURE.apply(
            procedure,
            action=ProcedureAction.REEVALUATE,
            actor=actor,
            role="operator",
            fields=["publicity_ends_at"],
            reason=reason,
        )


def seat_left(*, seat: Seat, actor: User | None) -> None:
    """A seat was declined or recused: its sheet is void; work already reported is done again."""
    procedure = Procedure.objects.select_for_update().get(pk=seat.draw.procedure_id)
    for sheet in ScoreSheet.objects.select_for_update().filter(seat=seat).exclude(status=SheetStatus.VOID):
        wf.SHEET.apply(sheet, action=SheetAction.VOID, actor=actor, role="operator", reason="seat_left")
    if procedure.status in (ProcedureStatus.EVALUATING, ProcedureStatus.EVALUATED, ProcedureStatus.PUBLICITY):
        reopen(procedure=procedure, actor=actor, reason="conflict_after_draw", sheets=False)
