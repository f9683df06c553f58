"""The cases API over real HTTP requests (Django's test client): flows, refusals, other people's ids."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, department, make_item, resident, staff, submitted_case

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{BASE}{path}", body or {}, content_type="application/json")


def test_resident_applies_and_reviewer_approves_over_http() -> None:
    item = make_item()
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    me, rv = _client(applicant), _client(reviewer)
    # draft
    r = _post(me, "/drafts", {"item_code": item.code, "form_data": {"applicant_name": "张三"}})
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    # submit before uploading: refused with a stable code
    r = _post(me, f"/{case_id}/submit")
    assert r.status_code == 422 and r.json()["code"] == "materials_missing"
    # upload a wrong type, then real PDFs
    r = me.post(f"{BASE}/{case_id}/materials/ID", {"file": _file(b"MZ\x90\x00 not a pdf", "id.pdf")})
    assert r.status_code == 415 and r.json()["code"] == "upload_type_not_allowed"
    for code in ("ID", "PLAN"):
        r = me.post(f"{BASE}/{case_id}/materials/{code}", {"file": _file(PDF_BYTES, f"{code}.pdf")})
        assert r.status_code == 200, r.content
        assert r.json()["content_type"] == "application/pdf"
    r = _post(me, f"/{case_id}/submit")
    assert r.status_code == 200 and r.json()["number"]
    # the applicant cannot accept; the reviewer can
    assert _post(me, f"/{case_id}/accept").status_code == 403
    for step in ("accept", "start-review"):
        assert _post(rv, f"/{case_id}/{step}").status_code == 200
    r = _post(rv, f"/{case_id}/deny", {"reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    assert _post(rv, f"/{case_id}/approve", {"note": "符合条件"}).json()["status"] == "approved"
    assert _post(rv, f"/{case_id}/issue-result", {"result_number": "津审批〔2026〕8号"}).status_code == 200
    assert _post(rv, f"/{case_id}/deliver", {}).status_code == 200
    assert _post(rv, f"/{case_id}/close").json()["status"] == "closed"
    assert _post(rv, f"/{case_id}/close").json()["code"] == "invalid_transition"
    # the applicant reads the timeline and rates the service
    timeline = me.get(f"{BASE}/{case_id}/timeline").json()
    assert [e["action"] for e in timeline][-1] == "case.close"
    assert all(e["action"] != "case.viewed" for e in timeline)
    r = _post(me, f"/{case_id}/rating", {"stars": 1, "tags": ["slow"], "text": "太慢"})
    assert r.status_code == 201 and r.json()["rectification_due"]
    assert _post(me, f"/{case_id}/rating", {"stars": 5}).json()["code"] == "already_rated"
    # the reviewer's read of the case is audited and visible in the staff timeline
    assert rv.get(f"{BASE}/{case_id}?reason=复核").status_code == 200
    assert any(e["action"] == "case.viewed" for e in rv.get(f"{BASE}/{case_id}/timeline").json())
    # the reviewer finds it in the search and the applicant's file download works
    assert [c["id"] for c in rv.get(f"{BASE}/search", {"q": "张"}).json()] == [case_id]
    r = me.get(f"{BASE}/{case_id}/materials/ID/file")
    assert r.status_code == 200 and r.getvalue().startswith(b"%PDF")


def _file(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_other_peoples_ids_are_refused() -> None:
    item = make_item()
    case = submitted_case(item)
    stranger = _client(resident())
    other_dept = _client(staff(department(), StaffRoleKind.REVIEWER))
    clerk = _client(staff(department("CK9"), StaffRoleKind.WINDOW_CLERK))
    for client in (stranger, other_dept, clerk):
        for path in ("", "/timeline", "/rating", "/materials/ID/file"):
            r = client.get(f"{BASE}/{case.pk}{path}")
            assert r.status_code == 404 and r.json()["code"] == "case_not_found", (path, r.content)
        for action in ("accept", "withdraw", "submit"):
            r = _post(client, f"/{case.pk}/{action}")
            assert r.status_code == 404 and r.json()["code"] == "case_not_found"
        assert client.get(f"{BASE}/").json() == []
    supervisor = _client(staff(department("DCB9"), StaffRoleKind.SUPERVISOR))
    assert supervisor.get(f"{BASE}/{case.pk}").status_code == 200
    r = _post(supervisor, f"/{case.pk}/accept")
    assert r.status_code == 403 and r.json()["code"] == "read_only"


def test_anonymous_requests_are_refused() -> None:
    case = submitted_case()
    r = Client().get(f"{BASE}/{case.pk}")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_queue_filters_and_window_acceptance() -> None:
    item = make_item()
    clerk = staff(department("ZH"), StaffRoleKind.WINDOW_CLERK)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    r = _post(
        _client(clerk),
        "/window",
        {
            "id_number": "110101199003074477",
            "full_name": "孙七",
            "item_code": item.code,
            "form_data": {"applicant_name": "孙七"},
            "identity_check_method": "manual",
            "accept": False,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "submitted" and r.json()["received_by"] == clerk.username
    queue = _client(reviewer).get(f"{BASE}/queue", {"department": item.department_id}).json()
    assert [c["id"] for c in queue] == [r.json()["id"]]
    assert _client(reviewer).get(f"{BASE}/queue", {"due": "bogus"}).json()["code"] == "invalid_due_filter"
    assert _client(reviewer).get(f"{BASE}/queue", {"due": "overdue"}).json() == []
    bad = _post(_client(clerk), "/window", {"id_number": "123", "item_code": item.code, "identity_check_method": "x"})
    assert bad.status_code == 422
    assert Case.objects.count() == 1


def test_nul_characters_and_huge_ids_are_4xx() -> None:
    item = make_item()
    me = _client(resident())
    r = _post(me, "/drafts", {"item_code": item.code, "form_data": {"applicant_name": "a\x00b"}})
    assert r.status_code == 422
    assert me.get(f"{BASE}/{2**63}").status_code == 422
    assert me.get(f"{BASE}/{2**63 - 1}").status_code == 404


def test_bearer_tokens_work_for_writes_and_sessions_still_need_csrf() -> None:
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    # given a department system holding an access token for a resident, and a browser session
    item = make_item()
    applicant = resident()
    get_access_token_model().objects.create(
        user=applicant, token="tok-cases-1", expires=timezone.now() + dt.timedelta(hours=1), scope="openid"
    )
    system = Client(enforce_csrf_checks=True)
    # when the system posts with its bearer token (no cookie, no CSRF token)
    r = system.post(
        f"{BASE}/drafts",
        {"item_code": item.code, "form_data": {"applicant_name": "张三"}},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer tok-cases-1",
    )
    # then the draft is created in the resident's name
    assert r.status_code == 201, r.content
    assert Case.objects.get(pk=r.json()["id"]).applicant == applicant
    # and a browser session posting without the CSRF token is still refused
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(applicant)
    r = browser.post(f"{BASE}/drafts", {"item_code": item.code}, content_type="application/json")
    assert r.status_code == 403
    # and a wrong token is not a login
    r = system.post(
        f"{BASE}/drafts", {"item_code": item.code}, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert r.status_code == 401
