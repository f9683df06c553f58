"""Procedures: announcement with the legal minimum period, clarifications and amendments as versions,
registration of bidders acting for their enterprises."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.errors import InvalidTransition
from tongban.core.models import AuditEvent
from tongban.trading import services
from tongban.trading.constants import NoticeKind, ProcedureKind, ProcedureStatus
from tongban.trading.errors import (
    AlreadyRegistered,
    AmendmentNeedsPostponement,
    DeadlineBelowMinimum,
    InvalidProcedure,
    NotActingForBidder,
    OperatorRequired,
    RegistrationClosed,
)
from tongban.trading.models import Notice, Procedure, Registration, Release
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_announcement_is_published_with_its_documents_as_version_one() -> None:
    # given a draft construction procedure whose deadline is 21 days away
    op = f.operator()
    procedure = f.draft(op, days=21)
    # when the operator publishes it with the tender documents
    services.procedure_publish(
        actor=op, procedure_id=procedure.pk, body="招标公告", documents=[("招标文件.pdf", b"%PDF-1.7 tender documents")]
    )
    # then it accepts bids, the documents are issued from now, and notice v1, the audit event and
    # an OCDS tender release are there
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ANNOUNCED and procedure.version == 1
    assert (
        procedure.documents_from is not None and abs((timezone.now() - procedure.documents_from).total_seconds()) < 60
    )
    notice = Notice.objects.get(procedure=procedure)
    assert (notice.version, notice.kind) == (1, NoticeKind.TENDER)
    assert notice.documents[0]["title"] == "招标文件.pdf" and len(notice.documents[0]["sha256"]) == 64
    assert AuditEvent.objects.filter(stream=procedure.stream, action="procedure.publish").exists()
    assert list(Release.objects.filter(procedure=procedure).values_list("tag", flat=True)) == ["tender"]


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (ProcedureKind.CONSTRUCTION, 19.9),
        (ProcedureKind.PROCUREMENT, 15),
        (ProcedureKind.LAND, 10),
        (ProcedureKind.STATE_ASSETS, 20),
    ],
)
def test_a_deadline_below_the_legal_minimum_is_refused_and_nothing_is_published(kind: str, days: float) -> None:
    # given a procedure whose deadline leaves less than the legal minimum (20 days; 20 working days
    # for state-owned property rights, which 20 calendar days never are)
    op = f.operator()
    procedure = f.draft(op, days=days, kind=kind)
    # when it is published
    with pytest.raises(DeadlineBelowMinimum) as refused:
        services.procedure_publish(actor=op, procedure_id=procedure.pk, body="招标公告")
    # then it is refused with a stable code and a Chinese message, and stays a draft without notices
    assert refused.value.code == "deadline_below_legal_minimum"
    assert "法定最短" in str(refused.value.message)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.DRAFT
    assert not Notice.objects.filter(procedure=procedure).exists()


def test_state_assets_need_twenty_working_days() -> None:
    op = f.operator()
    procedure = f.draft(op, days=31, kind=ProcedureKind.STATE_ASSETS)
    services.procedure_publish(actor=op, procedure_id=procedure.pk, body="产权转让信息披露")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ANNOUNCED


def test_only_operators_publish_and_publishing_twice_is_refused() -> None:
    op = f.operator()
    procedure = f.published(op)
    with pytest.raises(OperatorRequired):
        services.procedure_publish(actor=f.bidder().user, procedure_id=procedure.pk, body="x")
    with pytest.raises(InvalidTransition) as again:
        services.procedure_publish(actor=op, procedure_id=procedure.pk, body="x")
    assert again.value.code == "invalid_transition"


def test_invalid_criteria_and_panels_are_refused() -> None:
    op = f.operator()
    with pytest.raises(InvalidProcedure):
        f.draft(op, criteria=[{"code": "technical", "name": "技术", "max": 140, "kind": "technical"}])
    with pytest.raises(InvalidProcedure):
        f.draft(op, criteria=[{"code": "a", "max": 10, "kind": "price"}, {"code": "b", "max": 10, "kind": "price"}])
    with pytest.raises(InvalidProcedure):
        f.draft(op, expert_count=4)


def test_an_amendment_is_a_new_version_and_late_ones_must_postpone_the_deadline() -> None:
    # given a published procedure whose deadline is 21 days away, with a registered bidder
    op = f.operator()
    procedure = f.published(op)
    b = f.bidder()
    f.register(procedure, b)
    # when a clarification is published 21 days before the deadline
    notice = services.procedure_amend(
        actor=op, procedure_id=procedure.pk, kind=NoticeKind.CLARIFICATION, title="澄清一", body="工期以合同为准"
    )
    # then it is version 2, the registered bidder is told, and an OCDS tenderUpdate is published
    assert notice.version == 2
    assert b.user.notifications.filter(subject__contains="新的公告").exists()
    # given the deadline is now only 10 days away
    Procedure.objects.filter(pk=procedure.pk).update(bid_deadline=timezone.now() + dt.timedelta(days=10))
    # when an amendment does not postpone it, it is refused
    with pytest.raises(AmendmentNeedsPostponement) as refused:
        services.procedure_amend(
            actor=op, procedure_id=procedure.pk, kind=NoticeKind.AMENDMENT, title="修改", body="调整工程量清单"
        )
    assert refused.value.code == "amendment_needs_postponement"
    assert Notice.objects.filter(procedure=procedure).count() == 2
    # when it postpones the deadline to 16 days from now, it is published as version 3
    new_deadline = timezone.now() + dt.timedelta(days=16)
    amended = services.procedure_amend(
        actor=op,
        procedure_id=procedure.pk,
        kind=NoticeKind.AMENDMENT,
        title="修改",
        body="调整工程量清单，投标截止时间顺延",
        bid_deadline=new_deadline,
    )
    procedure.refresh_from_db()
    assert amended.version == 3 and procedure.bid_deadline == new_deadline and procedure.version == 3
    assert list(Release.objects.filter(procedure=procedure).order_by("date", "pk").values_list("tag", flat=True)) == [
        "tender",
        "tenderUpdate",
        "tenderAmendment",
    ]


def test_registration_needs_a_person_acting_for_the_enterprise_and_is_once() -> None:
    op = f.operator()
    procedure = f.published(op)
    b = f.bidder()
    stranger = f.bidder()
    # a user who may not act for the enterprise is refused
    with pytest.raises(NotActingForBidder):
        services.registration_create(actor=stranger.user, procedure_id=procedure.pk, enterprise=b.enterprise)
    f.register(procedure, b)
    with pytest.raises(AlreadyRegistered):
        f.register(procedure, b)
    assert Registration.objects.filter(procedure=procedure).count() == 1


def test_registration_closes_at_the_deadline_and_for_drafts() -> None:
    op = f.operator()
    procedure = f.published(op)
    f.pass_deadline(procedure)
    with pytest.raises(Exception) as late:
        f.register(procedure, f.bidder())
    assert getattr(late.value, "code", "") == "bid_after_deadline"
    with pytest.raises(RegistrationClosed):
        f.register(f.draft(op), f.bidder())


def test_a_cancelled_procedure_publishes_its_cancellation() -> None:
    op = f.operator()
    procedure = f.published(op)
    services.procedure_cancel(actor=op, procedure_id=procedure.pk, reason="项目调整，终止招标")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.CANCELLED
    assert Notice.objects.filter(procedure=procedure, kind=NoticeKind.CANCELLATION).exists()
    assert Release.objects.filter(procedure=procedure, tag="tenderCancellation").exists()
