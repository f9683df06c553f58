"""证照互认: licences issued at a peer node, checked against that node's pinned keys and status lists.

Plugged into ``licences.verification`` as a key resolver and a status resolver (``register``,
called by ``LicencesConfig.ready``): an issuer or status list URL under an active peer's pinned base
URL resolves to that peer's pinned keys only (refreshed once, by the rotation rule of ADR 0013,
on an unknown key id); the status list credential is fetched from the peer and verified against
those same keys before its bit is read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from tongban.core.errors import ApplicationError
from tongban.federation import services, signing
from tongban.federation.constants import PeerKeyStatus, PeerStatus
from tongban.federation.models import Peer
from tongban.licences import credentials, keys, verification
from tongban.licences.models import SigningKey

logger = logging.getLogger("tongban.federation")


def _peer_for(url: str) -> Peer | None:
    for peer in Peer.objects.filter(status=PeerStatus.ACTIVE):
        if url.startswith(peer.base_url + "/"):
            return peer
    return None


def _pinned(peer: Peer, kid: str) -> dict[str, Any] | None:
    key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    if key is None:
        with contextlib.suppress(ApplicationError):
            services.peer_refresh(peer=peer, actor=None)
        key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    return dict(key.public_jwk) if key is not None else None


def key_resolver(issuer: str, kid: str) -> dict[str, Any] | None:
    """A peer's issuer (``{peer base URL}/licences/issuers/…``) → that peer's pinned key ``kid``."""
    peer = _peer_for(issuer)
    if peer is None or not issuer.startswith(peer.base_url + "/licences/issuers/"):
        return None
    return _pinned(peer, kid)


def status_resolver(url: str, index: int, purpose: str) -> bool | None:
    """Fetch a peer's status list credential, verify it with the peer's pinned keys, read bit ``index``.

    None when the URL is not a peer's, or the list cannot be fetched or trusted (status unknown).
    """
    peer = _peer_for(url)
    if peer is None:
        return None
    try:
        response = httpx.get(url, timeout=float(settings.TONGBAN_FEDERATION_TIMEOUT))
        response.raise_for_status()
        token = response.text.strip()
        header, _claimed = signing.read_unverified(token)
        jwk = _pinned(peer, str(header.get("kid", "")))
        if jwk is None or header.get("typ") != credentials.VC_TYP:
            return None
        payload = signing.verify(token, jwk)
        subject = payload.get("credentialSubject", {})
        if payload.get("id") != url or subject.get("statusPurpose") != purpose:
            return None
        valid_until = payload.get("validUntil")
        if valid_until and dt.datetime.fromisoformat(valid_until) < timezone.now():
            return None
        return credentials.bit_is_set(credentials.decode_bitstring(str(subject["encodedList"])), index)
    except (httpx.HTTPError, signing.JoseError, ValueError, KeyError, TypeError, OSError) as exc:
        logger.warning("status list %s of peer %s not usable: %s", url, peer.region_code, exc)
        return None


def peer_credential_verify(*, token: str) -> dict[str, Any]:
    """Check a VC-JWT (signature, issuer key, validity period) and each of its statuses.

    ``status`` is ``valid``, ``invalid`` (a check failed), ``revoked`` / ``suspended`` (a status
    bit is set) or ``status_unknown`` (a status list could not be fetched or trusted).
    """
    check = verification.verify_compact(token)
    body: dict[str, Any] = {
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in check.checks],
        "issuer_kid": check.header.get("kid", ""),
    }
    if not check.passed or check.payload is None:
        return {"status": "invalid", **body}
    entries = check.payload.get("credentialStatus", [])
    entries = entries if isinstance(entries, list) else [entries]
    status = "valid"
    for entry in entries:
        try:
            answer = verification.resolve_status(
                str(entry["statusListCredential"]), int(entry["statusListIndex"]), str(entry["statusPurpose"])
            )
        except (KeyError, TypeError, ValueError):
            answer = None
        if answer is None:
            status = "status_unknown"
        elif answer:
            status = "revoked" if entry.get("statusPurpose") == "revocation" else "suspended"
            break
    return {"status": status, "issuer_region": check.payload.get("credentialSubject", {}).get("issuingRegion"), **body}


class LicenceKeyring:
    """The node's keys for federation (``federation.signing.Keyring``): the keys that sign credentials."""

    @staticmethod
    def _node_key(row: SigningKey) -> signing.NodeKey:
        return signing.NodeKey(
            kid=row.kid,
            alg=keys.JWS_ALG[row.algorithm],
            public_jwk=dict(row.public_jwk),
            private=lambda: keys.private_jwk(row),
        )

    def active(self) -> signing.NodeKey:
        return self._node_key(keys.active_key(keys.default_algorithm()))

    def published(self) -> list[signing.NodeKey]:
        return [self._node_key(row) for row in keys.published_keys()]


def register() -> None:
    """Give federation the node's keys and let verification trust peers' keys (``LicencesConfig.ready``)."""
    signing.provide_keyring(LicenceKeyring())
    verification.register_key_resolver(key_resolver)
    verification.register_status_resolver(status_resolver)
