"""What a stranger can send to the federation endpoints without a key: answers in the one JSON shape,
bodies bounded in size and depth before they are parsed, refusals that cannot fill the message log,
and a rate limit per client address."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tongban.federation.constants import Direction
from tongban.federation.models import MessageLog, RefusalTally

BATCH = "/federation/v1/messages/batch"
ONE = "/federation/v1/messages"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.TONGBAN_REGION = "110000"
    settings.TONGBAN_FEDERATION_REFUSALS_LOGGED = 20
    settings.TONGBAN_FEDERATION_REFUSALS_MAX = 200
    settings.TONGBAN_FEDERATION_REFUSAL_WINDOW_SECONDS = 600


def stranger(address: str = "203.0.113.7") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR=address)


def assert_contract(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == code and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body


def test_a_deeply_nested_batch_is_refused_not_a_server_error() -> None:
    response = stranger().post(BATCH, data=b"[" * 100_000, content_type="application/json")
    assert_contract(response, 400, "malformed_message")


def test_a_five_mebibyte_batch_is_refused_in_json_before_it_is_read() -> None:
    response = stranger().post(BATCH, data=b"x" * (5 * 1024 * 1024), content_type="application/json")
    assert_contract(response, 413, "request_too_large")


def test_a_two_mebibyte_single_message_is_refused_in_json() -> None:
    response = stranger().post(ONE, data=b"x" * (2 * 1024 * 1024), content_type="application/jose")
    assert_contract(response, 413, "request_too_large")


def test_a_wrong_method_is_a_json_405() -> None:
    response = stranger().get(BATCH)
    assert_contract(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_garbage_batches_fill_neither_the_log_nor_the_node() -> None:
    # when a stranger posts a batch of 500 garbage tokens
    client = stranger()
    response = client.post(BATCH, data=json.dumps({"messages": ["x.y.z"] * 500}), content_type="application/json")
    # then each token is refused with its code, but only the first 20 are logged in full
    assert response.status_code == 200
    assert {r["code"] for r in response.json()["results"]} == {"malformed_message"}
    assert MessageLog.objects.filter(direction=Direction.REFUSED).count() == 20
    tally = RefusalTally.objects.get(source="203.0.113.7")
    assert (tally.count, tally.logged) == (500, 20)
    # and the next request of the address is answered 429 before it is read, logging nothing
    again = client.post(BATCH, data=json.dumps({"messages": ["x.y.z"]}), content_type="application/json")
    assert_contract(again, 429, "too_many_refusals")
    assert_contract(client.post(ONE, data=b"a.b.c", content_type="application/jose"), 429, "too_many_refusals")
    assert MessageLog.objects.filter(direction=Direction.REFUSED).count() == 20
    # while another address is still heard
    other = stranger("198.51.100.1").post(ONE, data=b"a.b.c", content_type="application/jose")
    assert_contract(other, 400, "malformed_message")
    assert MessageLog.objects.filter(direction=Direction.REFUSED).count() == 21


def test_single_refusals_are_logged_up_to_the_allowance_then_counted(settings: Any) -> None:
    settings.TONGBAN_FEDERATION_REFUSALS_LOGGED = 3
    settings.TONGBAN_FEDERATION_REFUSALS_MAX = 5
    client = stranger()
    answers = [client.post(ONE, data=b"a.b.c", content_type="application/jose").status_code for _ in range(7)]
    assert answers == [400, 400, 400, 400, 400, 429, 429]
    assert MessageLog.objects.filter(direction=Direction.REFUSED).count() == 3
    assert RefusalTally.objects.get(source="203.0.113.7").count == 5
