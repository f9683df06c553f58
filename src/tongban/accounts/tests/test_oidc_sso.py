"""A department's own system logs its users in through Tongban (单点登录).

The test plays the relying party over real HTTP against the live server: it registers an
application, sends the browser (an httpx client with a cookie jar) to /o/authorize with PKCE,
logs in with password and the one-time code read from the notification log, consents,
exchanges the code at /o/token/, verifies the ID token's RS256 signature with the JWKS
published by the server, checks the claims and calls /o/userinfo/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_application_model

from tongban.accounts.models import User
from tongban.accounts.tests.factories import EnterpriseMemberFactory, UserFactory
from tongban.accounts.tests.helpers import last_code
from tongban.core.models import AuditEvent

PASSWORD = "correct-horse-battery"
REDIRECT = "https://gjj.example.gov.cn/oidc/callback"
Application = get_application_model()


class _Form(HTMLParser):
    """Collects the fields of the form with the given id (or of all forms)."""

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = form_id is None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if tag == "input" and self.inside and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.form_id is not None:
            self.inside = False


def hidden_fields(html: str, form_id: str | None = None) -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(html)
    return parser.fields


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.fixture
def rp_app(transactional_db: Any, regions_loaded: None) -> tuple[Any, str]:
    """The department system, registered as a confidential client signing ID tokens with RS256."""
    secret = secrets.token_urlsafe(32)
    app = Application.objects.create(
        name="公积金中心业务系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,
        hash_client_secret=True,
    )
    return app, secret


class Browser:
    """The resident's browser: one cookie jar, redirects followed by hand so each hop is checked."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(
            base_url=base, follow_redirects=False, timeout=20, headers={"Accept-Language": "zh-hans"}
        )

    def login(self, user: User, log: Path, *, next_url: str) -> httpx.Response:
        r = self.http.get("/accounts/login/", params={"next": next_url})
        assert r.status_code == 200 and "登录" in r.text
        r = self.http.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": self.http.cookies["csrftoken"],
                "username": user.username,
                "password": PASSWORD,
                "next": next_url,
            },
            headers={"Referer": f"{self.http.base_url}/accounts/login/"},
        )
        assert r.status_code == 302 and r.headers["location"] == "/accounts/login/code/", r.text[:2000]
        r = self.http.get("/accounts/login/code/")
        assert r.status_code == 200 and "138****" in r.text
        r = self.http.post(
            "/accounts/login/code/",
            data={"csrfmiddlewaretoken": self.http.cookies["csrftoken"], "code": last_code(log, user_id=user.pk)},
            headers={"Referer": f"{self.http.base_url}/accounts/login/code/"},
        )
        assert r.status_code == 302, r.text[:2000]
        return r

    def authorize(self, params: dict[str, str], user: User, log: Path) -> str:
        """Runs the authorization request through login and consent; returns the redirect to the RP."""
        url = "/o/authorize/?" + urlencode(params)
        r = self.http.get(url)
        assert r.status_code == 302 and r.headers["location"].startswith("/accounts/login/?next=")
        r = self.login(user, log, next_url=url)
        assert r.headers["location"] == url
        r = self.http.get(url)
        assert r.status_code == 200, r.text[:2000]
        assert "公积金中心业务系统" in r.text and "同意" in r.text  # the consent page, in Chinese
        fields = hidden_fields(r.text, "authorizationForm")
        assert fields["redirect_uri"] == params["redirect_uri"] and fields["code_challenge"] == params["code_challenge"]
        r = self.http.post(
            "/o/authorize/",
            data={**fields, "allow": "1"},
            headers={"Referer": f"{self.http.base_url}{url}"},
        )
        assert r.status_code == 302, r.text[:2000]
        location: str = r.headers["location"]
        return location


def _token(base: str, app: Any, secret: str, **form: str) -> httpx.Response:
    return httpx.post(
        f"{base}/o/token/",
        data={"grant_type": "authorization_code", "redirect_uri": REDIRECT, **form},
        auth=(app.client_id, secret),
        timeout=20,
    )


def _auth_params(app: Any, challenge: str, *, state: str, nonce: str, redirect: str = REDIRECT) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


@pytest.mark.django_db(transaction=True)
def test_department_system_logs_a_resident_in_through_tongban(
    live_server: Any, rp_app: tuple[Any, str], notify_log: Path
) -> None:
    app, secret = rp_app
    base = live_server.url
    # given a resident who is the legal representative of an enterprise
    user = UserFactory.create(phone="13812345678")
    member = EnterpriseMemberFactory.create(user=user)
    verifier, challenge = _pkce()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)

    # when the department system sends the resident to Tongban and the resident logs in and consents
    browser = Browser(base)
    location = browser.authorize(_auth_params(app, challenge, state=state, nonce=nonce), user, notify_log)

    # then the resident comes back to the registered redirect URI with a code and the same state
    back = urlparse(location)
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    query = parse_qs(back.query)
    assert query["state"] == [state]
    code = query["code"][0]

    # when the department system exchanges the code with its PKCE verifier
    r = _token(base, app, secret, code=code, code_verifier=verifier)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and "id_token" in tokens

    # then the ID token verifies against the keys Tongban publishes, found through discovery
    discovery = httpx.get(f"{base}/.well-known/openid-configuration", timeout=20).json()
    assert discovery == httpx.get(f"{base}/o/.well-known/openid-configuration", timeout=20).json()
    assert discovery["jwks_uri"].endswith("/o/.well-known/jwks.json")
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    jwks = jwk.JWKSet.from_json(httpx.get(discovery["jwks_uri"], timeout=20).text)
    header = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and jwks.get_key(header["kid"]) is not None
    verified = jwt.JWT(jwt=tokens["id_token"], key=jwks, algs=["RS256"], expected_type="JWS")
    claims = json.loads(verified.claims)
    assert claims["iss"] == discovery["issuer"]
    assert claims["aud"] == app.client_id
    assert claims["exp"] > time.time() > claims["iat"] - 5
    assert claims["nonce"] == nonce
    # and it carries who this is: kind, home region, name, a masked ID number, the enterprises
    assert claims["kind"] == "resident"
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["region"] == "120000"
    assert claims["name"] == user.full_name
    assert claims["id_number_masked"] == user.id_number[:6] + "********" + user.id_number[-4:]
    assert user.id_number not in json.dumps(claims)
    assert claims["enterprises"] == [
        {"uscc": member.enterprise.uscc, "name": member.enterprise.name, "role": "legal_representative"}
    ]
    assert claims["sub"] != str(user.pk) and len(claims["sub"]) == 40

    # and a token signed with another key is refused by the same check
    forged = jwt.JWT(header={"alg": "RS256", "kid": header["kid"]}, claims=claims)
    forged.make_signed_token(jwk.JWK.generate(kty="RSA", size=2048))
    with pytest.raises(Exception):  # noqa: B017 - jwcrypto raises its own signature error
        jwt.JWT(jwt=forged.serialize(), key=jwks, algs=["RS256"], expected_type="JWS")

    # when the department system calls userinfo with the access token
    r = httpx.get(f"{base}/o/userinfo/", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=20)
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["sub"] == claims["sub"] and info["kind"] == "resident" and info["region"] == "120000"

    # and the same bearer token works on Tongban's own API, for this user only
    r = httpx.get(
        f"{base}/api/v1/accounts/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=20
    )
    assert r.status_code == 200 and r.json()["username"] == user.username
    r = httpx.get(f"{base}/api/v1/accounts/me", headers={"Authorization": "Bearer not-a-token"}, timeout=20)
    assert r.status_code == 401

    # when the code is presented a second time, then it is refused
    r = _token(base, app, secret, code=code, code_verifier=verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

    # and the login was audited (password step, code sent, login)
    actions = set(AuditEvent.objects.filter(stream=f"user:{user.pk}").values_list("action", flat=True))
    assert {"accounts.otp_sent", "accounts.login_succeeded"} <= actions


@pytest.mark.django_db(transaction=True)
def test_wrong_verifier_and_wrong_redirect_are_refused(
    live_server: Any, rp_app: tuple[Any, str], notify_log: Path
) -> None:
    app, secret = rp_app
    base = live_server.url
    user = UserFactory.create(phone="13812345679")
    _verifier, challenge = _pkce()
    browser = Browser(base)
    location = browser.authorize(_auth_params(app, challenge, state="s1", nonce="n1"), user, notify_log)
    code = parse_qs(urlparse(location).query)["code"][0]

    # a wrong PKCE verifier is refused
    r = _token(base, app, secret, code=code, code_verifier=_pkce()[0])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

    # the second authorization skips consent (already granted) but still needs PKCE
    verifier2, challenge2 = _pkce()
    params = _auth_params(app, challenge2, state="s2", nonce="n2")
    r = browser.http.get("/o/authorize/?" + urlencode(params))
    if r.status_code == 200:  # consent again
        fields = hidden_fields(r.text, "authorizationForm")
        r = browser.http.post("/o/authorize/", data={**fields, "allow": "1"})
    assert r.status_code == 302
    code2 = parse_qs(urlparse(r.headers["location"]).query)["code"][0]
    # a redirect URI at the token endpoint that differs from the authorization request is refused
    r = httpx.post(
        f"{base}/o/token/",
        data={
            "grant_type": "authorization_code",
            "code": code2,
            "code_verifier": verifier2,
            "redirect_uri": "https://evil.example.com/callback",
        },
        auth=(app.client_id, secret),
        timeout=20,
    )
    assert r.status_code == 400 and r.json()["error"] in {"invalid_request", "invalid_grant"}

    # an unregistered redirect URI is refused at Tongban, never redirected to
    _v3, challenge3 = _pkce()
    r = browser.http.get(
        "/o/authorize/?"
        + urlencode(_auth_params(app, challenge3, state="s3", nonce="n3", redirect="https://evil.example.com/cb"))
    )
    assert r.status_code == 400
    assert "evil.example.com" not in r.headers.get("location", "")
    # and an authorization request without PKCE is refused too
    no_pkce = _auth_params(app, challenge3, state="s4", nonce="n4")
    del no_pkce["code_challenge"], no_pkce["code_challenge_method"]
    r = browser.http.get("/o/authorize/?" + urlencode(no_pkce))
    assert r.status_code == 302
    assert parse_qs(urlparse(r.headers["location"]).query)["error"] == ["invalid_request"]
