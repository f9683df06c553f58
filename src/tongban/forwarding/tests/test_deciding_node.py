"""The deciding node (B): a peer's application becomes a case of B's department; corrections,
delivery and status messages back; bad payloads, duplicates and someone else's case refused."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.cases import services as case_services
from tongban.cases.constants import CaseChannel, CaseStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff, upload_all
from tongban.cases.uploads import open_stored
from tongban.catalog.constants import CrossRegionMode
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.federation.constants import InboxStatus
from tongban.federation.models import OutboxMessage
from tongban.federation.tests.factories import KeyedPeer
from tongban.forwarding.models import ForwardedCase, IncomingBundle, IncomingFilePart
from tongban.forwarding.tests.helpers import (
    big_pdf,
    file_messages,
    new_ids,
    outbox,
    pinned_peer,
    post,
    submit_payload,
)

pytestmark = pytest.mark.django_db
HERE = "120000"
ID_NUMBER = make_resident_id("110101", dt.date(1990, 3, 7), 1)


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE


@pytest.fixture
def origin() -> KeyedPeer:
    return pinned_peer("110000")


@pytest.fixture
def item() -> ServiceItem:
    return make_item(cross_region_mode=CrossRegionMode.PROXY_RECEIPT)


def send_application(
    client: Client,
    origin: KeyedPeer,
    item: ServiceItem,
    *,
    plan: bytes = PDF_BYTES,
    parts_first: bool = True,
    **extra: Any,
) -> tuple[str, str]:
    forward_id, bundle_id = new_ids()
    id_parts, id_ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="ID")
    plan_parts, plan_ref = file_messages(plan, forward_id=forward_id, bundle_id=bundle_id, code="PLAN")
    submit = submit_payload(
        item_code=item.code,
        id_number=ID_NUMBER,
        files=[id_ref, plan_ref],
        forward_id=forward_id,
        bundle_id=bundle_id,
        **extra,
    )
    messages = [("forwarding.file_part", p) for p in id_parts + plan_parts]
    ordered = [*messages, ("forwarding.submit", submit)] if parts_first else [("forwarding.submit", submit), *messages]
    for type_, payload in ordered:
        post(client, origin, here=HERE, type=type_, payload=payload)
    return forward_id, bundle_id


def test_application_from_a_peer_is_registered_as_a_case_of_the_department(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a peer's application whose second file comes in two parts, the application sent before its files
    plan = big_pdf(300 * 1024)
    # when every message has arrived
    forward_id, _bundle = send_application(client, origin, item, plan=plan, parts_first=False)
    # then B holds one submitted case of the item's department, in the applicant's name, marked as forwarded
    link = ForwardedCase.objects.select_related("case").get(forward_id=forward_id)
    case = link.case
    assert (link.origin_region, link.mode, link.received_by_name) == ("110000", "proxy_receipt", "王窗口")
    assert case.status == CaseStatus.SUBMITTED and case.number and case.number.startswith(HERE)
    assert case.department_id == item.department_id and case.channel == CaseChannel.PROXY
    assert case.forwarded_from == "110000"  # every transition of this case tells the origin
    assert case.applicant.id_number == ID_NUMBER and case.identity_check == "id_card_reader"
    stored = {m.material.code: m for m in case.materials.select_related("material")}
    assert stored["PLAN"].size == len(plan) and stored["PLAN"].status == "uploaded"
    with open_stored(stored["ID"].file.name or "") as handle:
        assert handle.read() == PDF_BYTES
    # and the parts are gone, and the origin is told (status 1: submitted, with B's case number)
    assert not IncomingFilePart.objects.exists()
    [status] = outbox("forwarding.status")
    assert status.recipient_region == "110000"
    assert status.payload["seq"] == 1 and status.payload["status"] == "submitted"
    assert status.payload["case_number"] == case.number
    assert AuditEvent.objects.filter(stream=case.stream, action="case.forward_received").count() == 1


def test_every_state_change_is_told_to_the_origin_with_the_clock(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a registered forwarded case and a reviewer of the department
    forward_id, _ = send_application(client, origin, item)
    case = ForwardedCase.objects.get(forward_id=forward_id).case
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # when B accepts, reviews, approves and issues the result
    case = case_services.case_accept(case=case, actor=reviewer)
    case = case_services.case_start_review(case=case, actor=reviewer)
    case = case_services.case_approve(case=case, actor=reviewer)
    case = case_services.case_issue_result(case=case, actor=reviewer, result_number="津许字001")
    # then one status message per change, in sequence, carrying B's deadlines and result
    statuses = [m.payload for m in outbox("forwarding.status")]
    assert [s["seq"] for s in statuses] == [1, 2, 3, 4, 5]
    assert [s["status"] for s in statuses] == ["submitted", "accepted", "under_review", "approved", "result_issued"]
    assert statuses[1]["promised_due_date"] == str(case.promised_due_date)
    assert statuses[1]["legal_due_date"] == str(case.legal_due_date)
    assert statuses[-1]["result_number"] == "津许字001"


def test_correction_round_trip_and_delivery_close_the_case(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a forwarded case returned for correction of the plan
    forward_id, _ = send_application(client, origin, item)
    case = ForwardedCase.objects.get(forward_id=forward_id).case
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case_services.case_request_correction(case=case, actor=reviewer, materials=["PLAN"], note="平面图不清晰")
    [*_, correction] = outbox("forwarding.status")
    assert correction.payload["correction_materials"] == [{"code": "PLAN", "name": "场地平面图"}]
    assert correction.payload["correction_note"] == "平面图不清晰"
    # when the origin sends the corrected plan
    _, bundle_id = new_ids()
    better = big_pdf(2048)
    parts, ref = file_messages(better, forward_id=forward_id, bundle_id=bundle_id, code="PLAN")
    for part in parts:
        post(client, origin, here=HERE, type="forwarding.file_part", payload=part)
    resubmit = {"forward_id": forward_id, "bundle_id": bundle_id, "files": [ref], "note": "已补正"}
    post(client, origin, here=HERE, type="forwarding.resubmit", payload=resubmit)
    # then the case is submitted again with the new plan
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.materials.get(material__code="PLAN").size == len(better)
    # when B decides and issues, and the origin reports the delivery by post
    for step in (case_services.case_accept, case_services.case_start_review, case_services.case_approve):
        case = step(case=case, actor=reviewer)
    case_services.case_issue_result(case=case, actor=reviewer)
    delivered = {
        "forward_id": forward_id,
        "method": "post",
        "tracking_number": "SF123",
        "delivered_at": "2026-12-01T10:00:00+00:00",
        "delivered_by": "王窗口",
    }
    post(client, origin, here=HERE, type="forwarding.delivered", payload=delivered)
    # then the case is delivered and closed here too, and the origin is told both
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.tracking_number == "SF123"
    assert [m.payload["status"] for m in outbox("forwarding.status")][-2:] == ["delivered", "closed"]
    # and the same delivery reported again changes nothing
    again = post(client, origin, here=HERE, type="forwarding.delivered", payload=delivered)
    assert again.status == InboxStatus.HANDLED
    assert [m.payload["status"] for m in outbox("forwarding.status")][-1] == "closed"


def test_the_same_application_twice_registers_one_case(client: Client, origin: KeyedPeer, item: ServiceItem) -> None:
    # given an application and its files, each sent twice under new message ids
    forward_id, bundle_id = new_ids()
    parts, ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="ID")
    plan_parts, plan_ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="PLAN")
    submit = submit_payload(
        item_code=item.code, id_number=ID_NUMBER, files=[ref, plan_ref], forward_id=forward_id, bundle_id=bundle_id
    )
    for _round in range(2):
        for part in parts + plan_parts:
            post(client, origin, here=HERE, type="forwarding.file_part", payload=part)
        post(client, origin, here=HERE, type="forwarding.submit", payload=submit)
    # then one case, one status message
    assert Case.objects.filter(forwarded__forward_id=forward_id).count() == 1
    assert len(outbox("forwarding.status")) == 1


@pytest.mark.parametrize(
    ("type_", "payload", "field"),
    [
        ("forwarding.submit", {"forward_id": "not-a-uuid"}, "forward_id"),
        ("forwarding.file_part", {"forward_id": "00000000-0000-0000-0000-000000000001",
                                  "bundle_id": "00000000-0000-0000-0000-000000000002",
                                  "material_code": "ID", "part": 0, "parts": 1, "data": "%%%"}, "data"),
        ("forwarding.status", {"forward_id": "00000000-0000-0000-0000-000000000001", "seq": 0}, "seq"),
        ("forwarding.status", {"forward_id": "00000000-0000-0000-0000-000000000001", "seq": 1, "case_number": "x",
                               "action": "x", "status": "forwarding", "occurred_at": "2026-12-01T10:00:00+00:00"},
         "status"),
        ("forwarding.delivered", {"forward_id": "00000000-0000-0000-0000-000000000001", "method": "drone",
                                  "delivered_at": "2026-12-01T10:00:00+00:00"}, "method"),
    ],
)  # fmt: skip
def test_bad_payloads_are_refused_with_a_stable_code_and_nothing_written(
    client: Client, origin: KeyedPeer, type_: str, payload: dict[str, Any], field: str
) -> None:
    # when a message whose payload does not match its schema arrives
    message = post(client, origin, here=HERE, type=type_, payload=payload)
    # then its handler refuses it (kept as failed with the code) and nothing was written
    assert message.status == InboxStatus.FAILED and message.error_code == "invalid_payload"
    assert not IncomingBundle.objects.exists() and not Case.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_file_that_does_not_match_its_digest_is_refused_back_to_the_origin(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given an application whose manifest announces another SHA-256 for the plan
    forward_id, bundle_id = new_ids()
    parts, ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="ID")
    plan_parts, plan_ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="PLAN")
    plan_ref = {**plan_ref, "sha256": "0" * 64}
    for part in parts + plan_parts:
        post(client, origin, here=HERE, type="forwarding.file_part", payload=part)
    submit = submit_payload(
        item_code=item.code, id_number=ID_NUMBER, files=[ref, plan_ref], forward_id=forward_id, bundle_id=bundle_id
    )
    # when the application arrives
    post(client, origin, here=HERE, type="forwarding.submit", payload=submit)
    # then no case is registered, and the origin is told why
    assert not Case.objects.exists()
    [refused] = outbox("forwarding.refused")
    assert refused.payload["code"] == "file_digest_mismatch" and refused.payload["forward_id"] == forward_id
    assert not IncomingFilePart.objects.exists()


def test_an_item_not_open_to_other_regions_is_refused_back(client: Client, origin: KeyedPeer) -> None:
    # given an item that is not on the cross-region list
    item = make_item()
    # when a peer forwards an application for it
    send_application(client, origin, item)
    # then it is refused back with its code
    assert not ForwardedCase.objects.exists()
    assert outbox("forwarding.refused")[0].payload["code"] == "item_not_cross_region"


def test_another_peer_cannot_act_on_someone_elses_forwarded_case(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a case forwarded by one peer and returned for correction, and another pinned peer
    forward_id, _ = send_application(client, origin, item)
    case = ForwardedCase.objects.get(forward_id=forward_id).case
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case_services.case_request_correction(case=case, actor=reviewer, materials=["PLAN"])
    intruder = pinned_peer("130000")
    _, bundle_id = new_ids()
    parts, ref = file_messages(PDF_BYTES, forward_id=forward_id, bundle_id=bundle_id, code="PLAN")
    # when the other peer sends a correction, a file part and a delivery for that case
    messages = [
        post(client, intruder, here=HERE, type="forwarding.file_part", payload=parts[0]),
        post(
            client,
            intruder,
            here=HERE,
            type="forwarding.resubmit",
            payload={"forward_id": forward_id, "bundle_id": bundle_id, "files": [ref]},
        ),
        post(
            client,
            intruder,
            here=HERE,
            type="forwarding.delivered",
            payload={"forward_id": forward_id, "method": "window", "delivered_at": "2026-12-01T10:00:00+00:00"},
        ),
    ]
    # then each is refused as about an unknown case, and the case did not move
    assert [(m.status, m.error_code) for m in messages] == [(InboxStatus.FAILED, "forward_not_found")] * 3
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION_REQUESTED
    assert not IncomingBundle.objects.filter(origin_region="130000").exists()
    # and reusing the id for a new application is refused too
    _, other_bundle = new_ids()
    submit = submit_payload(
        item_code=item.code, id_number=ID_NUMBER, files=[], forward_id=forward_id, bundle_id=other_bundle
    )
    refused = post(client, intruder, here=HERE, type="forwarding.submit", payload=submit)
    assert (refused.status, refused.error_code) == (InboxStatus.FAILED, "forward_not_found")


def test_a_part_whose_data_is_not_base64_is_refused(client: Client, origin: KeyedPeer) -> None:
    forward_id, bundle_id = new_ids()
    payload = {
        "forward_id": forward_id,
        "bundle_id": bundle_id,
        "material_code": "ID",
        "part": 0,
        "parts": 1,
        "data": base64.b64encode(b"ok").decode() + "!",
    }
    message = post(client, origin, here=HERE, type="forwarding.file_part", payload=payload)
    assert message.error_code == "invalid_payload"


def test_b_cannot_deliver_a_case_received_at_the_origins_window(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a forwarded (proxy receipt) case whose result B issued
    forward_id, _ = send_application(client, origin, item)
    case = ForwardedCase.objects.get(forward_id=forward_id).case
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    for step in (case_services.case_accept, case_services.case_start_review, case_services.case_approve):
        case = step(case=case, actor=reviewer)
    case_services.case_issue_result(case=case, actor=reviewer)
    sent = len(outbox("forwarding.status"))
    # when B's reviewer tries to deliver it here
    with pytest.raises(ApplicationError) as caught:
        case_services.case_deliver(case=case, actor=reviewer)
    # then it is refused: the origin delivers; nothing moved and nothing was sent
    assert caught.value.code == "delivered_at_origin"
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_ISSUED and len(outbox("forwarding.status")) == sent


def test_reviewers_list_forwarded_cases_with_their_origin_over_the_api(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)

    # given a registered forwarded case, a reviewer of its department and one of another department
    forward_id, _ = send_application(client, origin, item)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    other = staff(make_item().department, StaffRoleKind.REVIEWER)
    # when each asks for the forwarded cases (by forwarding id)
    client.force_login(reviewer)
    mine = client.get(f"/api/v1/cross-region/forwarded?forward_id={forward_id}").json()
    client.force_login(other)
    theirs = client.get(f"/api/v1/cross-region/forwarded?forward_id={forward_id}").json()
    # then only the department's reviewer sees it, with the origin region and the clerk
    assert [(r["origin_region"], r["mode"], r["received_by"], r["status"]) for r in mine] == [
        ("110000", "proxy_receipt", "王窗口", "submitted")
    ]
    assert theirs == []


def test_a_case_applied_for_here_tells_nobody_and_a_forwarded_case_found_by_the_migration_does(
    client: Client, origin: KeyedPeer, item: ServiceItem
) -> None:
    # given a case applied for at this node and a forwarded one whose origin was not kept on the case
    # (a case registered before the field existed)
    applicant = resident()
    local = case_services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(local, applicant)
    forward_id, _bundle = send_application(client, origin, item, plan=big_pdf(1024), parts_first=True)
    forwarded = ForwardedCase.objects.get(forward_id=forward_id).case
    Case.objects.filter(pk=forwarded.pk).update(forwarded_from="")
    sent = len(outbox("forwarding.status"))
    # when the local case is submitted
    case_services.case_submit(case=local, actor=applicant)
    # then no status message goes anywhere, and the local case has no origin
    assert len(outbox("forwarding.status")) == sent
    assert Case.objects.get(pk=local.pk).forwarded_from == ""
    # when the migration's backfill runs
    migration = importlib.import_module("tongban.forwarding.migrations.0002_backfill_case_forwarded_from")
    migration.backfill(apps, None)
    # then the forwarded case knows its origin again and the local one still has none
    assert Case.objects.get(pk=forwarded.pk).forwarded_from == "110000"
    assert Case.objects.get(pk=local.pk).forwarded_from == ""
