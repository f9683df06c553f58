"""This node's identity and the JWS work of federation, on the node's signing keys.

The node signs with the key that the app providing the node's ``Keyring`` keeps active and
publishes at ``/.well-known/jwks.json`` (the licences app, in its ``AppConfig.ready``: its keys
sign credentials too); nothing here creates or stores private keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from tongban.federation.constants import ANNOUNCEMENT_TYP, JWKS_PATH, JWS_TYP, MESSAGES_PATH, NODE_PATH

REGISTRY = jws.JWSRegistry(algorithms=["Ed25519", "ES256"])


@dataclass(frozen=True)
class NodeKey:
    """One of the node's signing keys: its id, JWS algorithm, public JWK and (read on use) private key."""

    kid: str
    alg: str
    public_jwk: dict[str, Any]
    private: Callable[[], Any]


class Keyring(Protocol):
    def active(self) -> NodeKey:
        """The key that signs now (created on first use)."""
        ...

    def published(self) -> list[NodeKey]:
        """The active and still-published keys, oldest first."""
        ...


_KEYRING: list[Keyring] = []


def provide_keyring(keyring: Keyring) -> None:
    """Called once by the app that keeps the node's keys (licences, in its ``AppConfig.ready``)."""
    _KEYRING[:] = [keyring]


def keyring() -> Keyring:
    if not _KEYRING:
        raise ImproperlyConfigured("no installed app provides the node's keyring (tongban.licences does)")
    return _KEYRING[0]


def own_region() -> str:
    return str(settings.TONGBAN_REGION)


def own_base_url() -> str:
    return normalise_url(str(settings.TONGBAN_BASE_URL))


def normalise_url(url: str) -> str:
    return url.strip().rstrip("/")


def fingerprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public JWK, base64url."""
    return str(import_key(jwk).thumbprint())


def public_key(jwk: dict[str, Any]) -> Any:
    return import_key(jwk)


def sign_envelope(envelope: dict[str, Any]) -> tuple[str, str]:
    """Sign a message envelope with the node's active key: (compact JWS, key id)."""
    return sign_payload(envelope, typ=JWS_TYP)


def envelope_signer() -> Callable[[dict[str, Any]], tuple[str, str]]:
    """A signer for many envelopes: the active key is looked up once (the worker signs a batch with it)."""
    key = keyring().active()
    private = key.private()
    header = {"alg": key.alg, "typ": JWS_TYP, "kid": key.kid}

    def sign(envelope: dict[str, Any]) -> tuple[str, str]:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        return jws.serialize_compact(header, body, private, registry=REGISTRY), key.kid

    return sign


def sign_payload(payload: dict[str, Any], *, typ: str) -> tuple[str, str]:
    """Sign any JSON document with the node's active key: (compact JWS, key id)."""
    key = keyring().active()
    header = {"alg": key.alg, "typ": typ, "kid": key.kid}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, key.private(), registry=REGISTRY), key.kid


def read_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS before verification (to find the claimed sender and key)."""
    obj = jws.extract_compact(token.encode())
    payload = json.loads(obj.payload)
    if not isinstance(payload, dict):
        raise ValueError("payload is not a JSON object")
    return dict(obj.protected), payload


def verify(token: str, jwk: dict[str, Any]) -> dict[str, Any]:
    """Verify ``token`` with ``jwk``; returns the payload. Raises ``JoseError`` or ``ValueError``."""
    obj = jws.deserialize_compact(token, import_key(jwk), registry=REGISTRY)
    payload = json.loads(obj.payload)
    if not isinstance(payload, dict):
        raise ValueError("payload is not a JSON object")
    return payload


def verify_with(token: str, key: Any) -> dict[str, Any]:
    """``verify`` with a key already imported (``public_key``), for many messages signed by one key."""
    obj = jws.deserialize_compact(token, key, registry=REGISTRY)
    payload = json.loads(obj.payload)
    if not isinstance(payload, dict):
        raise ValueError("payload is not a JSON object")
    return payload


def announcements() -> list[str]:
    """The node's key set, signed once by each published key (rotation is vouched by the older keys)."""
    ring = keyring()
    rows = ring.published() or [ring.active()]
    body = {
        "region": own_region(),
        "base_url": own_base_url(),
        "keys": [{"kid": row.kid, "fingerprint": fingerprint(dict(row.public_jwk))} for row in rows],
        "iat": int(timezone.now().timestamp()),
    }
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    tokens = []
    for row in rows:
        header = {"alg": row.alg, "typ": ANNOUNCEMENT_TYP, "kid": row.kid}
        tokens.append(jws.serialize_compact(header, data, row.private(), registry=REGISTRY))
    return tokens


def node_document() -> dict[str, Any]:
    base = own_base_url()
    return {
        "region": own_region(),
        "base_url": base,
        "jwks_uri": base + JWKS_PATH,
        "messages_url": base + MESSAGES_PATH,
        "node_url": base + NODE_PATH,
        "announcements": announcements(),
    }


def own_bundle() -> dict[str, Any]:
    """A trust bundle with this node alone (to hand to peers out of band)."""
    ring = keyring()
    published = ring.published()
    if not published:
        ring.active()
        published = ring.published()
    return {
        "format": "tongban-trust-bundle/1",
        "peers": [{"region": own_region(), "base_url": own_base_url(), "keys": [k.public_jwk for k in published]}],
    }


__all__ = ["REGISTRY", "JoseError"]
