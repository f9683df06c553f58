from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ping(api_client: Client) -> None:
    response = api_client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_item_gives_the_error_shape_in_chinese(api_client: Client) -> None:
    response = api_client.get("/api/v1/catalog/items/NO-SUCH-CODE")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "item_not_found"
    assert body["message"] == "未找到。"


def test_openapi_is_published(api_client: Client) -> None:
    response = api_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/catalog/items/{code}" in response.json()["paths"]
