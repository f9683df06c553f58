"""Receiving messages at this node: accepted and stored once, refused with stable codes otherwise."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from joserfc.jwk import OKPKey

from tongban.core.models import AuditEvent
from tongban.federation import services
from tongban.federation.constants import Direction, InboxStatus
from tongban.federation.models import InboxMessage, MessageLog
from tongban.federation.registry import register
from tongban.federation.tests.factories import KeyedPeer, seconds_ago

pytestmark = pytest.mark.django_db

URL = "/federation/v1/messages"
HERE = "110000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_SKEW_SECONDS = 60
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    settings.TONGBAN_FEDERATION_TIMEOUT = 1


@pytest.fixture
def peer(db: Any) -> KeyedPeer:
    keyed = KeyedPeer(region="120000")
    services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def post(client: Client, token: str) -> Any:
    return client.post(URL, data=token.encode(), content_type="application/jose")


def pings(message_id: str) -> int:
    return AuditEvent.objects.filter(action="federation.ping_received", object_id=message_id).count()


def test_signed_message_is_stored_handled_and_logged(client: Client, peer: KeyedPeer) -> None:
    # given a message from a pinned peer, addressed here
    envelope = peer.envelope(recipient=HERE, payload={"hello": "世界"}, correlation_id="case-1")
    # when it is posted
    response = post(client, peer.sign(envelope))
    # then it is stored, handled once and logged with its signature
    assert response.status_code == 202, response.content
    assert response.json()["code"] == "accepted"
    stored = InboxMessage.objects.get(message_id=envelope["id"])
    assert stored.payload == {"hello": "世界"} and stored.correlation_id == "case-1"
    assert stored.status == InboxStatus.HANDLED and stored.kid == peer.kid
    assert pings(envelope["id"]) == 1
    log = MessageLog.objects.get(direction=Direction.RECEIVED, message_id=envelope["id"])
    assert log.token == stored.token and log.code == "accepted"


def test_replay_is_refused_and_has_no_second_effect(client: Client, peer: KeyedPeer) -> None:
    # given a message already accepted
    envelope = peer.envelope(recipient=HERE)
    token = peer.sign(envelope)
    assert post(client, token).status_code == 202
    # when the same message comes again (a replay, or a retry whose answer was lost)
    response = post(client, token)
    # then it is refused as already received, and its effect happened once
    assert response.status_code == 409
    assert response.json()["code"] == "already_received"
    assert InboxMessage.objects.filter(message_id=envelope["id"]).count() == 1
    assert pings(envelope["id"]) == 1


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["payload"] = {"n": 2}
    forged = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("plain_json", 400, "unsigned"),
        ("alg_none", 400, "unsigned"),
        ("garbage", 400, "malformed_message"),
        ("unknown_sender", 403, "unknown_sender"),
        ("unknown_key", 401, "unknown_key"),
        ("wrong_key", 401, "bad_signature"),
        ("tampered", 401, "bad_signature"),
        ("misaddressed", 421, "misaddressed"),
        ("stale", 400, "message_too_old"),
        ("future", 400, "message_from_future"),
        ("unknown_type", 422, "unknown_type"),
        ("unknown_version", 422, "unsupported_schema_version"),
        ("missing_field", 400, "malformed_message"),
    ],
)
def test_bad_messages_are_refused_with_their_code(
    client: Client, peer: KeyedPeer, case: str, status: int, code: str
) -> None:
    # given a message that is wrong in one way
    envelope = peer.envelope(recipient=HERE)
    other_key = OKPKey.generate_key("Ed25519")
    if case == "plain_json":
        token = json.dumps(envelope)
    elif case == "alg_none":
        head = base64.urlsafe_b64encode(b'{"alg":"none","kid":"x"}').decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps(envelope).encode()).decode().rstrip("=")
        token = f"{head}.{body}.c2ln"
    elif case == "garbage":
        token = "abc.def.ghi"
    elif case == "unknown_sender":
        token = peer.sign({**envelope, "sender": "130000"})
    elif case == "unknown_key":
        token = peer.sign(envelope, kid="not-pinned", key=other_key)
    elif case == "wrong_key":
        token = peer.sign(envelope, key=other_key)
    elif case == "tampered":
        token = _tamper(peer.sign(envelope))
    elif case == "misaddressed":
        token = peer.sign({**envelope, "recipient": "130000"})
    elif case == "stale":
        token = peer.sign({**envelope, "sent": seconds_ago(600)})
    elif case == "future":
        token = peer.sign({**envelope, "sent": seconds_ago(-600)})
    elif case == "unknown_type":
        token = peer.sign({**envelope, "type": "federation.nothing_like_it"})
    elif case == "unknown_version":
        token = peer.sign({**envelope, "schema_version": 99})
    else:
        token = peer.sign({k: v for k, v in envelope.items() if k != "sent"})
    # when it is posted
    response = post(client, token)
    # then it is refused with its stable code and a Chinese message, logged, and not stored
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    assert not InboxMessage.objects.exists()
    assert MessageLog.objects.filter(direction=Direction.REFUSED, code=code).count() == 1


def test_refusal_message_is_in_chinese(client: Client, peer: KeyedPeer) -> None:
    response = client.post(URL, data=b"{}", content_type="application/jose", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json() == {"code": "unsigned", "message": "消息不是经签名的 JWS。"}


def test_get_is_not_allowed_and_node_document_is_published(client: Client) -> None:
    assert client.get(URL).status_code == 405
    node = client.get("/federation/v1/node").json()
    assert node["region"] == settings.TONGBAN_REGION
    assert node["announcements"] and node["jwks_uri"].endswith("/.well-known/jwks.json")


@register("federationtest.refusing", versions=(1,))
def _refusing(message: InboxMessage) -> None:
    from tongban.core.errors import ValidationFailed

    message.payload = {"changed": True}
    message.save(update_fields=["payload"])
    raise ValidationFailed(code="test_refusal")


def test_handler_refusal_keeps_the_message_but_not_the_handlers_writes(client: Client, peer: KeyedPeer) -> None:
    # given a type whose handler refuses after writing
    envelope = peer.envelope(recipient=HERE, type="federationtest.refusing")
    # when it arrives
    response = post(client, peer.sign(envelope))
    # then the message is stored as failed with the code, the handler's write undone
    assert response.status_code == 202
    stored = InboxMessage.objects.get(message_id=envelope["id"])
    assert stored.status == InboxStatus.FAILED and stored.error_code == "test_refusal"
    assert stored.payload == {"n": 1}
    # and a second delivery is a replay
    assert post(client, peer.sign(envelope)).json()["code"] == "already_received"
