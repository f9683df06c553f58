"""Open311 GeoReport v2: every endpoint in JSON and XML, validated against the standard's JSON Schemas;
API keys; filters; errors in the standard shape."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tongban.hotline import services
from tongban.hotline.models import Open311Key, Ticket
from tongban.hotline.tests import factories as f

pytestmark = pytest.mark.django_db


def xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own server's response


@pytest.fixture
def validate(standards_dir: Path) -> Any:
    folder = standards_dir / "open311-georeport-v2"
    schemas = {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json") if p.name != "swagger.json"
    }
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT7)) for name, schema in schemas.items()
    )

    def run(name: str, instance: Any) -> None:
        Draft7Validator(schemas[name], registry=registry).validate(instance)

    return run


@pytest.fixture
def key() -> str:
    out = io.StringIO()
    call_command("open311", "keys", "create", "城市App", stdout=out)
    return out.getvalue().strip()


def test_keys_are_printed_once_and_stored_hashed(key: str) -> None:
    record = Open311Key.objects.get(name="城市App")
    assert key.startswith("o311_") and record.key_hash == services.hash_key(key) and key not in record.key_hash
    assert services.open311_key_check(key) == record
    assert services.open311_key_check(key + "x") is None


def test_services_list_and_definition_validate(api_client: Client, validate: Any) -> None:
    f.line()
    body = api_client.get("/open311/v2/services.json").json()
    validate("services.json", body)
    assert {s["service_code"] for s in body} >= {"market", "labour", "housing_fund"}
    definition = api_client.get("/open311/v2/services/market.json").json()
    validate("service-definition.json", definition)
    assert [a["code"] for a in definition["attributes"]] == ["category", "publish"]
    missing = api_client.get("/open311/v2/services/weather.json")
    assert missing.status_code == 404 and missing.json() == [
        {"code": 404, "description": missing.json()[0]["description"]}
    ]


def test_post_a_request_then_read_it_back(api_client: Client, validate: Any, key: str) -> None:
    # given a client with an API key
    f.line()
    # when it posts a service request
    response = api_client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "market",
            "lat": "39.117",
            "long": "117.199",
            "address_string": "天津市和平区南京路",
            "description": "超市卖过期的牛奶",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13812345678",
            "attribute[category]": "complaint",
            "attribute[publish]": "true",
        },
    )
    # then a ticket exists on the open311 channel
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "open311" and ticket.category == "complaint" and ticket.subject == "market"
    # and reading it back validates, and carries no personal data
    one = api_client.get(f"/open311/v2/requests/{number}.json")
    validate("requests.json", one.json())
    assert one.json()[0]["status"] == "open"
    assert "13812345678" not in one.content.decode() and "王" not in one.json()[0]["description"][:1]
    listed = api_client.get("/open311/v2/requests.json").json()
    validate("requests.json", listed)
    assert number in [r["service_request_id"] for r in listed]


def test_filters(api_client: Client, validate: Any) -> None:
    ln = f.line()
    open_one = f.ticket(ln, subject="market", publish=True)
    closed_one = f.closed(ln)
    Ticket.objects.filter(pk=closed_one.pk).update(publish_consent=True)
    Ticket.objects.filter(pk=closed_one.pk).update(subject="labour")
    get = api_client.get

    def numbers(query: str) -> set[str]:
        body = get(f"/open311/v2/requests.json?{query}").json()
        validate("requests.json", body)
        return {r["service_request_id"] for r in body}

    assert numbers("status=open") == {open_one.number}
    assert numbers("status=closed") == {closed_one.number}
    assert numbers("service_code=labour") == {closed_one.number}
    assert numbers(f"service_request_id={open_one.number},{closed_one.number}") == {open_one.number, closed_one.number}
    assert numbers("start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z") == set()
    assert len(numbers("start_date=2000-01-01T00:00:00Z")) == 2


def test_xml_responses(api_client: Client, key: str) -> None:
    ln = f.line()
    t = f.ticket(ln, subject="market", publish=True)
    services_xml = xml(api_client.get("/open311/v2/services.xml").content)
    assert services_xml.tag == "services" and services_xml.find("service/service_code") is not None
    definition = xml(api_client.get("/open311/v2/services/market.xml").content)
    assert definition.findtext("service_code") == "market" and definition.find("attributes/attribute") is not None
    requests = xml(api_client.get(f"/open311/v2/requests/{t.number}.xml").content)
    assert requests.tag == "service_requests" and requests.findtext("request/service_request_id") == t.number
    error = api_client.get("/open311/v2/requests/NOPE.xml")
    assert error.status_code == 404
    assert xml(error.content).findtext("error/code") == "404"
    created = api_client.post(
        "/open311/v2/requests.xml",
        {"api_key": key, "service_code": "labour", "address_string": "河西区", "description": "拖欠工资"},
    )
    assert created.status_code == 201 and xml(created.content).findtext("request/service_request_id")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"service_code": "market", "address_string": "x", "description": "d"}, 403),
        ({"api_key": "wrong", "service_code": "market", "address_string": "x", "description": "d"}, 403),
        ({"service_code": "weather", "address_string": "x", "description": "d"}, 404),
        ({"service_code": "market", "description": "no location"}, 400),
        ({"service_code": "market", "lat": "north", "long": "1", "description": "d"}, 400),
        ({"service_code": "market", "address_string": "x", "description": ""}, 400),
        ({"service_code": "market", "address_string": "x", "description": "d", "attribute[category]": "gossip"}, 400),
        ({"service_code": "market", "address_string": "x", "description": "d", "jurisdiction_id": "999999"}, 404),
    ],
)
def test_post_errors_in_the_standard_shape(api_client: Client, key: str, data: dict[str, str], status: int) -> None:
    f.line()
    if "api_key" not in data and status != 403:
        data = {**data, "api_key": key}
    before = Ticket.objects.count()
    response = api_client.post("/open311/v2/requests.json", data)
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    assert Ticket.objects.count() == before


def test_bad_filters_are_errors(api_client: Client) -> None:
    for query in (
        "status=pending",
        "start_date=yesterday",
        "start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z",
    ):
        response = api_client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 400 and response.json()[0]["code"] == 400, query


# ---------------------------------------------------------------- what the public list shows


def test_only_what_the_caller_agreed_to_publish_is_listed_and_never_a_report(api_client: Client, validate: Any) -> None:
    # given a consenting caller's complaint, a caller who did not agree, and a report (举报) whose caller agreed
    ln = f.line()
    shown = f.ticket(ln, subject="market", publish=True)
    private = f.ticket(ln, subject="market", content="楼下超市噪音扰民")
    report = f.ticket(ln, subject="market", category="report", content="某科长收受红包", publish=True)
    # when anyone lists the requests or opens one
    listed = api_client.get("/open311/v2/requests.json").json()
    validate("requests.json", listed)
    # then only the consenting caller's request is there
    assert [r["service_request_id"] for r in listed] == [shown.number]
    for hidden in (private, report):
        response = api_client.get(f"/open311/v2/requests/{hidden.number}.json")
        assert response.status_code == 404
        ids = api_client.get(f"/open311/v2/requests.json?service_request_id={hidden.number}").json()
        assert ids == []
    assert not Ticket.objects.get(pk=report.pk).publish_consent


def test_published_text_reply_and_place_carry_no_personal_data(api_client: Client, validate: Any) -> None:
    # given a consenting caller who typed their phone, ID number, email and door into the text
    ln = f.line()
    t = f.ticket(
        ln,
        subject="market",
        publish=True,
        content="我住南京路12号3单元501室，电话13812345678，身份证120101198001011234，邮箱wang@example.com，超市卖过期牛奶",
        location="天津市和平区南京路12号3单元501室",
        lat=39.117456,
        long=117.199123,
    )
    services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.amr)
    services.ticket_accept(ticket=t, actor=ln.amr_handler)
    services.ticket_reply(ticket=t, actor=ln.amr_handler, reply="已联系王先生（13900001111）并处理。")
    services.ticket_close(ticket=t, actor=ln.agent)
    # when the closed request is read
    body = api_client.get(f"/open311/v2/requests/{t.number}.json").json()
    validate("requests.json", body)
    text = json.dumps(body, ensure_ascii=False)
    # then none of it is there, and the rest of the text is
    for secret in ("13812345678", "120101198001011234", "wang@example.com", "12号", "501室", "13900001111"):
        assert secret not in text
    assert "超市卖过期牛奶" in body[0]["description"] and "南京路" in body[0]["address"]
    assert body[0]["service_notice"].startswith("已联系王先生")
    assert (body[0]["lat"], body[0]["long"]) == (39.117, 117.199)


def test_an_open311_post_is_unpublished_unless_asked(api_client: Client, key: str) -> None:
    f.line()
    common = {"api_key": key, "service_code": "market", "address_string": "和平区", "description": "占道经营"}
    quiet = api_client.post("/open311/v2/requests.json", common).json()[0]["service_request_id"]
    loud = api_client.post("/open311/v2/requests.json", {**common, "attribute[publish]": "true"}).json()[0]
    bad = api_client.post("/open311/v2/requests.json", {**common, "attribute[publish]": "maybe"})
    assert not Ticket.objects.get(number=quiet).publish_consent
    assert Ticket.objects.get(number=loud["service_request_id"]).publish_consent
    assert bad.status_code == 400
