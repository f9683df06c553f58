"""Rectification follow-up through the API: the department reports, the region's supervisor accepts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import services
from tongban.cases.tests.factories import department, make_item, resident, staff, submitted_case
from tongban.supervision.services import rating_create

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/supervision{path}", body, content_type="application/json")


@pytest.fixture
def bad_rating(settings: Any, tmp_path: Any) -> tuple[int, User, User]:
    settings.TONGBAN_FILES_DIR = tmp_path
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = submitted_case(item)
    case = services.case_accept(case=case, actor=reviewer)
    case = services.case_start_review(case=case, actor=reviewer)
    for step in (services.case_approve, services.case_issue_result, services.case_deliver, services.case_close):
        case = step(case=case, actor=reviewer)
    rating = rating_create(case=case, actor=case.applicant, stars=1, tags=["unfriendly"], text="态度差")
    return rating.rectification.pk, reviewer, staff(department("DCB"), StaffRoleKind.SUPERVISOR)


def test_department_and_supervisor_follow_up(bad_rating: tuple[int, User, User]) -> None:
    task_id, reviewer, supervisor = bad_rating
    dept, sup = _client(reviewer), _client(supervisor)
    # both see the task; the stranger and another department do not
    assert [t["id"] for t in dept.get("/api/v1/supervision/rectifications").json()] == [task_id]
    assert [t["id"] for t in sup.get("/api/v1/supervision/rectifications").json()] == [task_id]
    for outsider in (resident(), staff(department(), StaffRoleKind.REVIEWER)):
        client = _client(outsider)
        assert client.get("/api/v1/supervision/rectifications").json() == []
        r = _post(client, f"/rectifications/{task_id}/transition", {"action": "start"})
        assert r.status_code == 404 and r.json()["code"] == "rectification_not_found"
    # the supervisor cannot report for the department; the department cannot close its own task
    assert _post(sup, f"/rectifications/{task_id}/transition", {"action": "report", "note": "x"}).status_code == 403
    r = _post(dept, f"/rectifications/{task_id}/transition", {"action": "report", "note": ""})
    assert r.status_code == 422 and r.json()["code"] == "report_required"
    r = _post(dept, f"/rectifications/{task_id}/transition", {"action": "report", "note": "已约谈窗口人员并整改"})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert _post(dept, f"/rectifications/{task_id}/transition", {"action": "accept"}).status_code == 403
    r = _post(sup, f"/rectifications/{task_id}/transition", {"action": "accept", "note": "整改到位"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = _post(sup, f"/rectifications/{task_id}/transition", {"action": "return", "note": "再查"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
