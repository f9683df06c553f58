"""Catalog sync over real HTTP: a node's signed catalog pulled by a peer feeds the 六统一 comparison."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tongban.catalog import federation as catalog_sync
from tongban.catalog import uniformity
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import BaseItemFactory, MaterialFactory, ServiceItemFactory
from tongban.core.errors import ApplicationError
from tongban.federation import signing
from tongban.federation.constants import KeySource
from tongban.federation.models import Peer, PeerCatalogItem, PeerKey
from tongban.federation.tests.factories import KeyedPeer
from tongban.regions.models import Region

pytestmark = pytest.mark.django_db(transaction=True)


def _pin(region: str, url: str, jwk: dict[str, Any]) -> Peer:
    peer = Peer.objects.create(region_code=region, base_url=url)
    PeerKey.objects.create(
        peer=peer, kid=jwk["kid"], fingerprint=signing.fingerprint(jwk), public_jwk=jwk, source=KeySource.BUNDLE
    )
    return peer


def test_pulled_catalog_is_compared_as_live_data(live_server: Any, settings: Any) -> None:
    # given the node at live_server publishes region 120000's catalog
    settings.TONGBAN_REGION = "120000"
    settings.TONGBAN_BASE_URL = live_server.url
    base = BaseItemFactory.create()
    tianjin = ServiceItemFactory.create(base=base, code="120000-SYNC-0001", content="核发许可证")
    MaterialFactory.create(item=tianjin, name="申请书")
    beijing = ServiceItemFactory.create(
        base=base, code="110000-SYNC-0001", region=Region.objects.get(code="110000"), content="核发许可证"
    )
    MaterialFactory.create(item=beijing, name="申请书")
    with transaction.atomic():
        own = signing.own_bundle()["peers"][0]["keys"][0]
    peer = _pin("120000", live_server.url, own)
    # when the peer's catalog is pulled
    count = catalog_sync.peer_catalog_pull(peer=peer, actor=None)
    # then its items are stored
    assert count == 1
    row = PeerCatalogItem.objects.get(peer=peer)
    assert (row.code, row.base_code) == ("120000-SYNC-0001", base.base_code)
    # and when this node's local copy of Tianjin's item has gone stale
    ServiceItem.objects.filter(pk=tianjin.pk).update(content="旧的办理内容")
    assert "content" in uniformity.compare(base_code=base.base_code).differing_elements
    # then the comparison uses the pulled live data instead of the stale copy
    result = catalog_sync.uniformity_with_peers(base_code=base.base_code)
    assert result.regions == ["110000", "120000"]
    assert result.differing_elements == [] and result.score == 1.0
    # and pulling again replaces the rows rather than adding to them
    assert catalog_sync.peer_catalog_pull(peer=peer, actor=None) == 1
    assert PeerCatalogItem.objects.count() == 1


def test_a_catalog_signed_by_a_key_not_pinned_for_the_peer_is_refused(live_server: Any, settings: Any) -> None:
    # given a peer whose pinned key is not the one the node at live_server signs with
    settings.TONGBAN_REGION = "130000"
    settings.TONGBAN_BASE_URL = live_server.url
    stranger = KeyedPeer(region="130000")
    peer = _pin("130000", live_server.url, stranger.public_jwk())
    with pytest.raises(ApplicationError) as refused:
        catalog_sync.peer_catalog_pull(peer=peer, actor=None)
    assert refused.value.code == "unknown_key"
    # and under the pinned key id but another key: a forgery
    with transaction.atomic():
        own = signing.own_bundle()["peers"][0]["keys"][0]
    PeerKey.objects.filter(peer=peer).update(kid=own["kid"])
    with pytest.raises(ApplicationError) as refused:
        catalog_sync.peer_catalog_pull(peer=peer, actor=None)
    assert refused.value.code == "bad_signature"
    assert not PeerCatalogItem.objects.exists()


def test_unknown_base_item_is_not_found() -> None:
    with pytest.raises(ApplicationError) as refused:
        catalog_sync.uniformity_with_peers(base_code="NOPE")
    assert refused.value.code == "base_item_not_found"
