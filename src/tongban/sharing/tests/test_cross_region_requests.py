"""Cross-region requests are kept on both nodes under one number: a peer department's request arrives
as a signed message, the provider decides here and the decision travels back; moves from the wrong
node are refused."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.federation import services as federation
from tongban.federation.models import InboxMessage, OutboxMessage
from tongban.federation.tests.factories import KeyedPeer
from tongban.sharing import selectors, services
from tongban.sharing.constants import RequestStatus
from tongban.sharing.models import DataRequest
from tongban.sharing.schemas import DecisionIn
from tongban.sharing.tests.conftest import World, publish

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "name", "insured", "employer"]


@pytest.fixture
def beijing(world: World, settings: Any) -> KeyedPeer:
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    peer = KeyedPeer(region="110000")
    federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    publish(world, "rs_sbjf")
    return peer


def _post(peer: KeyedPeer, type_: str, payload: dict[str, Any]) -> InboxMessage:
    envelope = peer.envelope(recipient="120000", type=type_, payload=payload)
    response = Client().post(
        "/federation/v1/messages", data=peer.sign(envelope).encode(), content_type="application/jose"
    )
    assert response.status_code == 202, response.content
    return InboxMessage.objects.get(message_id=envelope["id"])


def _submitted(number: str = "SQ-110000-20261208-00AA") -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "number": number,
        "resource_code": "rs_sbjf",
        "requester_code": "psb",
        "fields": FIELDS,
        "item_codes": ["户口迁移"],
        "purposes": ["licensing"],
        "purpose_text": "跨省通办户口迁移",
        "legal_basis": "国办发〔2020〕35号",
        "period_from": today.isoformat(),
        "period_to": (today + dt.timedelta(days=90)).isoformat(),
        "requested_by": "bj_head",
    }


def test_a_peer_request_is_kept_here_decided_by_the_provider_and_the_decision_sent_back(
    world: World, beijing: KeyedPeer
) -> None:
    message = _post(beijing, "sharing.request_submitted", _submitted())
    assert message.status == "handled", message.error_code
    req = selectors.request_get(number="SQ-110000-20261208-00AA")
    assert (req.requester_region, req.requester.region_id, req.provider, req.status) == (
        "110000",
        "110000",
        world.hrss,
        RequestStatus.REQUESTED,
    )
    # the provider here approves with a mask; the decision is queued for Beijing
    services.request_decide(
        actor=world.provider_admin,
        request=req,
        decision=DecisionIn(action="approve_with_conditions", masked_fields=["employer"]),
    )
    moved = OutboxMessage.objects.get(type="sharing.request_moved")
    assert moved.recipient_region == "110000"
    assert moved.payload["action"] == "approve_with_conditions" and moved.payload["values"]["masked_fields"] == [
        "employer"
    ]
    # a second delivery of the same request changes nothing
    again = _post(beijing, "sharing.request_submitted", _submitted())
    assert again.status == "handled" and DataRequest.objects.count() == 1


def test_bad_peer_requests_are_refused_and_kept_with_their_code(world: World, beijing: KeyedPeer) -> None:
    other = _post(beijing, "sharing.request_submitted", _submitted("SQ-130000-20261208-00AA"))
    assert (other.status, other.error_code) == ("failed", "wrong_counterpart")
    closed = _post(
        beijing, "sharing.request_submitted", {**_submitted("SQ-110000-20261208-00BB"), "fields": ["wage_base"]}
    )
    assert (closed.status, closed.error_code) == ("failed", "request_invalid")
    assert not DataRequest.objects.exists()


def test_a_decision_made_at_the_provider_is_mirrored_here_and_only_from_there(world: World, beijing: KeyedPeer) -> None:
    # a request of Tianjin's public security bureau for Beijing's resource, kept here as a mirror
    today = timezone.localdate()
    mirror = DataRequest.objects.create(
        number="SQ-120000-20261208-00CC",
        resource_code="bj_rs_sbjf",
        resource_name="社会保险参保信息（北京市）",
        provider_region="110000",
        provider=world.hrss.__class__.objects.get(region_id="110000", code="hrss"),
        requester_region="120000",
        requester=world.psb,
        fields=FIELDS,
        purposes=["licensing"],
        purpose_text="户口迁移",
        legal_basis="国办发〔2020〕35号",
        period_from=today,
        period_to=today + dt.timedelta(days=30),
    )
    values = {
        "approved_fields": FIELDS[:2],
        "masked_fields": [],
        "approved_from": today.isoformat(),
        "approved_to": (today + dt.timedelta(days=30)).isoformat(),
        "decided_by_label": "bj_data",
    }
    message = _post(
        beijing,
        "sharing.request_moved",
        {"number": mirror.number, "action": "approve_with_conditions", "values": values},
    )
    assert message.status == "handled", message.error_code
    mirror.refresh_from_db()
    assert (mirror.status, mirror.approved_fields) == (RequestStatus.CONDITIONAL, FIELDS[:2])
    # Beijing may not dispute on Tianjin's behalf
    refused = _post(beijing, "sharing.request_moved", {"number": mirror.number, "action": "dispute", "values": {}})
    assert (refused.status, refused.error_code) == ("failed", "wrong_counterpart")
    mirror.refresh_from_db()
    assert mirror.status == RequestStatus.CONDITIONAL
    # Tianjin disputes: the move goes to Beijing
    services.request_dispute(actor=world.requester, request=mirror, reason="需要全部数据项")
    sent = OutboxMessage.objects.filter(type="sharing.request_moved").order_by("-id").first()
    assert (
        sent is not None
        and sent.payload["action"] == "dispute"
        and json.dumps(sent.payload, ensure_ascii=False).count("需要全部数据项") == 1
    )
