"""This node as the provider of a cross-region read (跨区域查询): a peer's signed query is checked
against this node's approvals of the peer's department, logged here, and answered signed; a replay
is refused by the federation inbox."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.federation import services as federation
from tongban.federation import signing
from tongban.federation.tests.factories import KeyedPeer
from tongban.regions.models import Department
from tongban.sharing.constants import AccessResult, RequestStatus
from tongban.sharing.models import AccessLogEntry, DataRequest
from tongban.sharing.tests.conftest import ZHANG_WEI, World, publish

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "name", "insured", "employer", "months_paid"]


@pytest.fixture
def beijing(world: World, records: None, settings: Any) -> KeyedPeer:
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    peer = KeyedPeer(region="110000")
    federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    publish(world, "rs_sbjf")
    return peer


def _approve_beijing_psb(world: World) -> DataRequest:
    today = timezone.localdate()
    return DataRequest.objects.create(
        number="SQ-110000-20261201-0001",
        resource_code="rs_sbjf",
        resource_name="社会保险参保信息",
        provider_region="120000",
        provider=world.hrss,
        requester_region="110000",
        requester=Department.objects.get(region_id="110000", code="psb"),
        fields=FIELDS,
        purposes=["licensing"],
        purpose_text="跨省通办",
        legal_basis="国办发〔2020〕35号",
        period_from=today,
        period_to=today + dt.timedelta(days=30),
        status=RequestStatus.APPROVED,
        approved_fields=FIELDS,
        approved_from=today,
        approved_to=today + dt.timedelta(days=30),
    )


def _query(client: Client, peer: KeyedPeer, **payload: Any) -> Any:
    body = {
        "resource": "rs_sbjf",
        "subject": ZHANG_WEI,
        "fields": ["name", "employer"],
        "purpose": "licensing",
        "context_kind": "case",
        "context_id": "BJ-2026-001",
        "department_code": "psb",
        "actor": "bj_reviewer",
        **payload,
    }
    envelope = peer.envelope(recipient="120000", type="sharing.read", payload=body)
    token = peer.sign(envelope)
    return token, client.post("/federation/v1/query", data=token.encode(), content_type="application/jose")


def _answer(response: Any) -> dict[str, Any]:
    keys = {k["kid"]: k for k in signing.own_bundle()["peers"][0]["keys"]}
    header, _ = signing.read_unverified(response.content.decode())
    verified = signing.verify(response.content.decode(), keys[header["kid"]])
    assert verified["type"] == "sharing.read.answer" and verified["recipient"] == "110000"
    return dict(verified["payload"])


def test_an_approved_peer_department_gets_a_signed_answer_and_the_read_is_logged_here(
    world: World, beijing: KeyedPeer
) -> None:
    _approve_beijing_psb(world)
    token, response = _query(Client(), beijing)
    assert response.status_code == 200 and response["Content-Type"] == "application/jose"
    answer = _answer(response)
    assert answer["found"] and answer["data"] == {"name": "张伟", "employer": "天津津港物流有限公司"}
    entry = AccessLogEntry.objects.get()
    assert (entry.requester_region, entry.department_label, entry.result, entry.context_id) == (
        "110000",
        "北京市公安局",
        AccessResult.OK,
        "BJ-2026-001",
    )
    assert entry.actor_label == "bj_reviewer (110000)"
    # the same signed query again is a replay
    again = Client().post("/federation/v1/query", data=token.encode(), content_type="application/jose")
    assert again.status_code == 409 and again.json()["code"] == "already_received"
    assert AccessLogEntry.objects.count() == 1


def test_a_peer_department_without_approval_is_refused_and_the_refusal_logged(world: World, beijing: KeyedPeer) -> None:
    _token, response = _query(Client(), beijing)
    assert response.status_code == 200
    assert _answer(response)["error"]["code"] == "no_approval"
    entry = AccessLogEntry.objects.get()
    assert (entry.result, entry.error_code, entry.requester_region) == (AccessResult.REFUSED, "no_approval", "110000")


def test_fields_beyond_the_approval_and_missing_context_are_refused(world: World, beijing: KeyedPeer) -> None:
    _approve_beijing_psb(world)
    assert _answer(_query(Client(), beijing, fields=["card_number"])[1])["error"]["code"] == "fields_not_approved"
    assert _answer(_query(Client(), beijing, context_id="")[1])["error"]["code"] == "context_required"
    assert _answer(_query(Client(), beijing, purpose="supervision")[1])["error"]["code"] == "purpose_not_approved"
    assert set(AccessLogEntry.objects.values_list("result", flat=True)) == {AccessResult.REFUSED}


def test_an_unsigned_or_forged_query_is_refused_by_the_federation(world: World, beijing: KeyedPeer) -> None:
    refused = Client().post("/federation/v1/query", data=b"not-a-jws", content_type="application/jose")
    assert refused.status_code == 400 and refused.json()["code"] == "unsigned"
    forged = KeyedPeer(region="110000")  # a key the node never pinned
    token = forged.sign(forged.envelope(recipient="120000", type="sharing.read", payload={}), kid=beijing.kid)
    response = Client().post("/federation/v1/query", data=token.encode(), content_type="application/jose")
    assert response.status_code == 401 and json.loads(response.content)["code"] == "bad_signature"
    assert not AccessLogEntry.objects.exists()
