"""Every answer of the API and of the federation endpoints is the one JSON error shape
(``{"code", "message"}``, a stable code and a Chinese message); HTML pages answer with Chinese
error pages. Sizes and depths are bounded before parsing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.tests.factories import UserFactory
from tongban.cases.tests.factories import make_item, resident

pytestmark = pytest.mark.django_db

CHINESE = "zh-hans"


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_contract(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one JSON shape: status, stable code, a Chinese message; nothing else but ``details``."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body: dict[str, Any] = json.loads(response.content)
    assert body["code"] == code, body
    assert _has_chinese(body["message"]), body
    assert set(body) <= {"code", "message", "details"}, body
    return body


def assert_chinese_page(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    html: str = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert _has_chinese(html)
    return html


def logged_in(user: Any, **extra: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=CHINESE, **extra)
    client.force_login(user)
    return client


# --- the API ------------------------------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_refused_in_the_contract() -> None:
    # given a logged-in resident whose client enforces CSRF like a browser
    client = logged_in(resident(), enforce_csrf_checks=True)
    # when a draft is posted without the token
    response = client.post("/api/v1/cases/drafts", {"item_code": "x"}, content_type="application/json")
    # then it is a 403 in the contract, not English
    assert_contract(response, 403, "csrf_failed")


def test_an_unparsable_json_body_is_refused_in_the_contract() -> None:
    client = logged_in(resident())
    response = client.post("/api/v1/cases/drafts", "{not json", content_type="application/json")
    assert_contract(response, 400, "malformed_json")


def test_a_deeply_nested_json_body_is_refused_before_it_is_parsed() -> None:
    client = logged_in(resident())
    response = client.post("/api/v1/cases/drafts", "[" * 100_000, content_type="application/json")
    assert_contract(response, 400, "json_too_deep")


def test_an_oversized_json_body_is_refused_with_413() -> None:
    client = logged_in(resident())
    body = json.dumps({"item_code": "x", "form_data": {"text": "字" * (3 * 1024 * 1024)}})
    response = client.post("/api/v1/cases/drafts", body, content_type="application/json")
    assert_contract(response, 413, "request_too_large")


def test_an_upload_with_an_overlong_file_name_is_answered_in_the_contract(settings: Any, tmp_path: Any) -> None:
    # given a draft of a resident
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    applicant = resident()
    client = logged_in(applicant)
    item = make_item()
    draft = client.post("/api/v1/cases/drafts", {"item_code": item.code}, content_type="application/json").json()
    # when a file larger than Django keeps in memory is uploaded under a name whose extension alone
    # has more UTF-8 bytes than a file name on disk may have (Django measures names in characters)
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = "申请书." + "材" * 84
    upload = SimpleUploadedFile(name, b"%PDF-1.4 " + b"0" * (3 * 1024 * 1024))
    response = client.post(f"/api/v1/cases/{draft['id']}/materials/ID", {"file": upload})
    # then the answer is in the contract (the content is refused, not the server broken)
    assert response.status_code < 500, response.content[:300]
    assert _has_chinese(response.json().get("message", "")), response.content[:300]
    assert _has_chinese(response.json()["message"])


def test_an_unknown_api_path_is_a_json_404() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=CHINESE).get("/api/v1/no-such-thing")
    assert_contract(response, 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=CHINESE).delete("/api/v1/ping")
    assert_contract(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/v1/catalog/items?page=99999999999999999999999", "invalid_page"),
        ("/api/v1/catalog/items?page=9223372036854775807", "invalid_page"),
        ("/api/v1/catalog/items?page_size=99999999999999999999999", "invalid_page_size"),
        ("/api/v1/joint-cases/?offset=99999999999999999999999", "validation_error"),
    ],
)
def test_huge_page_numbers_and_offsets_are_validation_errors(url: str, code: str) -> None:
    client = logged_in(resident())
    response = client.get(url)
    assert_contract(response, 422, code)


class _Boom(Exception):
    pass


def _explode(request: HttpRequest) -> HttpResponse:
    raise _Boom("a bug")


urlpatterns = [
    path("api/v1/test-explode", _explode),
    path("test-explode/", _explode),
    path("", include("tongban.urls")),
]
handler400 = "tongban.web.errors.bad_request"
handler403 = "tongban.web.errors.permission_denied"
handler404 = "tongban.web.errors.page_not_found"
handler500 = "tongban.web.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_a_json_500_in_the_api_and_a_chinese_page_elsewhere() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=CHINESE, raise_request_exception=False)
    assert_contract(client.get("/api/v1/test-explode"), 500, "server_error")
    html = assert_chinese_page(client.get("/test-explode/"), 500)
    assert "a bug" not in html and "Traceback" not in html


def test_the_root_urlconf_names_the_chinese_error_handlers() -> None:
    import tongban.urls

    assert tongban.urls.handler400 == handler400
    assert tongban.urls.handler403 == handler403
    assert tongban.urls.handler404 == handler404
    assert tongban.urls.handler500 == handler500


# --- HTML pages --------------------------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_gets_a_chinese_page() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=CHINESE, enforce_csrf_checks=True)
    html = assert_chinese_page(client.post("/elderly-mode/", {"on": "1"}), 403)
    assert "CSRF verification failed" not in html


def test_an_oversized_form_gets_a_chinese_413_page() -> None:
    client = logged_in(UserFactory.create())
    html = assert_chinese_page(client.post("/elderly-mode/", {"on": "1", "x": "y" * (3 * 1024 * 1024)}), 413)
    assert "Bad Request" not in html


def test_a_page_that_is_not_found_is_chinese() -> None:
    assert_chinese_page(Client(HTTP_ACCEPT_LANGUAGE=CHINESE).get("/no-such-page/"), 404)
