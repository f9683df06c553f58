"""Supply and demand (供需对接): requests, decisions with conditions, disputes, expiry and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.sharing import selectors, services
from tongban.sharing.constants import RequestAction, RequestStatus
from tongban.sharing.models import DataRequest
from tongban.sharing.schemas import DecisionIn
from tongban.sharing.tests.conftest import World, approve, detail_codes, publish, request_in

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "certificate_number", "baby_name", "birth_date", "mother_name", "father_name"]


def test_a_request_is_approved_as_asked(world: World) -> None:
    # given a published resource and a department's request for some of its fields
    publish(world, "wj_csyxzm")
    req = services.request_submit(actor=world.requester, data=request_in("wj_csyxzm", FIELDS))
    assert req.status == RequestStatus.REQUESTED and req.provider == world.health
    # when the provider approves it
    done = services.request_decide(actor=world.provider_admin, request=req, decision=DecisionIn(action="approve"))
    # then the approval is live for the requested fields and period
    assert done.status == RequestStatus.APPROVED
    assert done.approved_fields == FIELDS and done.masked_fields == []
    assert done.approved_to == req.period_to
    live = selectors.live_approval(department_id=world.psb.pk, resource_code="wj_csyxzm", today=timezone.localdate())
    assert live is not None and live.number == req.number
    actions = list(AuditEvent.objects.filter(stream=f"data-request:{req.number}").values_list("action", flat=True))
    assert actions == ["data_request.submitted", "data_request.approve"]


def test_approval_with_conditions_narrows_fields_masks_and_period(world: World) -> None:
    publish(world, "wj_csyxzm")
    req = services.request_submit(actor=world.requester, data=request_in("wj_csyxzm", FIELDS))
    shorter = timezone.localdate() + dt.timedelta(days=90)
    done = services.request_decide(
        actor=world.provider_admin,
        request=req,
        decision=DecisionIn(
            action="approve_with_conditions",
            fields=["id_number", "certificate_number", "baby_name", "mother_name"],
            masked_fields=["mother_name"],
            approved_to=shorter,
            conditions="仅限出生登记使用",
        ),
    )
    assert done.status == RequestStatus.CONDITIONAL
    assert done.approved_fields == ["id_number", "certificate_number", "baby_name", "mother_name"]
    assert (done.masked_fields, done.approved_to, done.conditions) == (["mother_name"], shorter, "仅限出生登记使用")


@pytest.mark.parametrize(
    ("decision", "code"),
    [
        (DecisionIn(action="approve_with_conditions", fields=["photo"]), "field_not_requested"),
        (DecisionIn(action="approve_with_conditions", masked_fields=["medical_notes"]), "mask_not_approved"),
        (DecisionIn(action="approve_with_conditions"), "conditions_required"),
        (DecisionIn(action="approve", masked_fields=["baby_name"]), "conditions_need_conditional"),
        (DecisionIn(action="approve_with_conditions", approved_to=dt.date(2099, 1, 1)), "period_longer"),
    ],
)
def test_bad_decisions_are_refused_and_the_request_stays_as_it_was(
    world: World, decision: DecisionIn, code: str
) -> None:
    publish(world, "wj_csyxzm")
    req = services.request_submit(actor=world.requester, data=request_in("wj_csyxzm", FIELDS))
    with pytest.raises(ValidationFailed) as refused:
        services.request_decide(actor=world.provider_admin, request=req, decision=decision)
    assert refused.value.code == "decision_invalid"
    assert detail_codes(refused.value)[0] == code
    req.refresh_from_db()
    assert req.status == RequestStatus.REQUESTED and req.approved_fields == []


def test_bad_requests_are_refused_with_their_codes(world: World) -> None:
    publish(world, "wj_csyxzm")
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as refused:
        services.request_submit(
            actor=world.requester,
            data=request_in(
                "wj_csyxzm",
                ["baby_name", "medical_notes", "nope"],
                period_from=today,
                period_to=today - dt.timedelta(days=1),
            ),
        )
    codes = set(detail_codes(refused.value))
    assert codes == {"unknown_field", "field_not_shared", "period_reversed", "period_past"}
    with pytest.raises(PermissionDenied):
        services.request_submit(actor=world.reviewer, data=request_in("wj_csyxzm", FIELDS))
    assert not DataRequest.objects.exists()


def test_a_refusal_needs_reasons_and_a_dispute_goes_to_the_region_data_administrator(world: World) -> None:
    publish(world, "wj_csyxzm")
    req = services.request_submit(actor=world.requester, data=request_in("wj_csyxzm", FIELDS))
    with pytest.raises(ValidationFailed) as refused:
        services.request_decide(actor=world.provider_admin, request=req, decision=DecisionIn(action="refuse"))
    assert refused.value.code == "reason_required"
    req = services.request_decide(
        actor=world.provider_admin,
        request=req,
        decision=DecisionIn(action="refuse", reason="出生医学证明信息仅向卫健系统开放"),
    )
    assert req.status == RequestStatus.REFUSED
    # the requester disputes; the provider cannot settle it, the region's data administrator can
    req = services.request_dispute(
        actor=world.requester, request=req, reason="《户口登记条例》规定出生登记需核验出生医学证明"
    )
    assert req.status == RequestStatus.DISPUTED
    with pytest.raises(PermissionDenied) as not_admin:
        services.request_settle(actor=world.provider_admin, request=req, decision=DecisionIn(action="grant"))
    assert not_admin.value.code == "not_region_data_admin"
    req = services.request_settle(
        actor=world.region_admin,
        request=req,
        decision=DecisionIn(
            action="grant", fields=["id_number", "certificate_number", "baby_name"], reason="依法应予共享"
        ),
    )
    assert req.status == RequestStatus.GRANTED and req.approved_fields == [
        "id_number",
        "certificate_number",
        "baby_name",
    ]
    # a granted request cannot be disputed again
    with pytest.raises(InvalidTransition):
        services.request_dispute(actor=world.requester, request=req, reason="再次异议")


def test_approvals_expire_and_can_be_revoked(world: World) -> None:
    publish(world, "wj_csyxzm")
    req = approve(world, "wj_csyxzm", FIELDS)
    # when the period is over, the daily sweep expires it
    later = (req.approved_to or timezone.localdate()) + dt.timedelta(days=1)
    assert services.approvals_expire(today=later) == 1
    req.refresh_from_db()
    assert req.status == RequestStatus.EXPIRED
    with pytest.raises(InvalidTransition):
        services.request_revoke(actor=world.provider_admin, request=req, reason="停止共享")
    # a live approval is revoked with reasons
    other = approve(world, "wj_csyxzm", FIELDS)
    with pytest.raises(ValidationFailed):
        services.request_revoke(actor=world.provider_admin, request=other, reason=" ")
    other = services.request_revoke(actor=world.provider_admin, request=other, reason="发现超范围使用")
    assert other.status == RequestStatus.REVOKED
    assert RequestAction.REVOKE in [
        a.split(".")[1]
        for a in AuditEvent.objects.filter(stream=f"data-request:{other.number}").values_list("action", flat=True)
    ]
