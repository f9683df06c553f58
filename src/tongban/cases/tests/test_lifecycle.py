from __future__ import annotations

import pytest
from django.core.management import call_command

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification
from tongban.cases import services
from tongban.cases.constants import CaseStatus
from tongban.cases.tests.factories import make_item, resident, staff, submitted_case, upload_all
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_full_lifecycle_records_every_step_and_notifies_the_applicant() -> None:
    # given a published item, a resident and a reviewer of the item's department
    item = make_item()
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # when the resident drafts, uploads and submits
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    case = services.case_submit(case=case, actor=applicant)
    assert case.number and case.number.startswith("120000-")
    # and the department accepts, reviews, approves, issues, delivers and closes
    case = services.case_accept(case=case, actor=reviewer)
    assert case.promised_due_date is not None and case.legal_due_date is not None
    case = services.case_start_review(case=case, actor=reviewer)
    case = services.case_approve(case=case, actor=reviewer)
    case = services.case_issue_result(case=case, actor=reviewer, result_number="津许〔2026〕1号")
    case = services.case_deliver(case=case, actor=reviewer)
    case = services.case_close(case=case, actor=reviewer)
    # then the case is closed and its audit chain holds every step
    assert case.status == CaseStatus.CLOSED
    actions = list(AuditEvent.objects.filter(stream=case.stream).order_by("seq").values_list("action", flat=True))
    assert actions == [
        "case.created",
        "case.material_uploaded",
        "case.material_uploaded",
        "case.submit",
        "case.accept",
        "case.start_review",
        "case.approve",
        "case.issue_result",
        "case.deliver",
        "case.close",
    ]
    assert Notification.objects.filter(user=applicant).count() == 7
    call_command("audit", "verify", "--stream", case.stream)


def test_numbers_are_unique_and_sequential() -> None:
    item = make_item()
    a = submitted_case(item)
    b = submitted_case(item)
    assert a.number and b.number and a.number != b.number
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1
