"""Test helpers: a peer node made of a real key pair, pinned through a trust bundle."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import factory
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from tongban.federation.models import OutboxMessage, Peer


@dataclass
class KeyedPeer:
    """A peer region with its own private key: signs envelopes exactly as a node does."""

    region: str
    base_url: str = "http://127.0.0.1:9"
    key: OKPKey = field(default_factory=lambda: OKPKey.generate_key("Ed25519", parameters={"alg": "Ed25519"}))
    kid: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:8]}")

    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), "kid": self.kid, "alg": "Ed25519", "use": "sig"}

    def bundle(self) -> dict[str, Any]:
        return {
            "format": "tongban-trust-bundle/1",
            "peers": [{"region": self.region, "base_url": self.base_url, "keys": [self.public_jwk()]}],
        }

    def envelope(self, *, recipient: str, **overrides: Any) -> dict[str, Any]:
        now = timezone.now()
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": "federation.ping",
            "schema_version": 1,
            "sender": self.region,
            "recipient": recipient,
            "created": now.isoformat(),
            "correlation_id": "",
            "payload": {"n": 1},
            "sent": now.isoformat(),
        }
        body.update(overrides)
        return body

    def sign(self, envelope: dict[str, Any], *, kid: str | None = None, key: OKPKey | None = None) -> str:
        header = {"alg": "Ed25519", "typ": "tongban-federation+jws", "kid": kid or self.kid}
        data = json.dumps(envelope, separators=(",", ":")).encode()
        return jws.serialize_compact(header, data, key or self.key, algorithms=["Ed25519"])


def seconds_ago(seconds: float) -> str:
    return (timezone.now() - dt.timedelta(seconds=seconds)).isoformat()


class PeerFactory(factory.django.DjangoModelFactory[Peer]):
    class Meta:
        model = Peer

    region_code = factory.Sequence(lambda n: f"{990000 + n}")
    base_url = factory.LazyAttribute(lambda o: f"http://127.0.0.1:9/{o.region_code}")


class OutboxMessageFactory(factory.django.DjangoModelFactory[OutboxMessage]):
    class Meta:
        model = OutboxMessage

    recipient_region = factory.LazyAttribute(lambda o: PeerFactory.create().region_code)
    type = "federation.ping"
    payload = factory.LazyFunction(lambda: {"n": 1})
    created_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.LazyFunction(timezone.now)
