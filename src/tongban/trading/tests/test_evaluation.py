"""The whole procedure from announcement to contract: remote evaluation, outliers, the signed report,
the candidates' publicity, complaints, award and contract; every OCDS release of it validates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tongban.accounts.models import User
from tongban.trading import evaluation, ocds, pool, sealing, selectors, services
from tongban.trading.constants import (
    BidStatus,
    ComplaintAction,
    ComplaintStatus,
    ProcedureStatus,
    ReportStatus,
    SeatAction,
    SheetStatus,
)
from tongban.trading.errors import (
    ComplaintPending,
    DrawNotReady,
    EvaluationNotFinished,
    NotOnPanel,
    OutlierUnexplained,
    PublicityNotOver,
    ReportNotSigned,
    ScoreOutOfRange,
    ScoresIncomplete,
)
from tongban.trading.models import Procedure, Release, Seat
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def _panel(op: User, procedure: Procedure) -> list[Seat]:
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    seats = list(draw.seats.select_related("expert__user").order_by("rank"))
    for seat in seats:
        pool.seat_answer(actor=op, seat_id=seat.pk, action=SeatAction.CONFIRM)
    return seats


def _user(seat: Seat) -> User:
    assert seat.expert.user is not None
    return seat.expert.user


def _score_all(
    procedure: Procedure, seats: list[Seat], bids: list[Any], technical: dict[int, str] | None = None
) -> None:
    for i, seat in enumerate(seats):
        scores = {
            bid.pk: {"technical": (technical or {}).get(i, str(30 + j)), "commercial": str(15 + j % 3)}
            for j, bid in enumerate(bids)
        }
        evaluation.sheet_save(actor=_user(seat), procedure_id=procedure.pk, scores=scores, submit=True)


def test_a_procedure_from_announcement_to_contract(standards_dir: Path) -> None:
    # given an opened procedure and a complete panel from this region's pool
    op = f.operator()
    procedure, bidders, bids = f.opened(op)
    f.pool_of(op, per_region=7, regions=("120000",))
    # the evaluation cannot start before the panel is complete
    with pytest.raises(DrawNotReady):
        evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    seats = _panel(op, procedure)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    # a stranger is not on the panel
    with pytest.raises(NotOnPanel):
        evaluation.sheet_save(actor=bidders[0].user, procedure_id=procedure.pk, scores={})
    # a score outside the criterion's range is refused with a stable code, nothing saved
    with pytest.raises(ScoreOutOfRange) as refused:
        evaluation.sheet_save(
            actor=_user(seats[0]), procedure_id=procedure.pk, scores={bids[0].pk: {"technical": "41"}}
        )
    assert refused.value.code == "score_out_of_range" and "分值范围" in str(refused.value.message)
    assert refused.value.as_dict()["details"] == {
        "bid": str(bids[0].pk),
        "criterion": "technical",
        "max": "40",
        "value": "41",
    }
    with pytest.raises(ScoreOutOfRange):
        evaluation.sheet_save(
            actor=_user(seats[0]), procedure_id=procedure.pk, scores={bids[0].pk: {"technical": "-1"}}
        )
    # an incomplete sheet cannot be submitted
    with pytest.raises(ScoresIncomplete):
        evaluation.sheet_save(
            actor=_user(seats[0]), procedure_id=procedure.pk, scores={bids[0].pk: {"technical": "30"}}, submit=True
        )
    # the report needs every sheet
    with pytest.raises(EvaluationNotFinished):
        evaluation.report_draft(actor=op, procedure_id=procedure.pk)
    # when every expert scores, one of them far from the others
    _score_all(procedure, seats, bids, technical={4: "5"})
    # then the outlier is flagged and must be explained before the report
    flags = evaluation.outliers(procedure)
    assert {(fl["seat"], fl["criterion"]) for fl in flags} == {(seats[4].pk, "technical")}
    with pytest.raises(OutlierUnexplained) as unexplained:
        evaluation.report_draft(actor=op, procedure_id=procedure.pk)
    assert unexplained.value.code == "outlier_unexplained"
    for flag in flags:
        evaluation.outlier_explain(
            actor=_user(seats[4]),
            procedure_id=procedure.pk,
            bid=flag["bid"],
            criterion="technical",
            text="施工组织设计存在重大缺陷",
        )
    report = evaluation.report_draft(actor=op, procedure_id=procedure.pk)
    # the ranking adds the average scores and the price score (lowest price gets the maximum)
    ranking = report.content["ranking"]
    # (technical: four experts give 30+j, one gives 5; commercial 15+j; prices 11.8, 11.5, 12.1 million)
    assert [(r["bid"], r["total"]) for r in ranking] == [
        (bids[1].pk, "81.80"),
        (bids[2].pk, "81.62"),
        (bids[0].pk, "78.98"),
    ]
    assert {r["bid"]: r["price_score"] for r in ranking}[bids[1].pk] == "40.00"
    # the candidates cannot be published before every expert signs
    with pytest.raises(Exception) as early:
        evaluation.candidates_publish(actor=op, procedure_id=procedure.pk)
    assert getattr(early.value, "code", "") == "invalid_transition"
    for i, seat in enumerate(seats):
        evaluation.report_sign(
            actor=_user(seat), report_id=report.pk, dissent="对第三名的商务评分有保留意见" if i == 4 else ""
        )
    report.refresh_from_db()
    procedure.refresh_from_db()
    assert report.status == ReportStatus.SIGNED and procedure.status == ProcedureStatus.EVALUATED
    sealed_report = sealing.verify_signed(report.jws)
    assert sealed_report["digest"] == report.digest and len(sealed_report["signatures"]) == 5
    # publicity of the candidates
    evaluation.candidates_publish(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.PUBLICITY
    with pytest.raises(PublicityNotOver):
        services.procedure_award(actor=op, procedure_id=procedure.pk)
    # a complaint blocks the award until it is decided
    sup = f.supervisor()
    complaint = services.complaint_submit(
        actor=bidders[0].user,
        procedure_id=procedure.pk,
        enterprise=bidders[0].enterprise,
        subject="评分不公",
        facts="商务分计算有误",
    )
    services.complaint_decide(actor=sup, complaint_id=complaint.pk, action=ComplaintAction.ACCEPT)
    f.end_publicity(procedure)
    with pytest.raises(ComplaintPending):
        services.procedure_award(actor=op, procedure_id=procedure.pk)
    services.complaint_decide(
        actor=sup, complaint_id=complaint.pk, action=ComplaintAction.DISMISS, decision="经核查，评分符合招标文件"
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.DISMISSED
    assert bidders[0].user.notifications.filter(subject__contains="驳回").exists()
    # award to the first candidate, then the contract
    services.procedure_award(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    winner_bid = int(report.content["candidates"][0]["bid"])
    assert procedure.status == ProcedureStatus.AWARDED and procedure.awarded_bid_id == winner_bid
    winner = next(b for b, bid in zip(bidders, bids, strict=True) if bid.pk == winner_bid)
    assert winner.user.notifications.filter(subject__startswith="中标通知书").exists()
    assert procedure.awarded_at is not None and procedure.awarded_bid is not None
    assert procedure.awarded_bid.price is not None
    services.procedure_contract(
        actor=op,
        procedure_id=procedure.pk,
        contract_number="XA-2026-HT-001",
        value=procedure.awarded_bid.price,
        signed_at=procedure.awarded_at,
    )
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.CONTRACTED
    # every stage published a valid OCDS release with its tag, and the record validates
    folder = standards_dir / "ocds-1.1.5"
    tags = list(Release.objects.filter(procedure=procedure).order_by("date", "pk").values_list("tag", flat=True))
    assert tags == ["tender", "tenderUpdate", "award", "awardUpdate", "contract"]
    for release in Release.objects.filter(procedure=procedure):
        assert ocds.release_errors(json.loads(release.data), folder=folder) == [], release.tag
    record = ocds.record_package(procedure)
    assert ocds.record_package_errors(record, folder=folder) == []
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["tender"]["status"] == "complete" and compiled["contracts"][0]["status"] == "active"
    assert [a["status"] for a in compiled["awards"]].count("active") == 1


def test_an_upheld_complaint_sends_the_procedure_back_to_the_panel() -> None:
    op = f.operator()
    procedure, bidders, bids = f.opened(op)
    f.pool_of(op, per_region=7, regions=("120000",))
    seats = _panel(op, procedure)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    _score_all(procedure, seats, bids)
    report = evaluation.report_draft(actor=op, procedure_id=procedure.pk)
    for seat in seats:
        evaluation.report_sign(actor=_user(seat), report_id=report.pk)
    evaluation.candidates_publish(actor=op, procedure_id=procedure.pk)
    sup = f.supervisor()
    complaint = services.complaint_submit(
        actor=bidders[1].user,
        procedure_id=procedure.pk,
        enterprise=bidders[1].enterprise,
        subject="业绩认定错误",
        facts="我司业绩未计分",
    )
    services.complaint_decide(actor=sup, complaint_id=complaint.pk, action=ComplaintAction.ACCEPT)
    services.complaint_decide(
        actor=sup, complaint_id=complaint.pk, action=ComplaintAction.UPHOLD, decision="责令重新评审"
    )
    procedure.refresh_from_db()
    report.refresh_from_db()
    assert procedure.status == ProcedureStatus.EVALUATING and report.status == ReportStatus.SUPERSEDED
    assert {s.status for s in selectors.sheets(procedure)} == {SheetStatus.DRAFT}
    with pytest.raises(ReportNotSigned):
        evaluation.report_sign(actor=_user(seats[0]), report_id=report.pk)


def test_the_panel_rejects_a_bid_with_reasons() -> None:
    op = f.operator()
    procedure, bidders, bids = f.opened(op)
    f.pool_of(op, per_region=7, regions=("120000",))
    seats = _panel(op, procedure)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)
    rejected = evaluation.bid_reject(
        actor=_user(seats[0]), procedure_id=procedure.pk, bid_id=bids[0].pk, reason="未按要求提交投标保证金"
    )
    assert rejected.status == BidStatus.REJECTED
    assert bidders[0].user.notifications.filter(subject__contains="否决").exists()
    assert bids[0].pk not in {b.pk for b in selectors.valid_bids(procedure)}
