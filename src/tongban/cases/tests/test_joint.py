"""多地联办 (joint cases) at one node: applying, the peer's signed messages, the department's step, the rules.

The other region is a ``KeyedPeer``: a real key pair pinned through a trust bundle, whose signed
envelopes are posted to ``/federation/v1/messages`` like a node's; what this node sends back is read
from its outbox.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, User
from tongban.cases import services
from tongban.cases.constants import CaseChannel, CaseStatus
from tongban.cases.joint import services as joint_services
from tongban.cases.joint.constants import MSG_OPEN, MSG_STEP, JointStatus, StepStatus
from tongban.cases.joint.models import JointCase, JointEvent, JointStep
from tongban.cases.models import Case
from tongban.cases.tests.factories import department, pdf, resident, staff
from tongban.catalog.constants import CrossRegionMode
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import BaseItemFactory, MaterialFactory, ServiceItemFactory
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_resident_id
from tongban.federation import services as federation_services
from tongban.federation.constants import InboxStatus
from tongban.federation.models import InboxMessage, OutboxMessage
from tongban.federation.tests.factories import KeyedPeer
from tongban.regions.models import Region

pytestmark = pytest.mark.django_db

HERE = "120000"  # Tianjin
PEER = "110000"  # Beijing
THIRD = "130000"  # Hebei
PENSION = "000114003000"
URL = "/federation/v1/messages"
FORM = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "max_length": 60},
    {"name": "phone", "label": "联系电话", "type": "text", "required": True, "max_length": 20},
]
CERTIFICATE = {
    "certificate_number": "JF-2026-000123",
    "contribution_months": "96",
    "account_balance": "45210.50",
    "fund_transferred": "61234.00",
}


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0


@pytest.fixture
def peer() -> KeyedPeer:
    keyed = KeyedPeer(region=PEER)
    federation_services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


@pytest.fixture
def third() -> KeyedPeer:
    keyed = KeyedPeer(region=THIRD)
    federation_services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


@pytest.fixture
def item() -> ServiceItem:
    return joint_item()


def joint_item() -> ServiceItem:
    """This region's 养老保险关系转移接续, handled jointly, with an ID card material."""
    base = BaseItemFactory(base_code=PENSION, name="养老保险关系转移接续")
    made = cast(
        ServiceItem,
        ServiceItemFactory(
            base=base,
            region=Region.objects.get(code=HERE),
            department=department("hrss"),
            cross_region_mode=CrossRegionMode.JOINT,
            form_fields=FORM,
            legal_limit_days=45,
            promised_limit_days=15,
        ),
    )
    MaterialFactory(item=made, code="sfz", name="申请人居民身份证", order=1, required=True, gap_allowed=False)
    return made


@pytest.fixture
def reviewer(item: ServiceItem) -> User:
    return staff(item.department, StaffRoleKind.REVIEWER)


def applicant_user() -> User:
    user = resident()
    user.id_number = make_resident_id("120101", timezone.localdate().replace(year=1990), 77)
    user.full_name = "张伟"
    user.phone = "13800020001"
    user.save(update_fields=["id_number", "full_name", "phone"])
    return user


def draft(item: ServiceItem, applicant: User) -> Case:
    case = services.case_draft_create(
        actor=applicant, item=item, form_data={"applicant_name": "张伟", "phone": "13800020001"}
    )
    services.case_material_upload(case=case, actor=applicant, material_code="sfz", source=pdf(), original_name="a.pdf")
    return case


def post(client: Client, peer: KeyedPeer, type: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    envelope = peer.envelope(recipient=HERE, type=type, payload=payload, **extra)
    response = client.post(URL, data=peer.sign(envelope).encode(), content_type="application/jose")
    assert response.status_code == 202, response.content
    body: dict[str, Any] = response.json()
    return body


def sent(type: str) -> list[dict[str, Any]]:
    return [cast(dict[str, Any], m.payload) for m in OutboxMessage.objects.filter(type=type).order_by("id")]


def step_message(joint_id: str, *, role: str, seq: int, status: str, region: str = PEER, **step: Any) -> dict[str, Any]:
    return {
        "joint_id": joint_id,
        "role": role,
        "seq": seq,
        "step": {
            "status": status,
            "case_number": f"{region}-20261201-000009",
            "department_name": "北京市人社局",
            **step,
        },
        "events": [
            {
                "event_id": str(uuid.uuid4()),
                "role": role,
                "region_code": region,
                "action": status if status != "approved" else "approve",
                "status": status,
                "note": step.get("reasons", ""),
                "occurred_at": timezone.now().isoformat(),
            }
        ],
    }


BEIJING_ID = "110105198803120313"


def open_message(*, joint_id: str | None = None, role: str = "outgoing", **overrides: Any) -> dict[str, Any]:
    """The peer (Beijing, destination) asks this node (Tianjin, source) to open the transfer-out step."""
    jid = joint_id or str(uuid.uuid4())
    body: dict[str, Any] = {
        "joint_id": jid,
        "base_code": PENSION,
        "item_name": "养老保险关系转移接续",
        "source_region": HERE,
        "destination_region": PEER,
        "role": role,
        "applicant": {"id_number": BEIJING_ID, "full_name": "刘洋", "phone": "13800010001"},
        "form_data": {"applicant_name": "刘洋", "phone": "13800010001", "from_region": "天津"},
        "step": {"status": "submitted", "case_number": f"{PEER}-20261201-000001", "department_name": "北京市人社局"},
        "events": [
            {
                "event_id": str(uuid.uuid4()),
                "role": "incoming",
                "region_code": PEER,
                "action": "apply",
                "status": "submitted",
                "note": "",
                "occurred_at": timezone.now().isoformat(),
            }
        ],
    }
    body.update(overrides)
    return body


# ------------------------------------------------------------------ applying here (this node is the destination)


def test_applying_submits_the_step_and_asks_the_peer_to_open_the_other(item: ServiceItem, peer: KeyedPeer) -> None:
    # given a resident's draft of the joint item, with the ID card uploaded
    applicant = applicant_user()
    case = draft(item, applicant)
    # when they apply for the transfer from Beijing to Tianjin
    joint = joint_services.joint_case_apply(case=case, actor=applicant, other_region=PEER)
    # then their case is submitted as the incoming step, the outgoing step is requested from Beijing
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.number
    steps = {s.role: s for s in joint.steps.all()}
    assert (joint.source_region, joint.destination_region, joint.status) == (PEER, HERE, JointStatus.OPEN)
    assert steps["incoming"].case == case and steps["incoming"].status == "submitted"
    assert steps["outgoing"].case is None and steps["outgoing"].status == StepStatus.REQUESTED
    # and a signed request goes to Beijing with what its department needs
    [request] = sent(MSG_OPEN)
    assert request["role"] == "outgoing" and request["base_code"] == PENSION
    assert request["applicant"]["id_number"] == applicant.id_number
    assert request["step"]["case_number"] == case.number
    assert [e["action"] for e in request["events"]] == ["apply"]
    assert OutboxMessage.objects.get(type=MSG_OPEN).recipient_region == PEER


@pytest.mark.parametrize(
    ("other", "mode", "code"),
    [
        (PEER, CrossRegionMode.ONLINE, "item_not_joint"),
        (HERE, CrossRegionMode.JOINT, "joint_same_region"),
        (THIRD, CrossRegionMode.JOINT, "joint_region_not_peer"),
    ],
)
def test_applying_is_refused_without_a_trace(
    item: ServiceItem, peer: KeyedPeer, other: str, mode: str, code: str
) -> None:
    # given a draft, and an item or a region that does not allow a joint case
    ServiceItem.objects.filter(pk=item.pk).update(cross_region_mode=mode)
    item.refresh_from_db()
    applicant = applicant_user()
    case = draft(item, applicant)
    # when the applicant applies
    with pytest.raises(ApplicationError) as refused:
        joint_services.joint_case_apply(case=case, actor=applicant, other_region=other)
    # then it is refused with its code and nothing is half-written
    assert refused.value.code == code
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert not JointCase.objects.exists() and not OutboxMessage.objects.exists()


def test_someone_elses_draft_cannot_be_made_a_joint_case(item: ServiceItem, peer: KeyedPeer) -> None:
    # given another resident's draft
    case = draft(item, applicant_user())
    # when a stranger tries to submit it as a joint case
    with pytest.raises(ApplicationError) as refused:
        joint_services.joint_case_apply(case=case, actor=resident(), other_region=PEER)
    # then it is refused
    assert refused.value.code == "case_forbidden"
    assert not JointCase.objects.exists()


def _applied(item: ServiceItem) -> tuple[JointCase, Case, User]:
    applicant = applicant_user()
    case = draft(item, applicant)
    joint = joint_services.joint_case_apply(case=case, actor=applicant, other_region=PEER)
    return joint, case, applicant


def test_incoming_step_waits_for_the_outgoing_certificate_then_the_joint_case_completes(
    client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User
) -> None:
    # given a joint case applied for here, accepted and under review by this department
    joint, case, applicant = _applied(item)
    jid = str(joint.joint_id)
    services.case_accept(case=case, actor=reviewer)
    services.case_start_review(case=case, actor=reviewer)
    # when the reviewer tries to approve before Beijing approved the transfer out
    with pytest.raises(ApplicationError) as waiting:
        services.case_approve(case=case, actor=reviewer)
    # then it is refused
    assert waiting.value.code == "joint_waiting_for_outgoing"
    # when Beijing reports its step opened, then approved with the certificate
    post(client, peer, MSG_STEP, step_message(jid, role="outgoing", seq=1, status="submitted"))
    post(
        client,
        peer,
        MSG_STEP,
        step_message(
            jid, role="outgoing", seq=2, status="approved", certificate=CERTIFICATE, promised_due_date="2026-12-20"
        ),
    )
    outgoing = JointStep.objects.get(joint=joint, role="outgoing")
    assert outgoing.status == "approved" and outgoing.certificate["contribution_months"] == "96"
    assert str(outgoing.promised_due_date) == "2026-12-20"
    # then this department can approve, and the joint case is completed on this node
    services.case_approve(case=case, actor=reviewer)
    joint.refresh_from_db()
    assert joint.status == JointStatus.COMPLETED and joint.finished_at
    actions = list(JointEvent.objects.filter(joint=joint).values_list("action", flat=True))
    assert actions == ["apply", "accept", "start_review", "submitted", "approve", "approve", "complete"]
    # and Beijing heard of every change of this step, in order
    steps_sent = [m for m in sent(MSG_STEP) if m["joint_id"] == jid]
    assert [m["step"]["status"] for m in steps_sent] == ["accepted", "under_review", "approved"]
    assert [m["seq"] for m in steps_sent] == [2, 3, 4]
    # and the applicant was told of Beijing's step and of the outcome
    assert Notification.objects.filter(user=applicant, subject__contains=joint.item_name).count() >= 3


def test_a_denied_outgoing_step_fails_the_joint_case_and_terminates_the_step_here(
    client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User
) -> None:
    # given a joint case applied for here and accepted
    joint, case, _applicant = _applied(item)
    services.case_accept(case=case, actor=reviewer)
    # when Beijing reports the transfer out denied, with reasons
    post(
        client,
        peer,
        MSG_STEP,
        step_message(str(joint.joint_id), role="outgoing", seq=1, status="denied", reasons="原参保地仍在缴费"),
    )
    # then the joint case fails with the reasons and this node's step is terminated, and Beijing is told
    joint.refresh_from_db()
    case.refresh_from_db()
    assert joint.status == JointStatus.FAILED and "原参保地仍在缴费" in joint.failure_reasons
    assert case.status == CaseStatus.TERMINATED and "原参保地仍在缴费" in case.decision_reasons
    assert sent(MSG_STEP)[-1]["step"]["status"] == "terminated"
    assert JointEvent.objects.filter(joint=joint, action="fail").count() == 1


def test_a_peer_that_refuses_to_open_its_step_fails_the_joint_case(
    client: Client, item: ServiceItem, peer: KeyedPeer
) -> None:
    # given a joint case applied for here
    joint, case, _applicant = _applied(item)
    # when Beijing answers that it does not offer the item jointly
    post(
        client,
        peer,
        MSG_STEP,
        step_message(
            str(joint.joint_id), role="outgoing", seq=1, status="refused", reasons="本地区未开通该事项的多地联办"
        ),
    )
    # then the joint case fails and the applicant's step here is terminated with the reason
    joint.refresh_from_db()
    case.refresh_from_db()
    assert joint.status == JointStatus.FAILED
    assert case.status == CaseStatus.TERMINATED and "未开通" in case.decision_reasons


# ------------------------------------------------------------------ the peer asks this node to open its step


def test_an_open_request_becomes_a_case_in_this_departments_workbench(
    client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User
) -> None:
    # given Beijing's request to open the transfer-out step here
    message = open_message()
    # when it arrives
    answer = post(client, peer, MSG_OPEN, message)
    # then a submitted case of this region's item waits in the department's queue, marked as a joint step
    assert answer["status"] == InboxStatus.HANDLED, answer
    joint = JointCase.objects.get(joint_id=message["joint_id"])
    local = joint.steps.get(role="outgoing")
    case = cast(Case, local.case)
    assert case.item == item and case.status == CaseStatus.SUBMITTED and case.channel == CaseChannel.PROXY
    assert case.applicant.full_name == "刘洋" and local.opened_by_peer
    assert joint.initiator_region == PEER and joint.steps.get(role="incoming").status == "submitted"
    # and Beijing is told the step is open, with its case number and department
    [opened] = sent(MSG_STEP)
    assert opened["seq"] == 1 and opened["step"]["case_number"] == case.number
    assert opened["step"]["department_name"] == item.department.name
    # when the department accepts (the request stands for the materials), reviews, records the certificate, approves
    services.case_accept(case=case, actor=reviewer)
    services.case_start_review(case=case, actor=reviewer)
    with pytest.raises(ApplicationError) as missing:
        services.case_approve(case=case, actor=reviewer)
    assert missing.value.code == "joint_certificate_required"
    joint_services.joint_certificate_record(case=case, actor=reviewer, data=CERTIFICATE)
    services.case_approve(case=case, actor=reviewer, note="已划转基金")
    # then the approval and the certificate go to Beijing
    last = sent(MSG_STEP)[-1]
    assert last["step"]["status"] == "approved" and last["step"]["certificate"]["fund_transferred"] == "61234.00"
    assert last["events"][0]["action"] == "approve"
    # and when Beijing approves the transfer in, the joint case completes here too
    post(client, peer, MSG_STEP, step_message(message["joint_id"], role="incoming", seq=2, status="approved"))
    joint.refresh_from_db()
    assert joint.status == JointStatus.COMPLETED


def test_the_certificate_is_checked(client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User) -> None:
    # given an outgoing step here under review
    message = open_message()
    post(client, peer, MSG_OPEN, message)
    case = cast(Case, JointStep.objects.get(joint__joint_id=message["joint_id"], role="outgoing").case)
    services.case_accept(case=case, actor=reviewer)
    # when the reviewer records a certificate with bad fields
    bad = {**CERTIFICATE, "contribution_months": "九十六", "fund_transferred": "-3", "colour": "red"}
    with pytest.raises(ApplicationError) as refused:
        joint_services.joint_certificate_record(case=case, actor=reviewer, data=bad)
    # then each field's problem is named and nothing is kept
    assert refused.value.code == "joint_certificate_invalid"
    assert set(cast(dict[str, Any], refused.value.details)) == {"contribution_months", "fund_transferred", "colour"}
    assert JointStep.objects.get(case=case).certificate == {}
    # and someone outside the department may not record one
    with pytest.raises(ApplicationError) as stranger:
        joint_services.joint_certificate_record(case=case, actor=resident(), data=CERTIFICATE)
    assert stranger.value.code == "case_forbidden"


def test_the_same_open_request_twice_has_one_effect(client: Client, item: ServiceItem, peer: KeyedPeer) -> None:
    # given an open request Beijing sent, handled here
    message = open_message()
    envelope = peer.envelope(recipient=HERE, type=MSG_OPEN, payload=message)
    token = peer.sign(envelope)
    assert client.post(URL, data=token.encode(), content_type="application/jose").status_code == 202
    # when the very same signed message arrives again
    again = client.post(URL, data=token.encode(), content_type="application/jose")
    # and a new message repeats the same joint case id
    repeat = post(client, peer, MSG_OPEN, message)
    # then it is a replay, the repeat is refused as a known joint case, and there is one case
    assert again.status_code == 409 and again.json()["code"] == "already_received"
    assert (repeat["status"], repeat["error_code"]) == (InboxStatus.FAILED, "joint_exists")
    assert JointCase.objects.count() == 1 and Case.objects.count() == 1
    assert len(sent(MSG_STEP)) == 1


def test_a_repeated_step_report_has_one_effect(client: Client, item: ServiceItem, peer: KeyedPeer) -> None:
    # given a joint case applied for here and Beijing's report that its step was accepted
    joint, _case, _applicant = _applied(item)
    report = step_message(str(joint.joint_id), role="outgoing", seq=1, status="accepted")
    post(client, peer, MSG_STEP, report)
    events = JointEvent.objects.filter(joint=joint).count()
    # when the same report comes again in a new message, and an older one after a newer
    post(client, peer, MSG_STEP, report)
    post(client, peer, MSG_STEP, step_message(str(joint.joint_id), role="outgoing", seq=2, status="under_review"))
    stale = step_message(str(joint.joint_id), role="outgoing", seq=1, status="submitted")
    post(client, peer, MSG_STEP, stale)
    # then the timeline took each entry once and the step kept the newest state
    step = JointStep.objects.get(joint=joint, role="outgoing")
    assert (step.status, step.seq) == ("under_review", 2)
    assert JointEvent.objects.filter(joint=joint).count() == events + 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"joint_id": "not-a-uuid"}, "joint_payload_invalid"),
        ({"role": "sideways"}, "joint_payload_invalid"),
        ({"applicant": {"id_number": "1", "full_name": ""}}, "joint_payload_invalid"),
        ({"step": {"status": "flying"}}, "joint_payload_invalid"),
        ({"extra": 1}, "joint_payload_invalid"),
        ({"events": [{"event_id": "x"}]}, "joint_payload_invalid"),
        ({"role": "incoming"}, "joint_payload_invalid"),
        ({"source_region": THIRD}, "joint_not_a_party"),
        ({"source_region": PEER}, "joint_not_a_party"),
    ],
)
def test_bad_open_requests_are_refused_with_nothing_written(
    client: Client, item: ServiceItem, peer: KeyedPeer, change: dict[str, Any], code: str
) -> None:
    # given an open request with one thing wrong
    message = {**open_message(), **change}
    # when it arrives
    answer = post(client, peer, MSG_OPEN, message)
    # then the handler refuses it with a stable code and nothing is written
    assert (answer["status"], answer["error_code"]) == (InboxStatus.FAILED, code)
    assert not JointCase.objects.exists() and not Case.objects.exists() and not OutboxMessage.objects.exists()


def test_an_open_request_this_region_cannot_serve_is_answered_refused(client: Client, peer: KeyedPeer) -> None:
    # given no joint implementation of the item in this region
    message = open_message(base_code="000199999000")
    # when the request arrives
    answer = post(client, peer, MSG_OPEN, message)
    # then nothing is opened here and Beijing is told why
    assert answer["status"] == InboxStatus.HANDLED
    assert not JointCase.objects.exists() and not Case.objects.exists()
    [refusal] = sent(MSG_STEP)
    assert refusal["step"]["status"] == "refused" and refusal["joint_id"] == message["joint_id"]
    assert refusal["step"]["reasons"]


def test_step_reports_from_a_region_that_is_not_a_party_are_refused(
    client: Client, item: ServiceItem, peer: KeyedPeer, third: KeyedPeer
) -> None:
    # given a joint case between Beijing and Tianjin
    joint, _case, _applicant = _applied(item)
    jid = str(joint.joint_id)
    # when Hebei reports on its "step", and Beijing reports on the step Tianjin runs
    by_third = post(client, third, MSG_STEP, step_message(jid, role="outgoing", seq=5, status="approved", region=THIRD))
    on_ours = post(client, peer, MSG_STEP, step_message(jid, role="incoming", seq=5, status="approved"))
    unknown = post(client, peer, MSG_STEP, step_message(str(uuid.uuid4()), role="outgoing", seq=1, status="approved"))
    # then each is refused with its code and the joint case is unchanged
    assert (by_third["status"], by_third["error_code"]) == (InboxStatus.FAILED, "joint_not_a_party")
    assert (on_ours["status"], on_ours["error_code"]) == (InboxStatus.FAILED, "joint_not_a_party")
    assert unknown["error_code"] == "joint_not_found"
    assert {s.role: s.status for s in joint.steps.all()} == {"outgoing": "requested", "incoming": "submitted"}
    assert InboxMessage.objects.filter(status=InboxStatus.FAILED).count() == 3


def test_a_certificate_on_the_incoming_step_is_refused(client: Client, item: ServiceItem, peer: KeyedPeer) -> None:
    # given a joint case this node opened as the source for Beijing
    message = open_message()
    post(client, peer, MSG_OPEN, message)
    # when Beijing reports its incoming step with a certificate (only the outgoing step issues one)
    answer = post(
        client,
        peer,
        MSG_STEP,
        step_message(message["joint_id"], role="incoming", seq=2, status="accepted", certificate=CERTIFICATE),
    )
    # then it is refused and the step is unchanged
    assert answer["error_code"] == "joint_payload_invalid"
    assert JointStep.objects.get(joint__joint_id=message["joint_id"], role="incoming").status == "submitted"


# ------------------------------------------------------------------ the API: one case, both steps; strangers get 404


def test_the_api_shows_the_applicant_both_steps_and_refuses_strangers(
    client: Client, item: ServiceItem, peer: KeyedPeer
) -> None:
    # given a resident's draft, submitted as a joint case over the API
    applicant = applicant_user()
    case = draft(item, applicant)
    client.force_login(applicant)
    created = client.post(
        "/api/v1/joint-cases/",
        data=json.dumps({"case_id": case.pk, "other_region": PEER}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    jid = created.json()["id"]
    # when the applicant reads it
    body = client.get(f"/api/v1/joint-cases/{jid}").json()
    # then they see one case with both steps, their regions and one timeline
    assert [(s["role"], s["region"], s["status"]) for s in body["steps"]] == [
        ("outgoing", PEER, "requested"),
        ("incoming", HERE, "submitted"),
    ]
    assert body["steps"][1]["case_number"] == Case.objects.get(pk=case.pk).number
    assert [e["action"] for e in body["timeline"]] == ["apply"]
    assert [j["id"] for j in client.get("/api/v1/joint-cases/").json()] == [jid]
    # when someone else asks for it, or for a made-up id
    client.force_login(resident())
    stranger = client.get(f"/api/v1/joint-cases/{jid}")
    made_up = client.get(f"/api/v1/joint-cases/{uuid.uuid4()}")
    # then both are answered as if it did not exist
    assert (stranger.status_code, stranger.json()["code"]) == (404, "joint_not_found")
    assert made_up.status_code == 404
    assert client.get("/api/v1/joint-cases/").json() == []


def test_the_api_refuses_a_bad_application(client: Client, item: ServiceItem, peer: KeyedPeer) -> None:
    # given a draft of another resident
    case = draft(item, applicant_user())
    client.force_login(resident())
    # when a stranger posts it, or posts a bad region
    stolen = client.post(
        "/api/v1/joint-cases/",
        data=json.dumps({"case_id": case.pk, "other_region": PEER}),
        content_type="application/json",
    )
    bad = client.post(
        "/api/v1/joint-cases/",
        data=json.dumps({"case_id": case.pk, "other_region": "x"}),
        content_type="application/json",
    )
    # then 404 and 422, and nothing changed
    assert (stolen.status_code, stolen.json()["code"]) == (404, "case_not_found")
    assert bad.status_code == 422
    assert not JointCase.objects.exists()


def test_staff_of_the_steps_department_read_it_with_an_audit_entry(
    client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User
) -> None:
    # given a joint case opened here for Beijing
    message = open_message()
    post(client, peer, MSG_OPEN, message)
    case = cast(Case, JointStep.objects.get(joint__joint_id=message["joint_id"], role="outgoing").case)
    services.case_accept(case=case, actor=reviewer)
    client.force_login(reviewer)
    # when the reviewer records the certificate over the API and reads the joint case
    recorded = client.post(
        f"/api/v1/joint-cases/cases/{case.pk}/certificate",
        data=json.dumps({"fields": CERTIFICATE}),
        content_type="application/json",
    )
    body = client.get(f"/api/v1/joint-cases/{message['joint_id']}").json()
    # then the certificate is on the outgoing step and the read is audited
    assert recorded.status_code == 200, recorded.content
    assert body["steps"][0]["certificate"]["certificate_number"] == "JF-2026-000123"
    from tongban.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="joint.viewed", actor_id=reviewer.pk).exists()
    # and a reviewer of another department gets 404
    client.force_login(staff(department("other"), StaffRoleKind.REVIEWER))
    assert client.get(f"/api/v1/joint-cases/{message['joint_id']}").status_code == 404


# ------------------------------------------------------------------ pages


def test_the_applicant_submits_a_joint_case_from_the_case_page_and_sees_both_steps(
    client: Client, item: ServiceItem, peer: KeyedPeer
) -> None:
    # given a resident's draft of the joint item
    applicant = applicant_user()
    case = draft(item, applicant)
    client.force_login(applicant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="joint-submit"' in page and f'value="{PEER}"' in page
    # when they submit it as a joint case with Beijing as the region they leave
    response = client.post(f"/cases/{case.pk}/joint/apply/", {"other_region": PEER, "role": "incoming"})
    # then the case page shows one case with both steps, their regions and one timeline
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="joint-steps"' in page and 'data-step="outgoing"' in page and 'data-step="incoming"' in page
    assert "北京市" in page and "天津市" in page and 'id="joint-timeline"' in page
    assert JointCase.objects.get().steps.get(role="incoming").case_id == case.pk


def test_the_workbench_marks_the_joint_step_and_the_reviewer_records_the_certificate(
    client: Client, item: ServiceItem, peer: KeyedPeer, reviewer: User
) -> None:
    # given a transfer-out step opened here for Beijing and accepted
    message = open_message()
    post(client, peer, MSG_OPEN, message)
    case = cast(Case, JointStep.objects.get(joint__joint_id=message["joint_id"], role="outgoing").case)
    services.case_accept(case=case, actor=reviewer)
    client.force_login(reviewer)
    # when the reviewer opens the workbench and the case
    workbench = client.get("/cases/work/?queue=review").content.decode()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    # then the row is marked as the transfer-out step of a joint case, and the certificate form is offered
    assert 'data-joint-step="outgoing"' in workbench
    assert 'id="joint-certificate-form"' in page
    # when they record it with a bad amount, then with good values
    bad = client.post(f"/cases/{case.pk}/joint/certificate/", {**CERTIFICATE, "fund_transferred": "很多"})
    assert bad.status_code == 302 and JointStep.objects.get(case=case).certificate == {}
    client.post(f"/cases/{case.pk}/joint/certificate/", CERTIFICATE)
    # then it is kept and shown
    assert JointStep.objects.get(case=case).certificate["certificate_number"] == "JF-2026-000123"
    assert 'id="joint-certificate"' in client.get(f"/cases/{case.pk}/").content.decode()


# ------------------------------------------------------------------ the demo catalog


def test_the_demo_has_both_transfer_items_joint_in_three_regions_and_reloads_unchanged() -> None:
    import io

    from tongban.accounts.demo import load as load_accounts
    from tongban.catalog.constants import ItemStatus
    from tongban.catalog.demo import load as load_catalog
    from tongban.regions.demo import load as load_regions

    def seed() -> None:
        for load in (load_regions, load_accounts, load_catalog):
            load(stdout=io.StringIO())

    # given the demo data loaded
    seed()
    items = ServiceItem.objects.filter(
        base__base_code__in=[PENSION, "000131002000"], status=ItemStatus.PUBLISHED
    ).select_related("department")
    # then 养老保险关系转移接续 and 住房公积金转移接续 are published in Beijing, Tianjin and Hebei, handled jointly
    found = {(i.base.base_code, i.region_id) for i in items}
    assert found == {(b, r) for b in (PENSION, "000131002000") for r in ("110000", "120000", "130000")}
    assert {i.cross_region_mode for i in items} == {CrossRegionMode.JOINT}
    # and each region's department for them has a reviewer in the demo accounts
    for item_ in items:
        assert item_.department.staff_roles.filter(role=StaffRoleKind.REVIEWER).exists(), item_.code
    # and the 参保缴费凭证 comes from the outgoing step, not from the applicant
    assert not items.filter(base__base_code=PENSION).first().materials.get(code="jfpz").required  # type: ignore[union-attr]
    # when the demo is loaded again, then nothing changes
    before = (ServiceItem.objects.count(), User.objects.count(), list(items.values_list("pk", "updated_at")))
    seed()
    assert (ServiceItem.objects.count(), User.objects.count(), list(items.values_list("pk", "updated_at"))) == before


def test_applying_at_the_source_asks_the_destination_for_the_transfer_in(item: ServiceItem, peer: KeyedPeer) -> None:
    # given a resident's draft at Tianjin, the region they leave
    applicant = applicant_user()
    case = draft(item, applicant)
    # when they apply with Beijing as the region they move to
    joint = joint_services.joint_case_apply(case=case, actor=applicant, other_region=PEER, role="outgoing")
    # then this node runs the transfer out and Beijing is asked to open the transfer in
    assert (joint.source_region, joint.destination_region) == (HERE, PEER)
    assert joint.steps.get(role="outgoing").case == case
    assert sent(MSG_OPEN)[0]["role"] == "incoming"
    # and a bad role is refused with its code
    other = draft(item, applicant)
    with pytest.raises(ApplicationError) as refused:
        joint_services.joint_case_apply(case=other, actor=applicant, other_region=PEER, role="sideways")
    assert refused.value.code == "joint_invalid_role"


def test_the_housing_fund_certificate_has_its_own_fields() -> None:
    # given the 住房公积金转移接续 certificate, which has no personal pension account
    data = {"certificate_number": "GJJ-1", "contribution_months": "60", "fund_transferred": "8000"}
    # when it is checked, with and without a pension field
    cleaned = joint_services.clean_certificate(base_code="000131002000", data=data)
    with pytest.raises(ApplicationError) as refused:
        joint_services.clean_certificate(base_code="000131002000", data={**data, "account_balance": "1.00"})
    # then amounts are normalised and the foreign field is refused
    assert cleaned == {"certificate_number": "GJJ-1", "contribution_months": "60", "fund_transferred": "8000.00"}
    assert set(cast(dict[str, Any], refused.value.details)) == {"account_balance"}


def test_the_apply_page_explains_the_joint_application_and_my_cases_marks_it(
    client: Client, item: ServiceItem, peer: KeyedPeer
) -> None:
    # given a resident with a draft of the joint item
    applicant = applicant_user()
    case = draft(item, applicant)
    client.force_login(applicant)
    # when they open the apply page of their draft
    page = client.get(f"/cases/{case.pk}/edit/").content.decode()
    # then it explains the joint application and links to the case page's joint form
    assert 'id="joint-apply-note"' in page and f"/cases/{case.pk}/#joint" in page
    # when the draft is submitted as a joint case, then "my cases" marks it as the transfer-in step
    joint_services.joint_case_apply(case=case, actor=applicant, other_region=PEER)
    assert 'data-joint-step="incoming"' in client.get("/cases/mine/").content.decode()
