"""Signed one-off statements between nodes, answered at once (not queued like messages).

Some exchanges need an answer in the same HTTP round trip — e.g. a node registering itself
as an OpenID Connect client at a peer's provider (ADR 0015). The caller signs a JSON
statement with its node key (``{"id", "sender", "recipient", "sent", ...}``, its own ``typ``);
the receiver checks it exactly as it checks a message — an active peer, a pinned key (refreshed
once on an unknown key id), the signature, the recipient, the clock skew — and signs its answer
with its own node key, which the caller verifies against the keys it pinned for that peer.
Replay protection is the receiver's business (e.g. a statement must be newer than the last one
it acted on).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from tongban.federation import errors, services, signing
from tongban.federation.constants import PeerKeyStatus, PeerStatus
from tongban.federation.models import Peer


def statement_sign(*, recipient: str, typ: str, body: dict[str, Any]) -> str:
    """A statement from this node to ``recipient``: the body plus id, sender, recipient and sent time."""
    envelope = {
        **body,
        "id": str(uuid.uuid4()),
        "sender": signing.own_region(),
        "recipient": recipient,
        "sent": timezone.now().isoformat(),
    }
    token, _kid = signing.sign_payload(envelope, typ=typ)
    return token


def _pinned_key(peer: Peer, kid: str) -> dict[str, Any] | None:
    key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    if key is None and services.peer_refresh_if_due(peer):
        key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    return dict(key.public_jwk) if key is not None else None


def statement_verify(*, token: str, typ: str, expected_sender: str | None = None) -> tuple[Peer, dict[str, Any]]:
    """Verify a statement signed by a peer: (the peer, the statement). Raises ``MessageRefused``."""
    if not isinstance(token, str) or token.count(".") != 2 or not all(token.split(".")):
        raise errors.unsigned()
    try:
        header, claimed = signing.read_unverified(token)
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.malformed(str(exc)) from exc
    kid = str(header.get("kid", ""))
    if str(header.get("alg", "none")).lower() == "none" or not kid:
        raise errors.unsigned()
    if header.get("typ") != typ:
        raise errors.malformed(f"typ must be {typ}")
    sender = str(claimed.get("sender", ""))
    if expected_sender is not None and sender != expected_sender:
        raise errors.unknown_sender()
    peer = Peer.objects.filter(region_code=sender, status=PeerStatus.ACTIVE).first()
    if peer is None:
        raise errors.unknown_sender()
    jwk = _pinned_key(peer, kid)
    if jwk is None:
        raise errors.unknown_key()
    try:
        statement = signing.verify(token, jwk)
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.bad_signature() from exc
    if statement.get("recipient") != signing.own_region():
        raise errors.misaddressed()
    try:
        sent = dt.datetime.fromisoformat(str(statement.get("sent")))
        uuid.UUID(str(statement.get("id")))
    except ValueError as exc:
        raise errors.malformed(str(exc)) from exc
    if sent.tzinfo is None:
        raise errors.malformed("time without zone")
    skew = float(getattr(settings, "TONGBAN_FEDERATION_SKEW_SECONDS", 300))
    age = (timezone.now() - sent).total_seconds()
    if age > skew:
        raise errors.too_old()
    if age < -skew:
        raise errors.from_future()
    statement["sent"] = sent
    return peer, statement
