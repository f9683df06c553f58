"""证照互认 at a peer: keys and status lists of a peer node, fetched over HTTP and checked
against the keys pinned for that peer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tongban.federation import signing
from tongban.federation.constants import KeySource
from tongban.federation.models import Peer, PeerKey
from tongban.federation.tests.factories import KeyedPeer
from tongban.licences import federation as licence_bridge
from tongban.licences import services as licence_services
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db(transaction=True)


def _pin(url: str, jwk: dict[str, Any]) -> Peer:
    peer = Peer.objects.create(region_code="130000", base_url=url)
    PeerKey.objects.create(
        peer=peer, kid=jwk["kid"], fingerprint=signing.fingerprint(jwk), public_jwk=jwk, source=KeySource.BUNDLE
    )
    return peer


def test_peer_licence_status_follows_the_peers_signed_status_list(live_server: Any, settings: Any) -> None:
    # given a licence issued by the node at live_server, whose key is pinned for that peer
    settings.TONGBAN_BASE_URL = live_server.url
    licence = make_licence()
    with transaction.atomic():
        own = signing.own_bundle()["peers"][0]["keys"][0]
    _pin(live_server.url, own)
    issuer = live_server.url + "/licences/issuers/x"
    # then the peer's issuer resolves to the pinned key, and an unknown key id to nothing
    assert licence_bridge.key_resolver(issuer, own["kid"]) == own
    assert licence_bridge.key_resolver(issuer, "130000-unknown") is None
    assert licence_bridge.key_resolver("http://elsewhere.example/licences/issuers/x", own["kid"]) is None
    # when it is verified
    first = licence_bridge.peer_credential_verify(token=licence.vc_jwt)
    # then it is valid, its statuses read from the peer's signed lists
    assert first["status"] == "valid", first
    # when the issuing node revokes it
    licence_services.licence_revoke(licence=licence, actor=None, reason="测试撤销")
    # then the peer's status list says so
    assert licence_bridge.peer_credential_verify(token=licence.vc_jwt)["status"] == "revoked"


def test_status_list_signed_by_a_key_not_pinned_is_not_trusted(live_server: Any, settings: Any) -> None:
    settings.TONGBAN_BASE_URL = live_server.url
    licence = make_licence()
    _pin(live_server.url, KeyedPeer(region="130000").public_jwk())
    # when the status lists come signed by a key the peer's pinned keys do not include
    result = licence_bridge.peer_credential_verify(token=licence.vc_jwt)
    # then the status cannot be established
    assert result["status"] == "status_unknown"


def test_a_tampered_credential_is_invalid(live_server: Any, settings: Any) -> None:
    settings.TONGBAN_BASE_URL = live_server.url
    licence = make_licence()
    header, payload, signature = licence.vc_jwt.split(".")
    result = licence_bridge.peer_credential_verify(token=f"{header}.{payload[:-4]}AAAA.{signature}")
    assert result["status"] == "invalid"
