"""The worker against a real HTTP receiver (this node at live_server, pinned as its own peer):
delivered once, and a retry whose first answer was lost counts as delivered without a second effect."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tongban.core.models import AuditEvent
from tongban.federation import delivery, services, signing
from tongban.federation.constants import Direction, KeySource, OutboxStatus
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer, PeerKey

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_delivers_and_a_lost_answer_does_not_double_the_effect(live_server: Any, settings: Any) -> None:
    # given this node listening at live_server and pinned as a peer of its own region
    settings.TONGBAN_REGION = "120000"
    settings.TONGBAN_BASE_URL = live_server.url
    with transaction.atomic():
        own = signing.own_bundle()["peers"][0]["keys"][0]
    peer = Peer.objects.create(region_code="120000", base_url=live_server.url)
    PeerKey.objects.create(
        peer=peer, kid=own["kid"], fingerprint=signing.fingerprint(own), public_jwk=own, source=KeySource.BUNDLE
    )
    with transaction.atomic():
        message = services.message_send(
            recipient_region="120000", type="federation.ping", payload={"n": 7}, correlation_id="c-7", actor=None
        )
    # when the worker runs
    report = delivery.deliver_due()
    # then the message is delivered, stored and handled once
    assert report.delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1
    stored = InboxMessage.objects.get(message_id=message.message_id)
    assert stored.payload == {"n": 7} and stored.correlation_id == "c-7" and stored.kid == own["kid"]
    # when the answer had been lost and the worker sends the message again
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING, next_attempt_at=timezone.now())
    again = delivery.deliver_due()
    # then the receiver's "already received" counts as delivered, and there is still one effect
    assert again.delivered == 1
    assert MessageLog.objects.filter(direction=Direction.SENT, code="already_received").count() == 1
    assert InboxMessage.objects.filter(message_id=message.message_id).count() == 1
    pings = AuditEvent.objects.filter(action="federation.ping_received", object_id=str(message.message_id))
    assert pings.count() == 1
