"""The verification's one statement and the lean WSGI lane (ADR 0018): the same answers as the full stack,
the use logged for the holder, and the asynchronous commit confined to the log's own transaction."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection

from tongban.accounts.models import User
from tongban.licences import services
from tongban.licences.fastlane import VerifyFastLane, parse_verify_body
from tongban.licences.models import Licence, LicenceType, LicenceUse
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _environ(body: bytes, **extra: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/licences/verify",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "10.1.2.3",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **extra,
    }


class _FullStack:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.app = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        return self.app(environ, start_response)


def _post(app: Any, payload: Any, **extra: str) -> tuple[int, dict[str, str], Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    data = b"".join(app(_environ(body, **extra), start_response))
    is_json = answer["headers"].get("Content-Type", "").startswith("application/json")
    return answer["status"], answer["headers"], json.loads(data) if is_json else data


@pytest.fixture
def lane() -> Iterator[tuple[VerifyFastLane, _FullStack]]:
    # As Django's test client does: keep the test's database connection open across WSGI calls.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        full = _FullStack()
        yield VerifyFastLane(full), full
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_lane_answers_exactly_as_the_full_stack(
    lane: tuple[VerifyFastLane, _FullStack], licence_type: LicenceType, resident: User, other_resident: User
) -> None:
    # given a valid, a revoked and an expired licence of the same holder
    app, full = lane
    valid = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=1)
    revoked = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=2)
    services.licence_revoke(licence=revoked, actor=None, reason="吊销")
    expired = make_licence(
        licence_type=licence_type,
        holder_id=resident.id_number,
        valid_from=dt.date(2015, 1, 1),
        valid_to=dt.date(2020, 1, 1),
    )
    cases: list[dict[str, Any]] = [
        {"number": valid.number, "holder_id": resident.id_number},
        {"number": valid.number.lower(), "holder_id": resident.id_number.lower()},
        {"number": revoked.number, "holder_id": resident.id_number},
        {"number": expired.number, "holder_id": resident.id_number},
        {"number": valid.number, "holder_id": other_resident.id_number},  # someone else's ID
        {"number": valid.number[:-1] + ("0" if valid.number[-1] != "0" else "1"), "holder_id": resident.id_number},
        {"vc_jwt": valid.vc_jwt},
        {"vc_jwt": revoked.vc_jwt},
        {"vc_jwt": valid.vc_jwt[:-4] + "AAAA"},  # a broken signature
        {},  # nothing to verify
    ]
    for payload in cases:
        # when the same request goes through the lane and through the full stack (a cookie sends it there)
        calls = full.calls
        lane_status, lane_headers, lane_body = _post(app, payload)
        assert full.calls == calls, payload  # the lane answered by itself
        full_status, _headers, full_body = _post(app, payload, HTTP_COOKIE="seen=1")
        assert full.calls == calls + 1
        # then the answers are the same
        assert (lane_status, lane_body) == (full_status, full_body), payload
        assert lane_headers["X-Content-Type-Options"] == "nosniff" and lane_headers["X-Frame-Options"] == "DENY"
    statuses = {
        n: _post(app, {"number": n, "holder_id": resident.id_number})[2]["status"]
        for n in (valid.number, revoked.number, expired.number)
    }
    assert statuses == {valid.number: "valid", revoked.number: "revoked", expired.number: "expired"}


def test_the_lane_logs_each_use_for_the_holder_with_its_outcome(
    lane: tuple[VerifyFastLane, _FullStack], licence_type: LicenceType, resident: User, other_resident: User
) -> None:
    # given a valid and an expired licence
    app, _full = lane
    valid = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=1)
    expired = make_licence(
        licence_type=licence_type,
        holder_id=resident.id_number,
        valid_from=dt.date(2015, 1, 1),
        valid_to=dt.date(2020, 1, 1),
    )
    # when both are verified, and the valid one also with someone else's ID
    _post(app, {"number": valid.number, "holder_id": resident.id_number})
    _post(app, {"number": expired.number, "holder_id": resident.id_number})
    _post(app, {"number": valid.number, "holder_id": other_resident.id_number})
    # then the holder's list shows two verifications from the client's address; the wrong ID left no trace
    uses = {u.licence_id: u for u in LicenceUse.objects.all()}
    assert set(uses) == {valid.pk, expired.pk}
    assert uses[valid.pk].valid_at_use and not uses[expired.pk].valid_at_use
    assert {u.kind for u in uses.values()} == {"verified"} and {u.source for u in uses.values()} == {"10.1.2.3"}


def test_the_lane_leaves_anything_unusual_to_the_full_stack(lane: tuple[VerifyFastLane, _FullStack]) -> None:
    app, full = lane
    # malformed JSON, an unknown field, a wrong type, a too long value: the full stack's error
    for body in (
        b"{not json",
        b'{"number": "X", "extra": 1}',
        b'{"number": 5}',
        json.dumps({"holder_id": "1" * 19}).encode(),
    ):
        calls = full.calls
        status, _headers, answer = _post(app, body)
        assert full.calls == calls + 1
        assert status in (400, 422) and answer["code"] and answer["message"], (body, answer)
    # another language, a logged-in client, a query string, another host: the full stack
    calls = full.calls
    _post(app, {}, HTTP_ACCEPT_LANGUAGE="en")
    _post(app, {}, HTTP_AUTHORIZATION="Bearer nothing")
    _post(app, {}, QUERY_STRING="a=1")
    status, _headers, _answer = _post(app, {}, HTTP_HOST="evil.example")
    assert full.calls == calls + 4 and status == 400
    assert parse_verify_body(b'{"number": "A", "holder_id": null}') == {
        "vc_jwt": None,
        "number": "A",
        "holder_id": None,
    }


@pytest.mark.django_db(transaction=True)
def test_the_asynchronous_commit_stays_in_the_logs_own_transaction(
    lane: tuple[VerifyFastLane, _FullStack], licence_type: LicenceType, resident: User
) -> None:
    # given a licence, verified outside any transaction (the statement is its own transaction)
    app, _full = lane
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    status, _headers, body = _post(app, {"number": licence.number, "holder_id": resident.id_number})
    # then the use is committed and visible to everyone
    assert status == 200 and body["valid"] is True
    assert LicenceUse.objects.filter(licence=licence, kind="verified").count() == 1
    if connection.vendor == "postgresql":
        # and the next transaction on the same connection commits synchronously again
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    # and a verification inside a caller's transaction joins that transaction (no asynchronous commit)
    from django.db import transaction

    with transaction.atomic():
        services.licence_verify(number=licence.number, holder_id=resident.id_number, source="test")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone()[0] == "on"
    assert Licence.objects.get(pk=licence.pk).uses.count() == 2
