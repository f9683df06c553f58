"""Sending: the transactional outbox, retries with backoff, parking and the administrator's retry;
adding peers over real HTTP and from trust bundles, with their refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongban.accounts.tests.factories import UserFactory
from tongban.core.errors import ApplicationError
from tongban.core.models import AuditEvent
from tongban.federation import delivery, services, signing
from tongban.federation.constants import Direction, OutboxStatus
from tongban.federation.models import MessageLog, OutboxMessage, Peer
from tongban.federation.tests.factories import KeyedPeer, OutboxMessageFactory, PeerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    settings.TONGBAN_REGION = "110000"
    settings.TONGBAN_FEDERATION_BACKOFF_SECONDS = 2
    settings.TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS = 5
    settings.TONGBAN_FEDERATION_MAX_ATTEMPTS = 3
    settings.TONGBAN_FEDERATION_TIMEOUT = 2


def test_message_is_written_in_the_callers_transaction() -> None:
    # given an active peer
    peer = PeerFactory.create(region_code="120000")
    # when the change that sends a message is rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_send(recipient_region=peer.region_code, type="federation.ping", payload={}, actor=None)
        raise RuntimeError("the caller's change failed")
    # then no message is left behind; when it commits, the message is queued
    assert not OutboxMessage.objects.exists()
    sent = services.message_send(
        recipient_region="120000", type="federation.ping", payload={"a": 1}, correlation_id="c-1", actor=None
    )
    assert sent.status == OutboxStatus.PENDING and sent.next_attempt_at <= timezone.now()
    envelope = services.envelope_of(sent, sent=timezone.now())
    assert {k: envelope[k] for k in ("type", "sender", "recipient", "correlation_id", "payload")} == {
        "type": "federation.ping",
        "sender": "110000",
        "recipient": "120000",
        "correlation_id": "c-1",
        "payload": {"a": 1},
    }


@pytest.mark.parametrize(
    ("region", "type_name", "code"),
    [("130000", "federation.ping", "unknown_recipient"), ("120000", "Ping!", "invalid_type_name")],
)
def test_send_refuses_unknown_recipients_and_bad_type_names(region: str, type_name: str, code: str) -> None:
    PeerFactory.create(region_code="120000")
    with pytest.raises(ApplicationError) as refused:
        services.message_send(recipient_region=region, type=type_name, payload={}, actor=None)
    assert refused.value.code == code
    assert not OutboxMessage.objects.exists()


def test_unreachable_peer_backs_off_then_parks_and_admin_retry_requeues() -> None:
    # given a message for a peer nobody listens for (port 9, connection refused)
    message = OutboxMessageFactory.create()
    # when the worker tries it
    first = delivery.deliver_due()
    message.refresh_from_db()
    # then the attempt is counted, logged, and the next one waits BACKOFF · 2^0 seconds
    assert (first.failed, first.delivered) == (1, 0)
    assert message.attempts == 1 and message.status == OutboxStatus.PENDING
    wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 1 < wait <= 2
    assert MessageLog.objects.filter(direction=Direction.FAILED, code="network_error").count() == 1
    # and it is not tried again before then
    assert delivery.deliver_due().attempted == 0
    # when its time comes twice more
    for _ in range(2):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        report = delivery.deliver_due()
    message.refresh_from_db()
    # then after the third failure it is parked, and that is audited
    assert report.parked == 1 and message.status == OutboxStatus.PARKED and message.attempts == 3
    assert AuditEvent.objects.filter(action="federation.message_parked", object_id=str(message.message_id)).exists()
    assert delivery.deliver_due().attempted == 0
    # when an administrator retries it
    services.outbox_retry(message_id=message.message_id, actor=None)
    message.refresh_from_db()
    # then it is pending again with fresh attempts; retrying a pending message is refused
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    with pytest.raises(ApplicationError) as refused:
        services.outbox_retry(message_id=message.message_id, actor=None)
    assert refused.value.code == "invalid_transition"


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 4)] == [2, 4, 5, 5]


def test_admin_action_retries_parked_messages(client: Client) -> None:
    # given a parked and a delivered message, and a superuser
    parked = OutboxMessageFactory.create(status=OutboxStatus.PARKED, attempts=3)
    delivered = OutboxMessageFactory.create(status=OutboxStatus.DELIVERED)
    root = UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(root)
    # when both are selected for the retry action
    response = client.post(
        reverse("admin:federation_outboxmessage_changelist"),
        {"action": "retry_parked", "_selected_action": [parked.pk, delivered.pk]},
        follow=True,
    )
    # then only the parked one is queued again, by that administrator
    assert response.status_code == 200
    parked.refresh_from_db()
    delivered.refresh_from_db()
    assert parked.status == OutboxStatus.PENDING and delivered.status == OutboxStatus.DELIVERED
    event = AuditEvent.objects.get(action="federation.message_retried")
    assert event.actor_id == root.pk


def test_bundle_pins_all_peers_or_none() -> None:
    good = KeyedPeer(region="120000").bundle()["peers"][0]
    bad = {"region": "13000", "base_url": "http://127.0.0.1:9", "keys": [good["keys"][0]]}
    with pytest.raises(ApplicationError) as refused:
        services.peer_add_bundle(bundle={"format": "tongban-trust-bundle/1", "peers": [good, bad]}, actor=None)
    assert refused.value.code == "bundle_invalid"
    assert not Peer.objects.exists()


@pytest.mark.parametrize(
    ("bundle", "code"),
    [
        ({"peers": []}, "bundle_invalid"),
        ({"format": "tongban-trust-bundle/1", "peers": [{"region": "120000", "base_url": "ftp://x", "keys": [{}]}]}, "bundle_invalid"),
        ({"format": "tongban-trust-bundle/1", "peers": [{"region": "120000", "base_url": "http://x", "keys": [{"kty": "OKP"}]}]}, "bundle_invalid"),
        ({"format": "tongban-trust-bundle/1", "peers": [{"region": "110000", "base_url": "http://x", "keys": [KeyedPeer(region="110000").public_jwk()]}]}, "own_region"),
    ],
)  # fmt: skip
def test_bad_bundles_are_refused(bundle: dict[str, Any], code: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.peer_add_bundle(bundle=bundle, actor=None)
    assert refused.value.code == code


def test_private_keys_in_a_bundle_are_refused() -> None:
    keyed = KeyedPeer(region="120000")
    bundle = keyed.bundle()
    bundle["peers"][0]["keys"] = [{**keyed.key.as_dict(private=True), "kid": "k"}]
    with pytest.raises(ApplicationError) as refused:
        services.peer_add_bundle(bundle=bundle, actor=None)
    assert refused.value.code == "bundle_invalid"


def test_adding_a_peer_twice_is_a_conflict() -> None:
    services.peer_add_bundle(bundle=KeyedPeer(region="120000").bundle(), actor=None)
    with pytest.raises(ApplicationError) as refused:
        services.peer_add_bundle(bundle=KeyedPeer(region="120000").bundle(), actor=None)
    assert refused.value.code == "peer_exists"


@pytest.mark.django_db(transaction=True)
def test_adding_a_peer_by_url_checks_fingerprint_base_url_and_region(live_server: Any, settings: Any) -> None:
    # given a node listening at live_server (this very node: same keys, same region)
    with transaction.atomic():
        fingerprint = signing.fingerprint(signing.own_bundle()["peers"][0]["keys"][0])
    settings.TONGBAN_BASE_URL = live_server.url
    # when it is added with a fingerprint none of its keys has
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(base_url=live_server.url, fingerprint="A" * 43, actor=None)
    assert refused.value.code == "fingerprint_mismatch"
    # when it is added with the right fingerprint, it is refused for being this node's own region
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(base_url=live_server.url + "/", fingerprint=fingerprint, actor=None)
    assert refused.value.code == "own_region"
    # when it announces another base URL than the one used to reach it
    settings.TONGBAN_BASE_URL = "http://elsewhere.example"
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(base_url=live_server.url, fingerprint=fingerprint, actor=None)
    assert refused.value.code == "base_url_mismatch"
    # and a node that does not answer
    with pytest.raises(ApplicationError) as refused:
        services.peer_add(base_url="http://127.0.0.1:9", fingerprint=fingerprint, actor=None)
    assert refused.value.code == "peer_unreachable"
    assert not Peer.objects.exists()
