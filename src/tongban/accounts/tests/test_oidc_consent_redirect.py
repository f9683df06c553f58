"""The authorization endpoint: redirect URIs match exactly, consent is remembered only on request."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.models import OidcConsent
from tongban.accounts.tests.factories import UserFactory
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db
Application = get_application_model()
LOOPBACK = "http://127.0.0.1:8123/cb"


@pytest.fixture
def app() -> Any:
    return Application.objects.create(
        name="不动产登记系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{LOOPBACK} https://bdc.example.gov.cn/cb",
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secrets.token_urlsafe(32),
        hash_client_secret=True,
    )


def _hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the consent form (name → value)."""
    form = html[html.index('id="authorizationForm"') :]
    form = form[: form.index("</form>")]
    return {
        m.group(1): unescape(m.group(2) or "")
        for m in re.finditer(r'<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?', form)
    }


def _params(app: Any, redirect: str, **extra: str) -> dict[str, str]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(secrets.token_bytes(32)).digest()).rstrip(b"=").decode()
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect,
        "scope": "openid profile",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def _browser() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(UserFactory.create(phone="13800009999"))
    return client


@pytest.mark.parametrize(
    "redirect",
    ["http://127.0.0.1:9999/cb", "http://127.0.0.1/cb", "http://[::1]:8123/cb", "https://bdc.example.gov.cn/cb/"],
)
def test_a_redirect_uri_that_is_not_registered_exactly_is_refused(app: Any, redirect: str) -> None:
    # when the authorization asks for another port of the registered loopback URI (or a near miss)
    response = _browser().get("/o/authorize/?" + urlencode(_params(app, redirect)))
    # then it is refused at Tongban and never redirected there
    assert response.status_code == 400
    assert "Location" not in response


def test_the_registered_uris_are_accepted(app: Any) -> None:
    for redirect in (LOOPBACK, "https://bdc.example.gov.cn/cb"):
        response = _browser().get("/o/authorize/?" + urlencode(_params(app, redirect)))
        assert response.status_code == 200 and 'id="authorize-remember"' in response.content.decode()


def _consent(browser: Client, app: Any, *, remember: bool) -> str:
    page = browser.get("/o/authorize/?" + urlencode(_params(app, LOOPBACK)))
    assert page.status_code == 200
    fields = _hidden_fields(page.content.decode())
    data = {**fields, "allow": "1", **({"remember": "1"} if remember else {})}
    response = browser.post("/o/authorize/", data)
    assert response.status_code == 302 and "code" in parse_qs(urlparse(response["Location"]).query)
    return str(response["Location"])


def test_consent_is_asked_again_unless_the_user_chose_to_remember_it(app: Any) -> None:
    # given a resident who consented once without ticking "remember"
    browser = _browser()
    _consent(browser, app, remember=False)
    # when the client asks again, even with approval_prompt=auto
    again = browser.get("/o/authorize/?" + urlencode(_params(app, LOOPBACK, approval_prompt="auto")))
    # then the consent page is shown again
    assert again.status_code == 200 and 'id="authorizationForm"' in again.content.decode()
    assert not OidcConsent.objects.exists()
    # when the resident consents and ticks "remember"
    _consent(browser, app, remember=True)
    assert AuditEvent.objects.filter(action="accounts.oidc_consent_remembered").count() == 1
    # then the next authorization for those scopes goes straight back to the client
    skipped = browser.get("/o/authorize/?" + urlencode(_params(app, LOOPBACK)))
    assert skipped.status_code == 302 and skipped["Location"].startswith(LOOPBACK)
    # but not for more scopes, and not when the client asks for consent explicitly
    wider = browser.get("/o/authorize/?" + urlencode(_params(app, LOOPBACK, scope="openid profile phone")))
    assert wider.status_code == 200
    forced = browser.get("/o/authorize/?" + urlencode(_params(app, LOOPBACK, prompt="consent")))
    assert forced.status_code == 200
