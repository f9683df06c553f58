"""The pages and the API: catalog editing, requests and decisions, the data use record with an
objection that opens a 12345 ticket, the proof register, receipts for reviewers, anomalies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.core.models import AuditEvent
from tongban.hotline.models import Ticket
from tongban.sharing import services
from tongban.sharing.constants import AnomalyKind, ProofMode, RequestStatus, ResourceStatus
from tongban.sharing.contexts import AccessContext
from tongban.sharing.models import Anomaly, DataRequest, DataResource, Objection, ProofRequirement, VerificationTask
from tongban.sharing.tests.conftest import ZHANG_WEI, World, approve, publish
from tongban.sharing.tests.test_exchange import commitment_task

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "certificate_number", "baby_name", "birth_date", "mother_name", "father_name"]


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _zhang_wei() -> User:
    return UserFactory.create(kind=UserKind.RESIDENT, id_number=ZHANG_WEI, full_name="张伟")


def _a_read(world: World) -> services.ReadResult:
    task = commitment_task(world)
    return services.exchange_read(
        actor=world.reviewer,
        department=world.psb,
        resource_code="wj_csyxzm",
        subject_id=ZHANG_WEI,
        fields=["certificate_number", "baby_name"],
        purpose="licensing",
        context=AccessContext(kind="verification", id=task.number),
        keep_receipt=True,
    )


def test_staff_see_the_catalog_and_residents_do_not(world: World) -> None:
    publish(world, "wj_csyxzm")
    page = _client(world.reviewer).get("/sharing/")
    assert page.status_code == 200 and "出生医学证明" in page.content.decode()
    assert _client(_zhang_wei()).get("/sharing/").status_code == 404
    detail = _client(world.reviewer).get("/sharing/resources/wj_csyxzm/").content.decode()
    assert "不予共享" in detail and "出生医学证明管理信息系统" in detail


def test_a_data_administrator_edits_and_publishes_a_resource_in_the_page(world: World) -> None:
    client = _client(world.region_admin)
    form = {
        "code": "cl_cjrz",
        "name": "残疾人证信息",
        "provider_code": "civil",
        "subject_kind": "person",
        "update_frequency": "daily",
        "legal_basis": "《残疾人保障法》",
        "system_name": "残疾人人口基础数据库",
        "connector": "local",
        "rows": "2",
        "f0_name": "id_number",
        "f0_label": "公民身份号码",
        "f0_type": "id_number",
        "f0_sharing": "unconditional",
        "f1_name": "grade",
        "f1_label": "残疾等级",
        "f1_type": "text",
        "f1_sharing": "conditional",
    }
    # a bad form is shown again with the problems, in Chinese, and nothing is saved
    bad = client.post("/sharing/resources/new/", {**form, "f0_name": "Bad Name"})
    assert bad.status_code == 422 and "数据资源有不合规的内容" in bad.content.decode()
    assert not DataResource.objects.exists()
    done = client.post("/sharing/resources/new/", {**form, "publish": "1"})
    assert done.status_code == 302
    resource = DataResource.objects.get(code="cl_cjrz")
    assert resource.status == ResourceStatus.PUBLISHED and [f["name"] for f in resource.fields] == [
        "id_number",
        "grade",
    ]
    # a reviewer may not
    assert _client(world.reviewer).post("/sharing/resources/new/", {**form, "code": "x_y"}).status_code == 422


def test_requests_are_made_and_decided_in_the_pages(world: World) -> None:
    publish(world, "wj_csyxzm")
    today = timezone.localdate()
    made = _client(world.requester).post(
        "/sharing/requests/",
        {
            "resource_code": "wj_csyxzm",
            "requester_code": "psb",
            "fields_text": "id_number,baby_name,birth_date",
            "purposes": ["licensing"],
            "purpose_text": "出生登记",
            "legal_basis": "《户口登记条例》",
            "period_from": today.isoformat(),
            "period_to": (today + dt.timedelta(days=200)).isoformat(),
        },
    )
    assert made.status_code == 302
    req = DataRequest.objects.get()
    page = _client(world.provider_admin).get(f"/sharing/requests/{req.number}/").content.decode()
    assert "有条件同意" in page
    # a conditional approval without conditions is refused in the page, then made properly
    bad = _client(world.provider_admin).post(
        f"/sharing/requests/{req.number}/", {"action": "approve_with_conditions", "fields": req.fields}
    )
    assert bad.status_code == 422 and "请写明共享条件" in bad.content.decode()
    ok = _client(world.provider_admin).post(
        f"/sharing/requests/{req.number}/",
        {"action": "approve_with_conditions", "fields": ["id_number", "baby_name"], "masked_fields": ["baby_name"]},
    )
    assert ok.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.approved_fields, req.masked_fields) == (
        RequestStatus.CONDITIONAL,
        ["id_number", "baby_name"],
        ["baby_name"],
    )


def test_the_resident_sees_every_read_and_objects_with_one_click(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    result = _a_read(world)
    resident = _zhang_wei()
    client = _client(resident)
    page = client.get("/sharing/mine/").content.decode()
    assert world.psb.name in page and "出生医学证明" in page and "新生儿姓名" not in page
    assert "办理申请（行政许可、行政确认）" in page
    # the API shows the same
    api = client.get("/api/v1/sharing/mine/reads").json()
    assert [r["id"] for r in api] == [result.log_ref] and api[0]["fields"] == ["certificate_number", "baby_name"]
    # when they object
    answer = client.post(f"/sharing/mine/{result.log_ref}/objection/", {"reason": ""})
    assert answer.status_code == 302
    objection = Objection.objects.get()
    ticket = Ticket.objects.get(number=objection.ticket_number)
    assert ticket.external_id == f"sharing-read:{result.log_ref}" and "出生医学证明" in ticket.content
    assert AuditEvent.objects.filter(action="data_objection.raised").exists()
    # objecting twice, or to someone else's read, is refused
    again = client.post(
        f"/api/v1/sharing/mine/reads/{result.log_ref}/objection", json.dumps({}), content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_objected"
    other = _client(UserFactory.create(kind=UserKind.RESIDENT))
    stranger = other.post(
        f"/api/v1/sharing/mine/reads/{result.log_ref}/objection", json.dumps({}), content_type="application/json"
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "read_not_found"
    assert Objection.objects.count() == 1


def test_the_reviewer_sees_the_fetched_data_with_its_source_time_and_signature(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    receipt = _a_read(world).receipt
    assert receipt is not None
    check = services.receipt_check(receipt=receipt)
    assert check.valid and check.signer_region == "120000"
    page = _client(world.reviewer).get(f"/sharing/receipts/{receipt.number}/").content.decode()
    assert "张一诺" in page and "签名有效" in page and world.health.name in page
    assert AuditEvent.objects.filter(action="data_receipt.viewed", object_id=receipt.number).exists()
    # someone outside the reading department does not see it
    assert _client(world.region_admin).get(f"/sharing/receipts/{receipt.number}/").status_code == 404
    # a receipt whose data was changed no longer verifies
    receipt.data = {**receipt.data, "baby_name": "张二诺"}
    assert not services.receipt_check(receipt=receipt).valid


def test_the_proof_register_is_public(world: World) -> None:
    ProofRequirement.objects.create(
        region_id="120000",
        code="dszm",
        name="未婚（单身）证明",
        issuer="村（居）委会",
        legal_basis="国办发〔2018〕47号",
        mode=ProofMode.CANCELLED,
        item_codes=["内地居民结婚登记"],
    )
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/sharing/proofs/").content.decode()
    assert "未婚（单身）证明" in page and "取消" in page


def test_the_api_refuses_a_read_without_a_context_and_logs_it(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    client = _client(world.reviewer)
    body = {"resource_code": "wj_csyxzm", "subject_id": ZHANG_WEI, "purpose": "licensing", "department_code": "psb"}
    refused = client.post("/api/v1/sharing/reads", json.dumps(body), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "context_required"
    task = commitment_task(world)
    ok = client.post(
        "/api/v1/sharing/reads",
        json.dumps({**body, "context_kind": "verification", "context_id": task.number, "fields": ["baby_name"]}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["data"] == {"baby_name": "张一诺"}
    listed = client.get("/api/v1/sharing/resources").json()
    assert [r["code"] for r in listed] == ["wj_csyxzm"]
    assert "/api/v1/sharing/reads" in Client().get("/api/v1/openapi.json").content.decode()


def test_supervisors_see_anomalies(world: World, records: None, settings: object) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    task = commitment_task(world)
    for _ in range(3):
        services.exchange_read(
            actor=world.reviewer,
            department=world.psb,
            resource_code="wj_csyxzm",
            subject_id=ZHANG_WEI,
            fields=["baby_name"],
            purpose="licensing",
            context=AccessContext(kind="verification", id=task.number),
        )
    # the task disappears afterwards (as an abandoned draft would): its reads have no context any more
    VerificationTask.objects.filter(pk=task.pk).delete()
    settings.TONGBAN_SHARING_SPIKE_READS_PER_HOUR = 2  # type: ignore[attr-defined]
    found = services.anomalies_scan(since=timezone.now() - dt.timedelta(hours=2))
    kinds = sorted({a.kind for a in found})
    assert kinds == [AnomalyKind.NO_MATCHING_CONTEXT, AnomalyKind.VOLUME_SPIKE]
    assert services.anomalies_scan(since=timezone.now() - dt.timedelta(hours=2)) == []  # kept once
    supervisor = StaffFactory.create(roles=[(world.gsa, StaffRoleKind.SUPERVISOR)])
    page = _client(supervisor).get("/sharing/anomalies/").content.decode()
    assert "单一用户查询量异常" in page
    assert _client(world.reviewer).get("/sharing/anomalies/").status_code == 404
    assert Anomaly.objects.count() == len(found)


def test_a_commitment_is_checked_and_concluded_in_the_page(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS, purposes=["commitment_check"])
    task = commitment_task(world)
    client = _client(world.reviewer)
    page = client.get("/sharing/verifications/").content.decode()
    assert task.number in page and "通过共享交换核查" in page
    checked = client.post("/sharing/verifications/", {"task": task.number, "action": "check"}).content.decode()
    assert "张一诺" in checked and "新生儿姓名" in checked
    # concluding without an outcome is refused; with one, the task is closed through the kernel
    refused = client.post("/sharing/verifications/", {"task": task.number, "action": "confirm", "outcome": ""})
    assert refused.status_code == 422 and "请填写理由" in refused.content.decode()
    done = client.post(
        "/sharing/verifications/", {"task": task.number, "action": "confirm", "outcome": "与出生医学证明一致"}
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "confirmed" and task.receipt_number
    assert AuditEvent.objects.filter(stream=f"verification:{task.number}", action="verification.confirm").exists()
