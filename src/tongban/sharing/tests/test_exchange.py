"""Reads through the exchange: purpose, context, approval, fields, masks, and the hash-chained log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tongban.sharing import selectors, services, store
from tongban.sharing.constants import AccessResult, ProofMode
from tongban.sharing.contexts import AccessContext
from tongban.sharing.errors import SharingRefused
from tongban.sharing.models import AccessLogEntry, DataReceipt, ProofRequirement, VerificationTask
from tongban.sharing.tests.conftest import SUN_LI, ZHANG_WEI, World, approve, publish

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "certificate_number", "baby_name", "birth_date", "mother_name", "father_name"]


def commitment_task(world: World, subject: str = ZHANG_WEI) -> VerificationTask:
    proof, _ = ProofRequirement.objects.get_or_create(
        region_id="120000",
        code="csyxzm",
        name="出生医学证明",
        issuer="助产机构",
        legal_basis="《母婴保健法》",
        mode=ProofMode.COMMITMENT,
        resource_code="wj_csyxzm",
        verify_fields=["certificate_number", "baby_name"],
    )
    return services.verification_open(
        actor=world.reviewer,
        proof=proof,
        subject_id=subject,
        subject_name="张伟",
        department=world.psb,
        origin_kind="case",
        origin_id="TEST-1",
    )


def _read(world: World, task: VerificationTask | None, **overrides: Any) -> services.ReadResult:
    values: dict[str, Any] = {
        "actor": world.reviewer,
        "department": world.psb,
        "resource_code": "wj_csyxzm",
        "subject_id": ZHANG_WEI,
        "fields": ["certificate_number", "baby_name", "mother_name"],
        "purpose": "licensing",
        "context": AccessContext(kind="verification", id=task.number) if task else None,
    }
    values.update(overrides)
    return services.exchange_read(**values)


def _refused(world: World, task: VerificationTask | None, **overrides: Any) -> SharingRefused | Any:
    before = AccessLogEntry.objects.count()
    with pytest.raises(Exception) as refused:
        _read(world, task, **overrides)
    assert AccessLogEntry.objects.count() == before + 1  # every refusal is logged
    return refused.value


def test_a_read_returns_only_approved_fields_masked_as_approved_and_is_logged(world: World, records: None) -> None:
    # given an approval with a masked field and a verification task about 张伟
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS, masked=["mother_name"])
    task = commitment_task(world)
    # when the reviewer reads 张伟's birth certificate for the task
    result = _read(world, task, keep_receipt=True)
    # then the approved fields come back, the mother's name masked, and the read is in the log
    assert result.found
    assert result.data == {"certificate_number": "Q120012345", "baby_name": "张一诺", "mother_name": "孙*"}
    assert result.labels["baby_name"] == "新生儿姓名"
    entry = AccessLogEntry.objects.get(lane=result.log_lane, seq=result.log_seq)
    assert (entry.result, entry.subject_id, entry.purpose, entry.context_kind, entry.context_id) == (
        AccessResult.OK,
        ZHANG_WEI,
        "licensing",
        "verification",
        task.number,
    )
    assert entry.field_list == ["certificate_number", "baby_name", "mother_name"]
    assert entry.department_label == world.psb.name and entry.approval_number.startswith("SQ-120000-")
    # and the receipt keeps the data with its signature
    receipt = result.receipt
    assert receipt is not None and receipt.data == result.data and receipt.token.count(".") == 2
    assert selectors.receipts_for_context(kind="verification", context_id=task.number).get() == receipt


def test_no_record_is_a_logged_answer_not_an_error(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    task = commitment_task(world, subject="120116199501080243")  # 李娜 has no child
    assert task.subject_id == "120116199501080243"
    result = _read(world, task, subject_id=task.subject_id)
    assert not result.found and result.data == {}
    assert AccessLogEntry.objects.get(lane=result.log_lane, seq=result.log_seq).result == AccessResult.NO_RECORD


def test_each_bad_read_is_refused_with_its_code_and_logged(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approval = approve(world, "wj_csyxzm", ["id_number", "certificate_number", "baby_name", "mother_name"])
    task = commitment_task(world)
    assert _refused(world, task, purpose="").code == "purpose_required"
    assert _refused(world, None).code == "context_required"
    assert _refused(world, task, context=AccessContext(kind="case", id="X")).code == "unknown_context_kind"
    assert _refused(world, task, context=AccessContext(kind="verification", id="HC-NOPE")).code == "context_not_found"
    assert _refused(world, task, subject_id=SUN_LI).code == "subject_not_covered"
    assert _refused(world, task, subject_id="120101198511200132").code == "subject_invalid"
    assert _refused(world, task, fields=["baby_name", "father_name"]).code == "fields_not_approved"
    assert _refused(world, task, purpose="benefit").code == "purpose_not_approved"
    assert _refused(world, task, actor=world.provider_admin, department=world.health).code == "subject_not_covered"
    assert _refused(world, task, resource_code="nope").code == "resource_not_found"
    # a revoked approval, then none at all
    services.request_revoke(actor=world.provider_admin, request=approval, reason="停止共享")
    assert _refused(world, task).code == "approval_revoked"
    refusals = AccessLogEntry.objects.filter(result=AccessResult.REFUSED)
    assert set(refusals.values_list("error_code", flat=True)) >= {
        "purpose_required",
        "approval_revoked",
        "fields_not_approved",
    }
    assert not DataReceipt.objects.exists()
    # and the refusals' messages are in Chinese
    assert str(_refused(world, None).message) == "读取数据须说明用途所在的办理事项（办件、工单、核查任务或待遇核定）。"


def test_an_expired_approval_is_refused(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approval = approve(world, "wj_csyxzm", FIELDS, period_to=timezone.localdate() + dt.timedelta(days=3))
    task = commitment_task(world)
    services.approvals_expire(today=timezone.localdate() + dt.timedelta(days=10))
    approval.refresh_from_db()
    assert approval.status == "expired"
    assert _refused(world, task).code == "approval_expired"


def test_the_log_is_a_verifiable_chain_and_tampering_is_found(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    task = commitment_task(world)
    for _ in range(3):
        _read(world, task)
    _refused(world, task, purpose="")
    checked, problems = store.verify()
    assert (checked, problems) == (4, [])
    assert store.verify_python() == (4, [])
    # when someone edits an entry behind the application's back
    entry = AccessLogEntry.objects.filter(result=AccessResult.OK).order_by("seq").first()
    assert entry is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sharing_accesslogentry SET purpose = 'supervision' WHERE id = %s", [entry.pk])
    # then the chain check names it
    checked, problems = store.verify()
    assert [(p.seq, p.problem) for p in problems] == [(entry.seq, "content does not match its hash")]
    # and a removed last entry is found at the head
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sharing_accesslogentry SET purpose = 'licensing' WHERE id = %s", [entry.pk])
        cursor.execute("DELETE FROM sharing_accesslogentry WHERE id = (SELECT max(id) FROM sharing_accesslogentry)")
    assert [p.problem for p in store.verify()[1]] == ["entries are missing at the end of the chain"]


def test_the_log_cannot_be_changed_through_the_orm(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    result = _read(world, commitment_task(world))
    entry = AccessLogEntry.objects.get(lane=result.log_lane, seq=result.log_seq)
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_a_verification_task_is_concluded_through_the_kernel(world: World, records: None) -> None:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS, purposes=["commitment_check"])
    task = commitment_task(world)
    result = services.verification_check(actor=world.reviewer, task=task)
    assert result.data == {"certificate_number": "Q120012345", "baby_name": "张一诺"}
    done = services.verification_conclude(actor=world.reviewer, task=task, confirmed=True, outcome="与出生医学证明一致")
    assert done.status == "confirmed" and done.receipt_number == result.receipt.number  # type: ignore[union-attr]
    # a closed task is no longer a context for reads
    assert _refused(world, task, purpose="commitment_check").code == "subject_not_covered"
