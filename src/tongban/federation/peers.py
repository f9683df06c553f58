"""Peers and their keys: adding a peer by a fingerprint or a trust bundle, refreshing and removing it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError
from tongban.federation import errors, events, signing
from tongban.federation.constants import JWKS_PATH, NODE_PATH, KeySource, PeerKeyStatus
from tongban.federation.models import Peer, PeerKey

logger = logging.getLogger("tongban.federation")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# ---------------------------------------------------------------- peers


@dataclass
class FetchedNode:
    jwks: list[dict[str, Any]]
    announcements: list[str]


def _fetch_node(base_url: str) -> FetchedNode:
    timeout = _setting("TONGBAN_FEDERATION_TIMEOUT", 10)
    try:
        with httpx.Client(timeout=timeout) as client:
            node = client.get(base_url + NODE_PATH)  # first: a fresh node makes its key on this request
            node.raise_for_status()
            jwks = client.get(base_url + JWKS_PATH)
            jwks.raise_for_status()
            keys = jwks.json().get("keys")
            announcements = node.json().get("announcements")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise errors.peer_unreachable(str(exc)) from exc
    if not isinstance(keys, list) or not isinstance(announcements, list):
        raise errors.peer_unreachable("unexpected JWKS or node document")
    return FetchedNode(
        jwks=[k for k in keys if isinstance(k, dict)], announcements=[a for a in announcements if isinstance(a, str)]
    )


def _vouched(announcements: list[str], trusted: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The first announcement signed by one of the ``trusted`` keys (kid → JWK), verified."""
    for token in announcements:
        try:
            header, _payload = signing.read_unverified(token)
            jwk = trusted.get(str(header.get("kid", "")))
            if jwk is None:
                continue
            return signing.verify(token, jwk)
        except (signing.JoseError, ValueError):
            continue
    return None


def _keys_by_fingerprint(jwks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for jwk in jwks:
        try:
            found[signing.fingerprint(jwk)] = jwk
        except (signing.JoseError, ValueError, TypeError):
            continue
    return found


@transaction.atomic
def peer_add(*, base_url: str, fingerprint: str, actor: User | None) -> Peer:
    """Add the node at ``base_url``: its JWKS must hold a key with ``fingerprint``, which vouches for the rest."""
    base_url = signing.normalise_url(base_url)
    fetched = _fetch_node(base_url)
    by_fp = _keys_by_fingerprint(fetched.jwks)
    anchor = by_fp.get(fingerprint.strip())
    if anchor is None:
        raise errors.fingerprint_mismatch()
    statement = _vouched(fetched.announcements, {str(anchor.get("kid", "")): anchor})
    if statement is None:
        raise errors.announcement_invalid()
    if signing.normalise_url(str(statement.get("base_url", ""))) != base_url:
        raise errors.base_url_mismatch()
    region = str(statement.get("region", ""))
    if len(region) != 6 or not region.isdigit():
        raise errors.announcement_invalid()
    if region == signing.own_region():
        raise errors.own_region()
    if Peer.objects.filter(region_code=region).exists():
        raise errors.peer_exists()
    peer = Peer.objects.create(region_code=region, base_url=base_url)
    vouched = {str(k.get("fingerprint")) for k in statement.get("keys", []) if isinstance(k, dict)}
    kids = []
    for fp, jwk in by_fp.items():
        if fp == fingerprint or fp in vouched:
            source = KeySource.FINGERPRINT if fp == fingerprint else KeySource.ROTATION
            PeerKey.objects.create(
                peer=peer, kid=str(jwk.get("kid", fp)), fingerprint=fp, public_jwk=jwk, source=source
            )
            kids.append(str(jwk.get("kid", fp)))
    events.peer_added(peer=peer, kids=kids, source=KeySource.FINGERPRINT, actor=actor)
    return peer


@transaction.atomic
def peer_add_bundle(*, bundle: Any, actor: User | None) -> list[Peer]:
    """Pin the peers of a trust bundle (``{"format": "tongban-trust-bundle/1", "peers": [...]}``), all or none."""
    if not isinstance(bundle, dict) or bundle.get("format") != "tongban-trust-bundle/1":
        raise errors.bundle_invalid("format must be tongban-trust-bundle/1")
    entries = bundle.get("peers")
    if not isinstance(entries, list) or not entries:
        raise errors.bundle_invalid("peers must be a non-empty list")
    added = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise errors.bundle_invalid(f"peers[{index}] is not an object")
        region = str(entry.get("region", ""))
        base_url = signing.normalise_url(str(entry.get("base_url", "")))
        jwks = entry.get("keys")
        if len(region) != 6 or not region.isdigit():
            raise errors.bundle_invalid(f"peers[{index}].region must be six digits")
        if not base_url.startswith(("http://", "https://")):
            raise errors.bundle_invalid(f"peers[{index}].base_url must be an http(s) URL")
        if not isinstance(jwks, list) or not jwks:
            raise errors.bundle_invalid(f"peers[{index}].keys must be a non-empty list of JWKs")
        if region == signing.own_region():
            raise errors.own_region()
        by_fp = _keys_by_fingerprint([k for k in jwks if isinstance(k, dict)])
        if len(by_fp) != len(jwks) or any("d" in k for k in by_fp.values()):
            raise errors.bundle_invalid(f"peers[{index}].keys must be public JWKs")
        if Peer.objects.filter(region_code=region).exists():
            raise errors.peer_exists()
        peer = Peer.objects.create(region_code=region, base_url=base_url)
        for fp, jwk in by_fp.items():
            PeerKey.objects.create(
                peer=peer, kid=str(jwk.get("kid", fp)), fingerprint=fp, public_jwk=jwk, source=KeySource.BUNDLE
            )
        events.peer_added(
            peer=peer, kids=[str(k.get("kid", "")) for k in by_fp.values()], source=KeySource.BUNDLE, actor=actor
        )
        added.append(peer)
    return added


@dataclass
class RefreshResult:
    pinned: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


@transaction.atomic
def peer_refresh(*, peer: Peer, actor: User | None) -> RefreshResult:
    """Fetch the peer's JWKS from its pinned base URL; pin new keys vouched for by a pinned key (ADR 0013)."""
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    fetched = _fetch_node(peer.base_url)
    pinned = {k.kid: dict(k.public_jwk) for k in peer.keys.filter(status=PeerKeyStatus.PINNED)}
    statement = _vouched(fetched.announcements, pinned)
    if statement is None or str(statement.get("region")) != peer.region_code:
        raise errors.announcement_invalid()
    vouched = {str(k.get("fingerprint")) for k in statement.get("keys", []) if isinstance(k, dict)}
    by_fp = _keys_by_fingerprint(fetched.jwks)
    result = RefreshResult()
    known = {k.fingerprint: k for k in peer.keys.all()}
    for fp, jwk in by_fp.items():
        if fp not in vouched:
            continue
        row = known.get(fp)
        if row is None:
            PeerKey.objects.create(
                peer=peer, kid=str(jwk.get("kid", fp)), fingerprint=fp, public_jwk=jwk, source=KeySource.ROTATION
            )
            result.pinned.append(str(jwk.get("kid", fp)))
        elif row.status != PeerKeyStatus.PINNED:
            row.status = PeerKeyStatus.PINNED
            row.save(update_fields=["status"])
            result.pinned.append(row.kid)
    for fp, row in known.items():
        if row.status == PeerKeyStatus.PINNED and fp not in by_fp:
            row.status = PeerKeyStatus.WITHDRAWN
            row.save(update_fields=["status"])
            result.withdrawn.append(row.kid)
    peer.refreshed_at = timezone.now()
    peer.save(update_fields=["refreshed_at"])
    events.peer_keys_refreshed(peer=peer, pinned=result.pinned, withdrawn=result.withdrawn, actor=actor)
    return result


@transaction.atomic
def peer_remove(*, region_code: str, actor: User | None) -> None:
    peer = Peer.objects.select_for_update().filter(region_code=region_code).first()
    if peer is None:
        raise errors.peer_not_found()
    peer.delete()
    events.peer_removed(region_code=region_code, actor=actor)


def peer_refresh_if_due(peer: Peer) -> bool:
    """Refresh a peer's keys on an unknown key id, at most once per TONGBAN_FEDERATION_KEY_REFRESH_SECONDS."""
    interval = _setting("TONGBAN_FEDERATION_KEY_REFRESH_SECONDS", 10)
    if peer.refreshed_at and (timezone.now() - peer.refreshed_at).total_seconds() < interval:
        return False
    try:
        peer_refresh(peer=peer, actor=None)
    except ApplicationError as exc:
        logger.warning("federation key refresh of %s failed: %s", peer.region_code, exc)
        Peer.objects.filter(pk=peer.pk).update(refreshed_at=timezone.now())
        return False
    return True
