"""GET /api/v1/catalog/items: search and filters over HTTP, with the stable error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.catalog import search
from tongban.catalog.constants import CrossRegionMode, ItemKind, ItemStatus, ServiceObject
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import ServiceItemFactory
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/items"
REQUIRED_KEYS = {"code", "base_code", "name", "region", "department", "kind", "cross_region_mode"}


def make(name: str, **kwargs: Any) -> ServiceItem:
    item = ServiceItemFactory.create(name=name, **kwargs)
    search.reindex_item(item)
    return item


def get(client: Client, **params: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(URL, params)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.fixture
def items() -> dict[str, ServiceItem]:
    fund = DepartmentFactory.create(code="GJJ", name="住房公积金管理中心")
    beijing = Region.objects.get(code="110000")
    bj_fund = DepartmentFactory.create(region=beijing, code="GJJ", name="北京住房公积金管理中心")
    return {
        "withdraw": make(
            "住房公积金提取", department=fund, kind=ItemKind.PUBLIC_SERVICE, cross_region_mode=CrossRegionMode.ONLINE
        ),
        "bj_withdraw": make(
            "住房公积金提取",
            code="110000-GJJ-0001",
            region=beijing,
            department=bj_fund,
            kind=ItemKind.PUBLIC_SERVICE,
            service_object=ServiceObject.BOTH,
        ),
        "passport": make("普通护照签发", kind=ItemKind.LICENSING, cross_region_mode=CrossRegionMode.PROXY_RECEIPT),
        "company": make("企业设立登记", kind=ItemKind.LICENSING, service_object=ServiceObject.LEGAL_PERSON),
    }


def test_search_answers_the_documented_shape(api_client: Client, items: dict[str, ServiceItem]) -> None:
    # given published items; when searching by initials
    status, body = get(api_client, q="gjj")
    # then the two housing-fund items come back with every required key
    assert status == 200
    assert body["count"] == 2
    assert body["page"] == 1 and body["page_size"] == 20
    assert {i["code"] for i in body["items"]} == {items["withdraw"].code, items["bj_withdraw"].code}
    for row in body["items"]:
        assert row.keys() >= REQUIRED_KEYS
    row = next(i for i in body["items"] if i["code"] == items["bj_withdraw"].code)
    assert row["region"] == "110000" and row["region_name"] == "北京市"
    assert row["department"] == "GJJ" and row["department_name"] == "北京住房公积金管理中心"
    assert row["base_code"] == items["bj_withdraw"].base.base_code
    assert row["kind"] == "public_service" and row["cross_region_mode"] == "none"


def test_empty_query_lists_every_published_item_by_code(api_client: Client, items: dict[str, ServiceItem]) -> None:
    # given four published items and a draft
    ServiceItemFactory.create(name="草稿事项", status=ItemStatus.DRAFT)
    # when listing without a query
    status, body = get(api_client)
    # then the published items only, ordered by code
    assert status == 200
    assert body["count"] == 4
    assert [i["code"] for i in body["items"]] == sorted(i.code for i in items.values())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "110000"}, {"bj_withdraw"}),
        ({"q": "公积金", "region": "120000"}, {"withdraw"}),
        ({"department": "GJJ"}, {"withdraw", "bj_withdraw"}),
        ({"department": "GJJ", "region": "110000"}, {"bj_withdraw"}),
        ({"kind": "licensing"}, {"passport", "company"}),
        ({"service_object": "natural_person"}, {"withdraw", "bj_withdraw", "passport"}),
        ({"service_object": "legal_person"}, {"company", "bj_withdraw"}),
        ({"service_object": "both"}, {"bj_withdraw"}),
        ({"cross_region_mode": "proxy_receipt"}, {"passport"}),
        ({"q": "gongjijin", "cross_region_mode": "online"}, {"withdraw"}),
    ],
)
def test_filters(api_client: Client, items: dict[str, ServiceItem], params: dict[str, str], expected: set[str]) -> None:
    # when filtering; then exactly the expected items
    status, body = get(api_client, **params)
    assert status == 200
    assert {i["code"] for i in body["items"]} == {items[k].code for k in expected}
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"kind": "permit"}, "invalid_kind"),
        ({"region": "999999"}, "invalid_region"),
        ({"department": "NOPE"}, "invalid_department"),
        ({"service_object": "alien"}, "invalid_service_object"),
        ({"cross_region_mode": "teleport"}, "invalid_cross_region_mode"),
        ({"page": "0"}, "invalid_page"),
        ({"page_size": "101"}, "invalid_page_size"),
        ({"page_size": "0"}, "invalid_page_size"),
        ({"q": "公" * 101}, "invalid_query"),
        ({"page": "abc"}, "validation_error"),
    ],
)
def test_bad_parameters_answer_422_with_a_stable_code_in_chinese(
    api_client: Client, items: dict[str, ServiceItem], params: dict[str, str], code: str
) -> None:
    # when a parameter is invalid
    status, body = get(api_client, **params)
    # then 422 with the stable code and a Chinese message
    assert status == 422
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]


def test_pagination(api_client: Client) -> None:
    # given 25 published items whose names all contain 证明
    for n in range(25):
        make(f"证明事项{n:02d}", code=f"120000-PAGE-{n:03d}")
    # when reading pages of 10
    pages = [get(api_client, q="证明", page=p, page_size=10)[1] for p in (1, 2, 3, 4)]
    # then 10, 10, 5 and 0 items, each item once, count 25 on every page
    assert [len(p["items"]) for p in pages] == [10, 10, 5, 0]
    assert all(p["count"] == 25 for p in pages)
    seen = [i["code"] for p in pages for i in p["items"]]
    assert len(set(seen)) == 25
    # and the listing without a query pages by code
    listing = get(api_client, page=2, page_size=10)[1]
    assert [i["code"] for i in listing["items"]] == [f"120000-PAGE-{n:03d}" for n in range(10, 20)]


def test_openapi_documents_the_list_endpoint(api_client: Client) -> None:
    # when reading the OpenAPI document
    doc = api_client.get("/api/v1/openapi.json").json()
    # then the list endpoint and its filters are there
    op = doc["paths"]["/api/v1/catalog/items"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"q", "region", "department", "kind", "service_object", "cross_region_mode", "page", "page_size"} <= names
