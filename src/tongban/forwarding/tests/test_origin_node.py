"""The origin node (A): receive an application for a peer's item, forward it (files with their
SHA-256), mirror the peer's status messages, supply corrections and deliver the result."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import uuid
from typing import Any

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, User
from tongban.cases.services import WindowApplicant
from tongban.cases.tests.factories import PDF_BYTES, resident, staff
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_resident_id
from tongban.federation.constants import InboxStatus
from tongban.federation.models import OutboxMessage, PeerCatalogItem
from tongban.federation.tests.factories import KeyedPeer
from tongban.forwarding import services
from tongban.forwarding.constants import FORWARDING, REFUSED
from tongban.forwarding.models import RemoteCase, RemoteCaseEvent
from tongban.forwarding.tests.helpers import big_pdf, outbox, peer_item, pinned_peer, post
from tongban.regions.models import Region

pytestmark = pytest.mark.django_db
HERE = "110000"
PEER = "120000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE


@pytest.fixture
def peer() -> KeyedPeer:
    return pinned_peer(PEER)


@pytest.fixture
def item(peer: KeyedPeer) -> PeerCatalogItem:
    return peer_item(PEER)


@pytest.fixture
def clerk() -> User:
    return staff(department_here(), StaffRoleKind.WINDOW_CLERK)


def department_here() -> Any:
    from tongban.regions.tests.factories import DepartmentFactory

    return DepartmentFactory(region=Region.objects.get(code=HERE))


APPLICANT = WindowApplicant(id_number=make_resident_id("120101", dt.date(1985, 5, 5), 7), full_name="李四")


def receive(
    clerk: User, item: PeerCatalogItem, *, plan: bytes = PDF_BYTES, check: str = "id_card_reader", **extra: Any
) -> RemoteCase:
    return services.proxy_receive(
        actor=clerk,
        peer_item=item,
        applicant=APPLICANT,
        identity_check_method=check,
        form_data={"applicant_name": "李四"},
        scans={"ID": (io.BytesIO(PDF_BYTES), "id.pdf"), "PLAN": (io.BytesIO(plan), "plan.pdf")},
        **extra,
    )


def status(remote: RemoteCase, seq: int, status_: str, **extra: Any) -> dict[str, Any]:
    body = {
        "forward_id": str(remote.forward_id),
        "seq": seq,
        "case_number": "120000-20261201-000001",
        "action": status_,
        "status": status_,
        "occurred_at": "2026-12-01T10:00:00+00:00",
        "role": "reviewer",
        "department": "天津市某某局",
    }
    body.update(extra)
    return body


def test_proxy_receipt_forwards_the_application_and_its_files(clerk: User, item: PeerCatalogItem) -> None:
    # when a clerk receives an application for the peer's item with two scans, one of 100 KiB
    plan = big_pdf(100 * 1024)
    remote = receive(clerk, item, plan=plan)
    # then it is forwarded: the files in parts and the application, all to the peer
    assert remote.status == FORWARDING and remote.forwarded_at is not None
    parts = outbox("forwarding.file_part")
    [submit] = outbox("forwarding.submit")
    assert {m.recipient_region for m in [*parts, submit]} == {PEER}
    manifest = {f["material_code"]: f for f in submit.payload["files"]}
    assert manifest["PLAN"]["parts"] == 2 and manifest["PLAN"]["sha256"] == hashlib.sha256(plan).hexdigest()
    joined = b"".join(
        base64.b64decode(p.payload["data"])
        for p in sorted(parts, key=lambda p: p.payload["part"])
        if p.payload["material_code"] == "PLAN"
    )
    assert joined == plan
    # and the application names the applicant, the identity check and the clerk
    body = submit.payload
    assert body["applicant"]["id_number"] == APPLICANT.id_number and body["identity_check"] == "id_card_reader"
    assert body["received_by"]["name"] == clerk.display_name and body["mode"] == "proxy_receipt"
    assert body["form_data"]["applicant_name"] == "李四"


def test_a_missing_required_material_forwards_nothing(clerk: User, item: PeerCatalogItem) -> None:
    # when the clerk forwards without the plan
    with pytest.raises(ApplicationError) as caught:
        services.proxy_receive(
            actor=clerk,
            peer_item=item,
            applicant=APPLICANT,
            identity_check_method="manual",
            form_data={"applicant_name": "李四"},
            scans={"ID": (io.BytesIO(PDF_BYTES), "id.pdf")},
        )
    # then it is refused and nothing was written or queued
    assert caught.value.code == "materials_missing"
    assert not RemoteCase.objects.exists() and not OutboxMessage.objects.exists()


def test_identity_check_and_clerk_role_are_required(clerk: User, item: PeerCatalogItem) -> None:
    with pytest.raises(ApplicationError) as no_check:
        receive(clerk, item, check="online_login")
    assert no_check.value.code == "identity_check_required"
    with pytest.raises(ApplicationError) as not_clerk:
        receive(staff(department_here(), StaffRoleKind.REVIEWER), item)
    assert not_clerk.value.code == "clerk_required"


def test_status_messages_update_the_mirror_once_and_in_order(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given a forwarded application
    remote = receive(clerk, item)
    # when the peer reports registration and acceptance, the acceptance arriving first and twice
    accepted = status(remote, 2, "accepted", legal_due_date="2026-12-29", promised_due_date="2026-12-15")
    post(client, peer, here=HERE, type="forwarding.status", payload=accepted)
    post(client, peer, here=HERE, type="forwarding.status", payload=accepted)
    post(client, peer, here=HERE, type="forwarding.status", payload=status(remote, 1, "submitted"))
    # then the mirror shows the latest state with the peer's clock, and each state once on the timeline
    remote.refresh_from_db()
    assert remote.status == "accepted" and remote.remote_seq == 2
    assert remote.promised_due_date == dt.date(2026, 12, 15) and remote.legal_due_date == dt.date(2026, 12, 29)
    assert remote.remote_number == "120000-20261201-000001"
    assert list(
        RemoteCaseEvent.objects.filter(remote_case=remote, seq__isnull=False).values_list("seq", flat=True)
    ) == [
        2,
        1,
    ]
    # and the applicant was told of the acceptance (the late, older news is recorded but not announced)
    assert Notification.objects.filter(user=remote.applicant).count() == 1


def test_correction_round_trip_at_the_origin(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given a forwarded application the peer returns for correction of the plan
    remote = receive(clerk, item)
    correction = status(
        remote,
        2,
        "correction_requested",
        correction_materials=[{"code": "PLAN", "name": "场地平面图"}],
        correction_note="平面图不清晰",
    )
    post(client, peer, here=HERE, type="forwarding.status", payload=correction)
    remote.refresh_from_db()
    assert remote.status == "correction_requested"
    # and the clerk who received it is told too
    assert Notification.objects.filter(user=clerk, subject__contains="补正").exists()
    # when supplying without the new plan
    with pytest.raises(ApplicationError) as caught:
        services.remote_correction_supply(remote_case=remote, actor=clerk)
    assert caught.value.code == "materials_missing"
    # and then with it
    services.remote_file_attach(
        remote_case=remote, actor=clerk, material_code="PLAN", source=io.BytesIO(big_pdf(4096)), original_name="p.pdf"
    )
    remote = services.remote_correction_supply(remote_case=remote, actor=clerk, note="已补正")
    # then the corrected plan and a resubmission go to the peer
    assert remote.status == FORWARDING
    [resubmit] = outbox("forwarding.resubmit")
    assert [f["material_code"] for f in resubmit.payload["files"]] == ["PLAN"]
    assert resubmit.payload["note"] == "已补正"


def test_delivery_at_the_origin_is_told_to_the_peer(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given a forwarded application sent by post whose result the peer issued
    from tongban.forwarding.services import DeliveryChoice

    remote = receive(clerk, item, delivery=DeliveryChoice(method="post", address="北京市东城区1号"))
    post(client, peer, here=HERE, type="forwarding.status", payload=status(remote, 5, "result_issued"))
    remote.refresh_from_db()
    # when the clerk delivers without a tracking number, then with one
    with pytest.raises(ApplicationError) as caught:
        services.remote_case_deliver(remote_case=remote, actor=clerk)
    assert caught.value.code == "tracking_number_required"
    remote = services.remote_case_deliver(remote_case=remote, actor=clerk, tracking_number="SF1001")
    # then the peer is told, with the tracking number
    assert remote.status == "delivered"
    [delivered] = outbox("forwarding.delivered")
    assert delivered.payload["tracking_number"] == "SF1001" and delivered.payload["method"] == "post"


def test_a_status_about_someone_elses_case_is_refused(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given a case forwarded to one peer, and another pinned peer
    remote = receive(clerk, item)
    intruder = pinned_peer("130000")
    # when the other peer reports a status or a refusal for it, or a status for an unknown id
    messages = [
        post(client, intruder, here=HERE, type="forwarding.status", payload=status(remote, 9, "approved")),
        post(
            client,
            intruder,
            here=HERE,
            type="forwarding.refused",
            payload={"forward_id": str(remote.forward_id), "code": "x"},
        ),
        post(
            client,
            peer,
            here=HERE,
            type="forwarding.status",
            payload={**status(remote, 1, "submitted"), "forward_id": str(uuid.uuid4())},
        ),
    ]
    # then each is refused with forward_not_found and the mirror did not move
    assert [(m.status, m.error_code) for m in messages] == [(InboxStatus.FAILED, "forward_not_found")] * 3
    remote.refresh_from_db()
    assert remote.status == FORWARDING and not RemoteCaseEvent.objects.filter(seq__isnull=False).exists()


def test_a_refusal_from_the_peer_is_shown(client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer) -> None:
    remote = receive(clerk, item)
    refusal = {"forward_id": str(remote.forward_id), "code": "item_not_available", "message": "事项未开放"}
    post(client, peer, here=HERE, type="forwarding.refused", payload=refusal)
    remote.refresh_from_db()
    assert remote.status == REFUSED and remote.refusal_code == "item_not_available"


def test_online_application_by_a_resident(item: PeerCatalogItem) -> None:
    # given an item the peer offers fully online and a resident logged in here
    online_item = peer_item(PEER, code="120000-PEER-0002", mode="online")
    applicant = resident()
    # when the resident applies
    remote = services.online_apply(
        actor=applicant,
        peer_item=online_item,
        form_data={"applicant_name": applicant.full_name},
        uploads={"ID": (io.BytesIO(PDF_BYTES), "id.pdf"), "PLAN": (io.BytesIO(PDF_BYTES), "plan.pdf")},
    )
    # then the application goes to the peer in the resident's name, identified online
    [submit] = outbox("forwarding.submit")
    assert submit.payload["mode"] == "online" and submit.payload["identity_check"] == "online_login"
    assert submit.payload["applicant"]["id_number"] == applicant.id_number
    assert remote.applicant == applicant and remote.received_by is None
    # and a proxy-receipt-only item is not offered online
    with pytest.raises(ApplicationError) as caught:
        services.online_apply(actor=applicant, peer_item=item, form_data={"applicant_name": "x"})
    assert caught.value.code == "peer_item_not_found"


def test_strangers_cannot_act_on_a_remote_case(clerk: User, item: PeerCatalogItem) -> None:
    remote = receive(clerk, item)
    with pytest.raises(ApplicationError) as caught:
        services.remote_file_attach(
            remote_case=remote, actor=resident(), material_code="ID", source=io.BytesIO(PDF_BYTES), original_name="a"
        )
    assert caught.value.code == "remote_case_not_found"


def test_a_refused_correction_goes_back_to_be_supplied_again(
    client: Client, clerk: User, item: PeerCatalogItem, peer: KeyedPeer
) -> None:
    # given a correction the clerk forwarded
    remote = receive(clerk, item)
    correction = status(
        remote, 2, "correction_requested", correction_materials=[{"code": "PLAN", "name": "场地平面图"}]
    )
    post(client, peer, here=HERE, type="forwarding.status", payload=correction)
    remote.refresh_from_db()
    services.remote_file_attach(
        remote_case=remote, actor=clerk, material_code="PLAN", source=io.BytesIO(PDF_BYTES), original_name="p.pdf"
    )
    remote = services.remote_correction_supply(remote_case=remote, actor=clerk)
    # when the peer refuses it (say, a file did not match its digest)
    refusal = {"forward_id": str(remote.forward_id), "code": "file_digest_mismatch", "message": "文件不符"}
    post(client, peer, here=HERE, type="forwarding.refused", payload=refusal)
    # then the case waits for the correction again, with the reason shown
    remote.refresh_from_db()
    assert remote.status == "correction_requested" and remote.refusal_code == "file_digest_mismatch"
