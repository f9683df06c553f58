"""HTTP hardening: security headers on every answer, no inline script or style in any template or
page (the Content-Security-Policy allows none), HTTPS settings, and every download served through
``core.downloads`` (attachment, no-store, sandbox CSP)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

import tongban
import tongban.accounts.sessions
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.cases.tests.factories import make_item, submitted_case
from tongban.core.security import CONTENT_SECURITY_POLICY, DOWNLOAD_CONTENT_SECURITY_POLICY
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence

pytestmark = pytest.mark.django_db

SOURCE = Path(tongban.__file__).resolve().parent


def _client(user: Any = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def assert_page_headers(response: Any) -> None:
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/?q=社保",
        "/accounts/login/",
        "/admin/login/",
        "/no-such-page/",
        "/api/v1/ping",
        "/federation/v1/node",
    ],
)
def test_every_answer_carries_the_security_headers(url: str) -> None:
    response = _client().get(url)
    assert response.status_code in (200, 302, 404)
    assert_page_headers(response)


def test_pages_of_a_logged_in_resident_carry_no_inline_script() -> None:
    # given a resident and an item they can apply for
    item = make_item()
    client = _client(UserFactory.create())
    # when they open the application form and the home page
    for url in (reverse("cases:apply", args=[item.code]), "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_headers(response)
        html = response.content.decode()
        # then every script is loaded from a file, and no element has an event handler or a style
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"\son[a-z]+\s*=", html)
        assert not re.search(r"\sstyle\s*=", html)


def _templates() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("templates/**/*.html") if ".venv" not in p.parts)


def test_no_template_holds_inline_script_handlers_or_styles() -> None:
    templates = _templates()
    assert len(templates) > 50
    offences: list[str] = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag:
                offences.append(f"{path.relative_to(SOURCE)}: inline {tag}")
        for pattern, what in (
            (r"\son[a-z]+\s*=", "event handler attribute"),
            (r"\sstyle\s*=", "style attribute"),
            (r"<style\b", "style element"),
            (r"javascript:", "javascript: URL"),
        ):
            if re.search(pattern, text, flags=re.IGNORECASE):
                offences.append(f"{path.relative_to(SOURCE)}: {what}")
    assert offences == []


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_https_answers_carry_hsts() -> None:
    response = _client().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def _settings_with(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    code = (
        "import json, tongban.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    clean.update(env, TONGBAN_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)  # noqa: S603
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_tongban_https_turns_on_secure_cookies_hsts_and_the_redirect(tmp_path: Path) -> None:
    assert _settings_with({}, tmp_path) == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
    }
    assert _settings_with({"TONGBAN_HTTPS": "1"}, tmp_path) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
    }


# --- downloads -----------------------------------------------------------------------------------------


def assert_download(response: Any, *, filename_part: str) -> None:
    assert response.status_code == 200, response.content[:200] if hasattr(response, "content") else response
    assert response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"]
    assert filename_part in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == DOWNLOAD_CONTENT_SECURITY_POLICY == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_material_downloads_are_protected_in_the_pages_and_the_api(settings: Any, tmp_path: Path) -> None:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    case = submitted_case()
    row = case.materials.get(material__code="ID")
    client = _client(case.applicant)
    assert_download(client.get(reverse("cases:material", args=[case.pk, row.pk])), filename_part="a.pdf")
    assert_download(client.get(f"/api/v1/cases/{case.pk}/materials/ID/file"), filename_part="a.pdf")


def test_licence_downloads_are_protected_in_the_pages_and_the_api() -> None:
    holder = UserFactory.create()
    licence_type = LicenceTypeFactory.create()
    licence = make_licence(licence_type=licence_type, holder_id=holder.id_number)
    client = _client(holder)
    for url, name in (
        (f"/licences/mine/{licence.number}/pdf", f"{licence.number}.pdf"),
        (f"/licences/mine/{licence.number}/vc-jwt", f"{licence.number}.jwt"),
        (f"/api/v1/licences/{licence.number}/pdf", f"{licence.number}.pdf"),
        (f"/api/v1/licences/{licence.number}/vc-jwt", f"{licence.number}.jwt"),
    ):
        assert_download(client.get(url), filename_part=name)


def test_hotline_figures_csv_is_protected() -> None:
    from tongban.hotline.tests import factories as f

    line = f.line()
    assert_download(_client(line.agent).get("/hotline/figures/?format=csv"), filename_part="hotline-figures-")


def test_chinese_file_names_are_given_as_utf8() -> None:
    from tongban.core.downloads import content_disposition

    assert content_disposition("营业执照.pdf") == (
        "attachment; filename=\".pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
    )
    assert content_disposition('a"b;c\r\n.pdf') == 'attachment; filename="abc.pdf"'


def test_only_the_download_helper_writes_download_headers() -> None:
    # every view and API operation that sends a file goes through core.downloads
    offences = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "Content-Disposition" in text or re.search(r"\bFileResponse\(", text):
            offences.append(str(path.relative_to(SOURCE)))
    assert offences == []


def test_staff_roles_exist_for_the_downloads() -> None:
    # the reviewer of the case's department downloads the same protected file
    case = submitted_case()
    reviewer = StaffFactory.create(roles=[(case.department, StaffRoleKind.REVIEWER)])
    row = case.materials.get(material__code="ID")
    assert_download(_client(reviewer).get(reverse("cases:material", args=[case.pk, row.pk])), filename_part="a.pdf")
