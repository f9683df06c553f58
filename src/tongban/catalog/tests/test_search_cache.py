"""Cached search answers: served again until the index changes, never after."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from tongban.catalog import search, search_cache
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def _codes(client: Client, q: str) -> list[str]:
    response = client.get("/api/v1/catalog/items", {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return [i["code"] for i in response.json()["items"]]


def test_a_repeated_search_is_answered_from_the_cache(api_client: Client) -> None:
    # given a published, indexed item and one search for it
    item: ServiceItem = ServiceItemFactory.create(name="住房公积金缴存证明开具")
    search.reindex_item(item)
    assert _codes(api_client, "gjj") == [item.code]
    key, body = search_cache.get(
        {"q": "gjj"}
        | dict.fromkeys(["region", "department", "kind", "service_object", "cross_region_mode"])
        | {"page": 1, "page_size": 20}
    )
    # then the answer is cached under the current generation
    assert body is not None
    # when the cached answer is replaced behind the search's back
    caches["search"].set(key, b'{"count": 0, "page": 1, "page_size": 20, "items": []}')
    # then the API serves the cached answer (proving it reads the cache)
    assert _codes(api_client, "gjj") == []


def test_a_withdrawal_is_seen_by_the_very_next_search(api_client: Client) -> None:
    # given a cached answer listing an item
    item: ServiceItem = ServiceItemFactory.create(name="住房公积金提取")
    search.reindex_item(item)
    assert _codes(api_client, "公积金") == [item.code]
    before = search_cache.current_generation()
    # when the item is withdrawn and its index entries removed
    item.status = ItemStatus.WITHDRAWN
    item.save(update_fields=["status"])
    search.reindex_item(item)
    # then the generation moved on and the next search no longer lists it
    assert search_cache.current_generation() == before + 1
    assert _codes(api_client, "公积金") == []


def test_errors_are_not_cached(api_client: Client) -> None:
    for _ in range(2):
        response = api_client.get("/api/v1/catalog/items", {"kind": "bogus"})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_kind"
