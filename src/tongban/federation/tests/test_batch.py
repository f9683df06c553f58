"""The batch endpoint: each message of a batch verified, stored and handled as if sent alone, one result
per message in order; and the worker sending batches to a real HTTP receiver, or one by one to a peer
without the batch endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from joserfc.jwk import OKPKey

from tongban.core.models import AuditEvent
from tongban.federation import delivery, services, signing
from tongban.federation.constants import Direction, InboxStatus, KeySource, OutboxStatus
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer, PeerKey
from tongban.federation.registry import register
from tongban.federation.tests.factories import KeyedPeer

URL = "/federation/v1/messages/batch"
HERE = "110000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_SKEW_SECONDS = 60
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    settings.TONGBAN_FEDERATION_TIMEOUT = 5


@pytest.fixture
def peer(db: Any) -> KeyedPeer:
    keyed = KeyedPeer(region="120000")
    services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def post(client: Client, tokens: Any) -> Any:
    return client.post(URL, data=json.dumps({"messages": tokens}), content_type="application/json")


def pings(message_id: str) -> int:
    return AuditEvent.objects.filter(action="federation.ping_received", object_id=message_id).count()


@register("federationtest.batch_refusing", versions=(1,))
def _refusing(message: InboxMessage) -> None:
    from tongban.core.errors import ValidationFailed

    AuditEvent.objects.filter(pk=-1).update(reason="never")  # a write the refusal undoes
    raise ValidationFailed(code="test_batch_refusal")


@register("federationtest.exploding", versions=(1,))
def _exploding(message: InboxMessage) -> None:
    raise RuntimeError("a bug in a handler")


@pytest.mark.django_db
def test_each_message_of_a_batch_gets_its_own_result_in_order(client: Client, peer: KeyedPeer) -> None:
    # given a message accepted earlier, and a batch mixing good and bad messages
    earlier = peer.envelope(recipient=HERE)
    assert services.message_receive_batch(tokens=[peer.sign(earlier)])[0].code == "accepted"
    good = [peer.envelope(recipient=HERE, payload={"n": i}) for i in range(3)]
    refusing = peer.envelope(recipient=HERE, type="federationtest.batch_refusing")
    tokens = [
        peer.sign(good[0]),
        peer.sign(earlier),  # a replay
        peer.sign(good[1], key=OKPKey.generate_key("Ed25519")),  # forged under the peer's key id
        peer.sign(refusing),
        peer.sign(good[2]),
        peer.sign(good[2]),  # the same message twice in one batch
        peer.sign({**good[0], "id": earlier["id"][:-1] + "0", "recipient": "130000"}),  # misaddressed
        42,  # not a token at all
    ]
    # when the batch is posted
    response = post(client, tokens)
    # then every message has its own result, in order, with the one-message endpoint's codes
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["code"], r["status"]) for r in results] == [
        ("accepted", 202),
        ("already_received", 409),
        ("bad_signature", 401),
        ("accepted", 202),
        ("accepted", 202),
        ("already_received", 409),
        ("misaddressed", 421),
        ("unsigned", 400),
    ]
    assert results[3]["handler_status"] == "failed" and results[3]["error_code"] == "test_batch_refusal"
    assert all(r["message"] for r in results if r["status"] >= 400)
    # and what was accepted is stored and handled once, what was refused is not, every refusal logged
    assert InboxMessage.objects.get(message_id=good[0]["id"]).payload == {"n": 0}
    assert not InboxMessage.objects.filter(message_id=good[1]["id"]).exists()
    assert InboxMessage.objects.get(message_id=refusing["id"]).status == InboxStatus.FAILED
    assert [pings(e["id"]) for e in (earlier, good[0], good[2])] == [1, 1, 1]
    received = MessageLog.objects.filter(direction=Direction.RECEIVED)
    assert sorted(received.values_list("message_id", flat=True)) == sorted(
        [earlier["id"], good[0]["id"], refusing["id"], good[2]["id"]]
    )
    refused = MessageLog.objects.filter(direction=Direction.REFUSED)
    assert sorted(refused.values_list("code", flat=True)) == sorted(
        ["already_received", "already_received", "bad_signature", "misaddressed", "unsigned"]
    )


@pytest.mark.django_db
def test_a_handler_bug_undoes_that_message_only(client: Client, peer: KeyedPeer) -> None:
    # given a batch whose second message's handler raises an unexpected exception
    first, broken, third = (
        peer.envelope(recipient=HERE),
        peer.envelope(recipient=HERE, type="federationtest.exploding"),
        peer.envelope(recipient=HERE),
    )
    # when it is posted
    results = post(client, [peer.sign(e) for e in (first, broken, third)]).json()["results"]
    # then that message is not stored (the sender will retry it) and the others are
    assert [r["code"] for r in results] == ["accepted", "handler_error", "accepted"]
    assert not InboxMessage.objects.filter(message_id=broken["id"]).exists()
    assert pings(first["id"]) == 1 and pings(third["id"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b'{"messages": []}', b'{"messages": "x.y.z"}', json.dumps({"messages": ["a"] * 501}).encode()]
)  # fmt: skip
def test_unreadable_batches_are_refused_whole(client: Client, body: bytes) -> None:
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_message"
    assert not InboxMessage.objects.exists()
    assert client.get(URL).status_code == 405


def _pin_self(live_server: Any, settings: Any) -> None:
    settings.TONGBAN_REGION = "120000"
    settings.TONGBAN_BASE_URL = live_server.url
    with transaction.atomic():
        own = signing.own_bundle()["peers"][0]["keys"][0]
    peer = Peer.objects.create(region_code="120000", base_url=live_server.url)
    PeerKey.objects.create(
        peer=peer, kid=own["kid"], fingerprint=signing.fingerprint(own), public_jwk=own, source=KeySource.BUNDLE
    )


def _queue(count: int) -> list[str]:
    with transaction.atomic():
        return [
            str(
                services.message_send(
                    recipient_region="120000", type="federation.ping", payload={"n": i}, actor=None
                ).message_id
            )
            for i in range(count)
        ]


@pytest.mark.django_db(transaction=True)
def test_worker_sends_batches_in_order_over_real_http(live_server: Any, settings: Any) -> None:
    # given this node at live_server pinned as its own peer, batches of 2, and five messages queued
    _pin_self(live_server, settings)
    settings.TONGBAN_FEDERATION_BATCH_SIZE = 2
    ids = _queue(5)
    # when the worker runs once
    report = delivery.deliver_due()
    # then all five are delivered in three batches, stored and handled once each, in the order sent
    assert (report.delivered, report.failed) == (5, 0)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert [str(m) for m in InboxMessage.objects.order_by("id").values_list("message_id", flat=True)] == ids
    assert MessageLog.objects.filter(direction=Direction.SENT, code="accepted").count() == 5
    assert MessageLog.objects.filter(direction=Direction.RECEIVED).count() == 5
    assert all(pings(i) == 1 for i in ids)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_worker_sends_one_by_one_to_a_peer_without_the_batch_endpoint(live_server: Any, settings: Any) -> None:
    # given a peer that only has the one-message endpoint
    _pin_self(live_server, settings)
    settings.ROOT_URLCONF = "tongban.federation.tests.urls_without_batch"
    ids = _queue(3)
    # when the worker runs
    report = delivery.deliver_due()
    # then each message went alone and got through once
    assert report.delivered == 3
    assert [str(m) for m in InboxMessage.objects.order_by("id").values_list("message_id", flat=True)] == ids
    assert all(pings(i) == 1 for i in ids)
