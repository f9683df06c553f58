"""The request id travels with a message: kept in the outbox, sent in the envelope, used by the receiver."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.core.context import RequestContext, bound
from tongban.core.models import AuditEvent
from tongban.federation import services
from tongban.federation.tests.factories import KeyedPeer

pytestmark = pytest.mark.django_db

HERE = "110000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0


@pytest.fixture
def peer(db: Any) -> KeyedPeer:
    keyed = KeyedPeer(region="120000")
    services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def test_a_message_carries_the_request_id_that_caused_it(peer: KeyedPeer) -> None:
    # when a message is written while a request is handled
    with bound(RequestContext(source="127.0.0.1", request_id="req-origin-1")):
        message = services.message_send(recipient_region=peer.region, type="federation.ping", payload={}, actor=None)
    # then the outbox keeps its request id and the signed envelope carries it
    assert message.request_id == "req-origin-1"
    assert services.envelope_of(message, sent=timezone.now())["request_id"] == "req-origin-1"
    # and a message written outside any request has no request id in its envelope
    other = services.message_send(recipient_region=peer.region, type="federation.ping", payload={}, actor=None)
    assert "request_id" not in services.envelope_of(other, sent=timezone.now())


def test_the_receiver_handles_a_message_under_the_senders_request_id(client: Client, peer: KeyedPeer) -> None:
    # given two messages from the peer, each with its sender's request id, one alone and one in a batch
    single = peer.envelope(recipient=HERE, request_id="req-from-tianjin-1")
    batched = peer.envelope(recipient=HERE, request_id="req-from-tianjin-2")
    # when they are received
    assert (
        client.post(
            "/federation/v1/messages", data=peer.sign(single).encode(), content_type="application/jose"
        ).status_code
        == 202
    )
    body = json.dumps({"messages": [peer.sign(batched)]})
    assert client.post("/federation/v1/messages/batch", data=body, content_type="application/json").status_code == 200
    # then what the handlers wrote carries the sender's request id
    for envelope in (single, batched):
        event = AuditEvent.objects.get(action="federation.ping_received", object_id=envelope["id"])
        assert event.request_id == envelope["request_id"]
