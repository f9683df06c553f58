"""In a real browser: a resident applies online with uploads; a reviewer accepts, reviews and approves;
the resident sees the approval on the timeline. The pages pass axe-core without serious violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases.constants import CaseStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _regions() -> None:
    """An earlier transactional test's flush may have removed the shipped regions; load them again."""
    from tongban.web.tests.factories import ensure_regions

    ensure_regions()


def log_in(page: Any, live_server: Any, user: User, *, elderly: bool = False) -> None:
    """Inject a real Django session cookie for ``user`` into the browser (instead of typing the OTP login)."""
    import tongban.accounts.sessions  # noqa: F401  (registers the login-time stamp before force_login)

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    if elderly:
        cookies.append({"name": "tongban_elderly", "value": "1", "url": live_server.url})
    page.context.add_cookies(cookies)


def test_resident_applies_and_reviewer_approves(page: Any, live_server: Any, axe_serious: Any, tmp_path: Path) -> None:
    # given a published item with two materials, a resident and a reviewer of its department
    item = make_item()
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF_BYTES)
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF_BYTES)

    # when the resident opens the apply page
    log_in(page, live_server, applicant)
    page.goto(f"/cases/apply/{item.code}/")
    # then the form is prefilled from the profile and the page has no serious accessibility problem
    assert page.input_value("#id_f-applicant_name") == applicant.full_name
    assert axe_serious(page) == []

    # when they attach both materials and submit
    page.fill("#id_f-reason", "新开店铺")
    page.set_input_files("#file-ID", str(scan))
    page.set_input_files("#file-PLAN", str(plan))
    page.click("button[value=submit]")

    # then the receipt shows the case number
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number").strip()
    case = Case.objects.get(applicant=applicant)
    assert number == case.number
    assert case.status == CaseStatus.SUBMITTED

    # when the reviewer of the department opens the case, accepts it, starts the review and approves
    log_in(page, live_server, reviewer)
    page.goto(f"/cases/{case.pk}/")
    page.click("#do-accept")
    page.wait_for_selector("#do-start_review")
    page.click("#do-start_review")
    page.click("#action-approve summary")
    page.fill("#id_approve-reason", "材料齐全，符合条件")
    page.click("#action-approve button[type=submit]")
    page.wait_for_selector(".messages")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED

    # then the resident sees the approval in the status and on the timeline
    log_in(page, live_server, applicant)
    page.goto(f"/cases/{case.pk}/")
    assert page.inner_text("#case-status").strip() == "已批准"
    timeline = page.inner_text("#timeline")
    for step in ("申请已提交", "已受理", "开始审查", "批准"):
        assert step in timeline
    assert "材料齐全，符合条件" in timeline
    assert axe_serious(page) == []


def test_case_pages_pass_axe_in_elderly_mode(page: Any, live_server: Any, axe_serious: Any) -> None:
    # given a resident in elderly-friendly mode
    item = make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。")
    applicant = resident()
    log_in(page, live_server, applicant, elderly=True)
    # when they open the apply page and submit without the materials
    page.goto(f"/cases/apply/{item.code}/")
    assert "elderly" in (page.get_attribute("body", "class") or "")
    assert axe_serious(page) == []
    page.click("button[value=submit]")
    # then the error is announced and names the missing materials, still without serious violations
    page.wait_for_selector("#form-errors")
    assert "身份证" in page.inner_text("#form-errors")
    assert axe_serious(page) == []
    # and the case list is accessible too
    page.goto("/cases/mine/")
    assert axe_serious(page) == []
