"""The pages: the clerk's choice of peers' items and the receiving form, the applicant's pages with
the mirrored timeline, the queues of corrections and deliveries, and strangers refused."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff
from tongban.catalog.constants import CrossRegionMode
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.federation.models import PeerCatalogItem
from tongban.federation.tests.factories import KeyedPeer
from tongban.forwarding.constants import FORWARDING
from tongban.forwarding.models import ForwardedCase, RemoteCase
from tongban.forwarding.tests.helpers import outbox, peer_item, pinned_peer, post
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
HERE = "110000"
PEER = "120000"
ID_NUMBER = make_resident_id("120101", dt.date(1979, 9, 9), 3)


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def peer() -> KeyedPeer:
    return pinned_peer(PEER)


@pytest.fixture
def item(peer: KeyedPeer) -> PeerCatalogItem:
    return peer_item(PEER)


@pytest.fixture
def clerk() -> User:
    return staff(DepartmentFactory.create(region=Region.objects.get(code=HERE)), StaffRoleKind.WINDOW_CLERK)


def receive_at_window(client: Client, clerk: User, item: PeerCatalogItem) -> Any:
    client.force_login(clerk)
    return client.post(
        f"/cross-region/window/{PEER}/{item.code}/",
        {
            "applicant_id_number": ID_NUMBER,
            "applicant_name": "李四",
            "applicant_phone": "",
            "identity_check": "face",
            "f-applicant_name": "李四",
            "delivery_method": "window",
            "m-ID": io.BytesIO(PDF_BYTES),
            "m-PLAN": io.BytesIO(PDF_BYTES),
        },
    )


def test_the_clerk_receives_an_application_for_a_peers_item(client: Client, clerk: User, item: PeerCatalogItem) -> None:
    # given a clerk at the window page of other regions' items
    client.force_login(clerk)
    listing = client.get("/cross-region/window/")
    assert listing.status_code == 200 and item.code in listing.content.decode()
    form = client.get(f"/cross-region/window/{PEER}/{item.code}/")
    assert form.status_code == 200 and "场地平面图" in form.content.decode()
    # when the clerk fills in the form with both scans
    response = receive_at_window(client, clerk, item)
    # then the application is forwarded and its page shows it waiting for the peer
    assert response.status_code == 302, response.content.decode()[:2000]
    remote = RemoteCase.objects.get()
    assert remote.status == FORWARDING and remote.identity_check == "face"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "跨省测试事项" in page.content.decode()
    assert len(outbox("forwarding.submit")) == 1


def test_a_form_error_shows_the_form_again_and_forwards_nothing(
    client: Client, clerk: User, item: PeerCatalogItem
) -> None:
    client.force_login(clerk)
    response = client.post(
        f"/cross-region/window/{PEER}/{item.code}/",
        {
            "applicant_id_number": ID_NUMBER,
            "applicant_name": "李四",
            "identity_check": "face",
            "delivery_method": "window",
        },
    )
    assert response.status_code == 422
    assert not RemoteCase.objects.exists() and not outbox("forwarding.submit")


def test_the_applicant_follows_the_case_with_the_peers_timeline(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given an application received for the peer, registered and returned for correction there
    receive_at_window(client, clerk, item)
    remote = RemoteCase.objects.get()
    base = {"forward_id": str(remote.forward_id), "case_number": "120000-20261201-000009", "role": "reviewer"}
    for seq, status in ((1, "submitted"), (2, "correction_requested")):
        payload = {**base, "seq": seq, "action": status, "status": status, "occurred_at": "2026-12-01T10:00:00+00:00"}
        if status == "correction_requested":
            payload |= {
                "correction_materials": [{"code": "PLAN", "name": "场地平面图"}],
                "correction_note": "请重新扫描",
            }
        post(client, peer, here=HERE, type="forwarding.status", payload=payload)
    # when the applicant opens "my cases" and the case
    client.force_login(remote.applicant)
    mine = client.get("/cases/mine/").content.decode()
    page = client.get(f"/cross-region/{remote.pk}/").content.decode()
    # then the remote case is listed with its number, and its timeline and correction are shown
    assert "120000-20261201-000009" in mine
    assert "请重新扫描" in page and 'id="timeline"' in page and "场地平面图" in page
    # and the clerk's queue lists it among corrections to supply
    client.force_login(clerk)
    queue = client.get("/cross-region/received/?queue=correction").content.decode()
    assert "120000-20261201-000009" in queue
    # when the clerk uploads the new plan and forwards it
    client.post(f"/cross-region/{remote.pk}/attach/", {"material": "PLAN", "file": io.BytesIO(PDF_BYTES)})
    done = client.post(f"/cross-region/{remote.pk}/supply/", {"note": "已重新扫描"})
    # then the correction goes to the peer
    assert done.status_code == 302
    assert len(outbox("forwarding.resubmit")) == 1
    assert AuditEvent.objects.filter(stream=remote.stream, action="remote_case.viewed").exists()


def test_strangers_get_404(client: Client, clerk: User, item: PeerCatalogItem) -> None:
    receive_at_window(client, clerk, item)
    remote = RemoteCase.objects.get()
    client.force_login(resident())
    assert client.get(f"/cross-region/{remote.pk}/").status_code == 404
    assert client.post(f"/cross-region/{remote.pk}/deliver/", {"tracking_number": "x"}).status_code == 404
    assert client.get("/cross-region/window/").status_code == 404


def test_a_resident_applies_online_for_a_peers_item(client: Client, peer: KeyedPeer) -> None:
    online_item = peer_item(PEER, code="120000-PEER-0009", mode="online")
    applicant = resident()
    client.force_login(applicant)
    assert online_item.code in client.get("/cross-region/online/").content.decode()
    response = client.post(
        f"/cross-region/online/{PEER}/{online_item.code}/",
        {
            "f-applicant_name": applicant.full_name,
            "delivery_method": "electronic",
            "m-ID": io.BytesIO(PDF_BYTES),
            "m-PLAN": io.BytesIO(PDF_BYTES),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RemoteCase.objects.get().applicant == applicant


def test_the_workbench_marks_forwarded_cases_with_their_origin(client: Client, settings: Any) -> None:
    # given, at the deciding node, a case registered from region 110000's application
    settings.TONGBAN_REGION = PEER
    from tongban.forwarding.tests.test_deciding_node import send_application

    origin = pinned_peer(HERE)
    item = make_item(cross_region_mode=CrossRegionMode.PROXY_RECEIPT)
    send_application(client, origin, item)
    case = ForwardedCase.objects.get().case
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # when a reviewer opens the workbench
    client.force_login(reviewer)
    page = client.get("/cases/work/?queue=intake").content.decode()
    # then the case is marked as coming from Beijing
    assert case.number and case.number in page and "tag-origin" in page and "北京" in page
