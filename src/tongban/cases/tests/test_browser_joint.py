"""In a real browser: a resident submits a draft of a transfer item as a joint case (多地联办) and sees one case
with both steps; the reviewer sees the step marked in the workbench and records the transfer certificate.
The pages pass axe-core without serious violations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.cases import services
from tongban.cases.joint.constants import MSG_OPEN
from tongban.cases.joint.models import JointCase, JointStep
from tongban.cases.tests.factories import staff
from tongban.cases.tests.test_browser_apply import log_in
from tongban.cases.tests.test_joint import (
    CERTIFICATE,
    PEER,
    applicant_user,
    draft,
    joint_item,
    open_message,
    post,
)
from tongban.federation import services as federation_services
from tongban.federation.tests.factories import KeyedPeer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    from tongban.web.tests.factories import ensure_regions

    ensure_regions()
    settings.TONGBAN_REGION = "120000"
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0


@pytest.fixture
def peer() -> KeyedPeer:
    keyed = KeyedPeer(region=PEER)
    federation_services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def test_resident_submits_a_joint_case_and_the_reviewer_handles_the_transfer_out(
    page: Any, live_server: Any, axe_serious: Any, peer: KeyedPeer, client: Client
) -> None:
    item = joint_item()
    # given a resident's draft of the joint pension transfer item at Tianjin
    applicant = applicant_user()
    case = draft(item, applicant)
    # when they open the case page, choose Beijing as the region they leave and submit it as a joint case
    log_in(page, live_server, applicant)
    page.goto(f"/cases/{case.pk}/")
    assert axe_serious(page) == []
    page.select_option("#joint-role", "incoming")
    page.select_option("#joint-region", PEER)
    page.click("#joint-submit")
    # then the page shows one case with the transfer-out step requested from Beijing and this step submitted
    page.wait_for_selector("#joint-steps")
    assert page.inner_text("#joint-steps tr[data-step=outgoing]").count("北京市") == 1
    assert "已提交" in page.inner_text("#joint-steps tr[data-step=incoming]")
    assert page.locator("#joint-timeline li").count() == 1
    assert axe_serious(page) == []
    assert JointCase.objects.get().steps.get(role="incoming").case_id == case.pk

    # given a transfer-out step Beijing asked this node to open, accepted by the department
    message = open_message()
    post(client, peer, MSG_OPEN, message)
    step_case = JointStep.objects.get(joint__joint_id=message["joint_id"], role="outgoing").case
    assert step_case is not None
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    services.case_accept(case=step_case, actor=reviewer)
    # when the reviewer opens the review queue
    log_in(page, live_server, reviewer)
    page.goto("/cases/work/?queue=review")
    # then the case is marked as the transfer-out step of a joint case
    assert "多地联办" in page.inner_text("[data-joint-step=outgoing]")
    # when they open it and record the 参保缴费凭证
    page.goto(f"/cases/{step_case.pk}/")
    assert axe_serious(page) == []
    for name, value in CERTIFICATE.items():
        page.fill(f"#cert-{name}", value)
    page.click("#joint-certificate-save")
    # then the certificate is shown on the case page and kept on the step
    page.wait_for_selector("#joint-certificate")
    assert "JF-2026-000123" in page.inner_text("#joint-certificate")
    assert JointStep.objects.get(case=step_case).certificate["fund_transferred"] == "61234.00"
