"""Credit (信用): classes from rules kept as data, red and black lists with periods, credit checked at
acceptance (告知承诺 and 容缺 refused to 失信 subjects), and credit repair."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import services as cases
from tongban.cases.constants import CaseStatus
from tongban.cases.tests.factories import make_item, resident, staff, upload_all
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_uscc
from tongban.core.models import AuditEvent
from tongban.regions.models import Department
from tongban.supervision import credit
from tongban.supervision.constants import CreditClass, CreditKind, CreditSeverity
from tongban.supervision.models import CreditRecord, CreditRule

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _record(user: User, department: Department, *, severity: str = CreditSeverity.MINOR, **kw: Any) -> CreditRecord:
    return CreditRecord.objects.create(
        subject=user,
        department=department,
        kind=CreditKind.FALSE_COMMITMENT,
        severity=severity,
        reason="承诺不实",
        valid_until=kw.pop("valid_until", credit.record_validity(severity)),
        **kw,
    )


def _black(user: User, head: User, department: Department, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "actor": head,
        "department": department,
        "kind": "black",
        "name": user.get_full_name() or user.username,
        "reason": "虚假承诺被撤销许可",
        "legal_basis": "《优化营商环境条例》第六十七条",
        "valid_from": TODAY - dt.timedelta(days=10),
        "valid_until": TODAY + dt.timedelta(days=355),
        "subject": user,
    }
    args.update(kw)
    return credit.credit_list_add(**args)


@pytest.fixture
def item() -> Any:
    return make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。", gap_acceptance_allowed=True)


@pytest.fixture
def head(item: Any) -> User:
    return staff(item.department, StaffRoleKind.DEPARTMENT_HEAD)


def test_the_class_follows_records_and_lists_in_force(item: Any, head: User) -> None:
    person = resident()
    dept = item.department
    # nothing on file: ordinary
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    # a red list entry and nothing against: trustworthy
    red = _black(person, head, dept, kind="red", reason="纳税信用A级")
    assert credit.credit_standing(user=person).credit_class == CreditClass.TRUSTED
    # one minor record: ordinary again; an expired one does not count
    _record(person, dept, valid_until=TODAY - dt.timedelta(days=1))
    assert credit.credit_standing(user=person).credit_class == CreditClass.TRUSTED
    _record(person, dept)
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    # a serious record: untrustworthy
    serious = _record(person, dept, severity=CreditSeverity.SERIOUS)
    standing = credit.credit_standing(user=person)
    assert standing.credit_class == CreditClass.UNTRUSTED and standing.facts["serious"] == 1
    # repaired, it no longer counts
    serious.repaired_at = timezone.now()
    serious.save(update_fields=["repaired_at"])
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    # a black list entry in force: untrustworthy; one whose period ended does not count
    red.removed_at = timezone.now()
    red.save(update_fields=["removed_at"])
    _black(person, head, dept, valid_from=TODAY - dt.timedelta(days=400), valid_until=TODAY - dt.timedelta(days=35))
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    _black(person, head, dept)
    assert credit.credit_standing(user=person).credit_class == CreditClass.UNTRUSTED


def test_an_enterprise_is_classed_by_its_credit_code(item: Any, head: User) -> None:
    uscc = make_uscc("120000", 77)
    _black(resident(), head, item.department, subject=None, uscc=uscc, name="天津某某商贸有限公司")
    assert credit.credit_standing(uscc=uscc).untrusted
    assert not credit.credit_standing(uscc=make_uscc("120000", 78)).untrusted


def test_the_rules_are_data_and_a_broken_rule_is_refused(item: Any) -> None:
    person = resident()
    _record(person, item.department)
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    # when an administrator makes one record enough for 失信
    CreditRule.objects.all().delete()
    CreditRule.objects.create(credit_class=CreditClass.UNTRUSTED, expression=credit.check_rule("records >= 1"))
    # then the same person is untrustworthy
    assert credit.credit_standing(user=person).untrusted
    for broken in ("records >=", "records + 1", "", "x" * 501, "unknown_fact > 1"):
        with pytest.raises(ApplicationError) as refused:
            credit.check_rule(broken)
        assert refused.value.code == "invalid_credit_rule"


def test_untrustworthy_applicants_get_neither_commitment_nor_gaps(item: Any, head: User) -> None:
    # given a 失信 applicant with a draft of an item that allows both
    applicant = resident()
    _black(applicant, head, item.department)
    draft = cases.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "钱七"})
    # when they sign the commitment, it is refused and the draft stays a draft
    with pytest.raises(ApplicationError) as refused:
        cases.case_sign_commitment(case=draft, actor=applicant, agreed=True)
    assert refused.value.code == "credit_restricted" and "失信" in str(refused.value.message)
    draft.refresh_from_db()
    assert draft.status == CaseStatus.DRAFT and draft.commitment_signed_at is None
    # when they submit with a material missing, acceptance with gaps is refused too
    upload_all(draft, applicant, codes=("ID",))
    case = cases.case_submit(case=draft, actor=applicant)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    with pytest.raises(ApplicationError) as refused:
        cases.case_accept_with_gaps(case=case, actor=reviewer, gap_materials=["PLAN"])
    assert refused.value.code == "credit_restricted"
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_ordinary_applicants_still_sign_commitments(item: Any) -> None:
    applicant = resident()
    draft = cases.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "孙八"})
    assert cases.case_sign_commitment(case=draft, actor=applicant, agreed=True).status == CaseStatus.APPROVED


def test_credit_repair_is_asked_by_the_subject_and_decided_by_the_department(item: Any, head: User) -> None:
    person = resident()
    record = _record(person, item.department, severity=CreditSeverity.SERIOUS)
    assert credit.credit_standing(user=person).untrusted
    # someone else cannot ask for it
    with pytest.raises(ApplicationError) as refused:
        credit.credit_repair_request(actor=resident(), record=record, reason="已整改")
    assert refused.value.code == "credit_record_not_found"
    request = credit.credit_repair_request(actor=person, record=record, reason="已补交真实材料并整改完毕")
    with pytest.raises(ApplicationError) as pending:
        credit.credit_repair_request(actor=person, record=record, reason="再次申请")
    assert pending.value.code == "repair_pending"
    # a reviewer cannot decide; the head approves with a note
    with pytest.raises(ApplicationError) as forbidden:
        credit.credit_repair_decide(
            actor=staff(item.department, StaffRoleKind.REVIEWER), request=request, approve=True, note="同意"
        )
    assert forbidden.value.code == "credit_repair_forbidden"
    decided = credit.credit_repair_decide(actor=head, request=request, approve=True, note="整改到位，同意修复")
    assert decided.status == "approved"
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
    with pytest.raises(ApplicationError) as twice:
        credit.credit_repair_decide(actor=head, request=request, approve=False, note="重复")
    assert twice.value.code == "invalid_transition"
    actions = list(AuditEvent.objects.filter(stream=request.stream).values_list("action", flat=True))
    assert actions == ["credit_repair.submitted", "credit_repair.approve"]


def test_bad_list_entries_are_refused_and_nothing_is_listed(item: Any, head: User) -> None:
    person = resident()
    cases_: dict[str, dict[str, Any]] = {
        "invalid_period": {"valid_until": TODAY - dt.timedelta(days=30)},
        "credit_subject_required": {"subject": None, "uscc": ""},
        "invalid_credit_list": {"kind": "grey"},
        "invalid_uscc": {"subject": None, "uscc": "12345"},
        "legal_basis_required": {"legal_basis": "  "},
        "credit_list_forbidden": {"actor": staff(item.department, StaffRoleKind.REVIEWER)},
    }
    for code, overrides in cases_.items():
        with pytest.raises(ApplicationError) as refused:
            _black(person, head, item.department, **overrides)
        assert refused.value.code == code
    assert credit.credit_standing(user=person).credit_class == CreditClass.ORDINARY
