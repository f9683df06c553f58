"""The cross-region API over HTTP (Django's test client): receive, attach, forward, follow; refusals."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases.tests.factories import PDF_BYTES, resident, staff
from tongban.core.identifiers import make_resident_id
from tongban.federation.tests.factories import KeyedPeer
from tongban.forwarding.tests.helpers import outbox, peer_item, pinned_peer, post
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/cross-region"
HERE = "110000"
PEER = "120000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE


@pytest.fixture
def peer() -> KeyedPeer:
    keyed = pinned_peer(PEER)
    peer_item(PEER)
    return keyed


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _clerk() -> User:
    return staff(DepartmentFactory.create(region=Region.objects.get(code=HERE)), StaffRoleKind.WINDOW_CLERK)


def _proxy_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region": PEER,
        "item_code": "120000-PEER-0001",
        "form_data": {"applicant_name": "李四"},
        "applicant": {"id_number": make_resident_id("120101", dt.date(1970, 1, 2), 5), "full_name": "李四"},
        "identity_check": "manual",
        "delivery": {"method": "post", "address": "北京市西城区2号"},
    }
    body.update(extra)
    return body


def test_receive_attach_forward_and_follow_over_http(client: Client, peer: KeyedPeer) -> None:
    clerk = _client(_clerk())
    # given the peer's item listed for proxy receipt
    items = clerk.get(f"{BASE}/peer-items?mode=proxy_receipt").json()
    assert [i["code"] for i in items] == ["120000-PEER-0001"] and items[0]["materials"][0]["code"] == "ID"
    # when the clerk creates the application, attaches both scans and forwards it
    created = clerk.post(f"{BASE}/proxy", _proxy_body(), content_type="application/json")
    assert created.status_code == 201, created.content
    remote_id = created.json()["id"]
    early = clerk.post(f"{BASE}/{remote_id}/forward")
    assert (early.status_code, early.json()["code"]) == (422, "materials_missing")
    for code in ("ID", "PLAN"):
        attached = clerk.post(f"{BASE}/{remote_id}/files/{code}", {"file": io.BytesIO(PDF_BYTES)})
        assert attached.status_code == 200 and len(attached.json()["sha256"]) == 64
    forwarded = clerk.post(f"{BASE}/{remote_id}/forward")
    # then it is forwarded, and the peer's status shows up with its deadline
    assert forwarded.status_code == 200 and forwarded.json()["status"] == "forwarding"
    assert len(outbox("forwarding.submit")) == 1
    status = {
        "forward_id": forwarded.json()["forward_id"],
        "seq": 2,
        "case_number": "120000-20261201-000003",
        "action": "accept",
        "status": "accepted",
        "occurred_at": timezone.now().isoformat(),
        "promised_due_date": "2026-12-15",
    }
    post(client, peer, here=HERE, type="forwarding.status", payload=status)
    shown = clerk.get(f"{BASE}/{remote_id}").json()
    assert shown["status"] == "accepted" and shown["promised_due_date"] == "2026-12-15"
    assert [e["action"] for e in shown["timeline"]] == ["received", "forwarded", "accept"]


def test_refusals_over_http(peer: KeyedPeer) -> None:
    clerk = _client(_clerk())
    stranger = _client(resident())
    # a resident cannot receive at a window; bad input is a 4xx with a code
    refused = stranger.post(f"{BASE}/proxy", _proxy_body(), content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "clerk_required")
    unknown = clerk.post(f"{BASE}/proxy", _proxy_body(item_code="NOPE"), content_type="application/json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "peer_item_not_found")
    bad_form = clerk.post(f"{BASE}/proxy", _proxy_body(form_data={"x": "y"}), content_type="application/json")
    assert bad_form.status_code == 422
    # someone else's case id is answered as unknown
    created = clerk.post(f"{BASE}/proxy", _proxy_body(), content_type="application/json").json()
    for response in (
        stranger.get(f"{BASE}/{created['id']}"),
        stranger.post(f"{BASE}/{created['id']}/forward"),
        stranger.post(f"{BASE}/{created['id']}/deliver", {}, content_type="application/json"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "remote_case_not_found")
    # and a delivery before the result is a conflict
    early = clerk.post(f"{BASE}/{created['id']}/deliver", {"tracking_number": "SF1"}, content_type="application/json")
    assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
    assert "/api/v1/cross-region/proxy" in Client().get("/api/v1/openapi.json").content.decode()
