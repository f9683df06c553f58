"""Cross-region login (ADR 0015), in one process: the provider side's registration endpoint, the
ID-token checks with real RSA signatures, the callback's state handling and the local account.

The whole redirect dance between two real nodes is in ``test_federated_login_multinode.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import time
import uuid
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.jwk import RSAKey
from oauth2_provider.models import get_application_model

from tongban.accounts.models import FederatedIdentity, HomeRegionClient, PeerLoginClient, User
from tongban.accounts.scopes import TongbanScopes
from tongban.accounts.tests.factories import UserFactory
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.federation import services as federation_services
from tongban.federation import signing
from tongban.federation.tests.factories import KeyedPeer
from tongban.homelogin import federated_login
from tongban.homelogin.federated_login import FederatedLoginError

pytestmark = pytest.mark.django_db

HERE = "110000"
HOME = "120000"
REGISTER_URL = "/federation/v1/oidc-clients"
Application = get_application_model()


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_BASE_URL = "http://127.0.0.1:8001"
    settings.TONGBAN_FEDERATION_SKEW_SECONDS = 60
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    settings.TONGBAN_FEDERATION_TIMEOUT = 1


# ---------------------------------------------------------------- provider side: registration by statement


@pytest.fixture
def peer(db: Any) -> KeyedPeer:
    """Another node (a key pair the test holds), pinned here through a trust bundle."""
    keyed = KeyedPeer(region=HOME, base_url="http://127.0.0.1:8002")
    federation_services.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def statement(peer: KeyedPeer, *, sent: dt.datetime | None = None, key: Any = None, **body: Any) -> str:
    data = {
        "id": str(uuid.uuid4()),
        "sender": peer.region,
        "recipient": HERE,
        "sent": (sent or timezone.now()).isoformat(),
        "redirect_uri": f"{peer.base_url}/accounts/login/region/{HERE}/callback/",
        **body,
    }
    header = {"alg": "Ed25519", "typ": federated_login.REGISTRATION_TYP, "kid": peer.kid}
    return jws.serialize_compact(header, json.dumps(data).encode(), key or peer.key, algorithms=["Ed25519"])


def register(client: Client, token: str) -> Any:
    return client.post(
        REGISTER_URL, data=token.encode(), content_type="application/jose", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


def own_key(kid: str) -> dict[str, Any]:
    return next(k for k in signing.own_bundle()["peers"][0]["keys"] if k["kid"] == kid)


def test_a_peer_registers_itself_as_a_client_with_a_signed_statement(client: Client, peer: KeyedPeer) -> None:
    # given a registration statement signed by a pinned peer
    token = statement(peer)
    # when it is posted to the registration endpoint
    response = register(client, token)
    # then a confidential RS256 client exists for that peer, with its redirect URI under the peer's base URL
    assert response.status_code == 201, response.content
    registered = PeerLoginClient.objects.get(region_code=HOME)
    app = registered.application
    assert app.client_type == Application.CLIENT_CONFIDENTIAL and app.algorithm == Application.RS256_ALGORITHM
    assert app.redirect_uris == f"{peer.base_url}/accounts/login/region/{HERE}/callback/"
    assert not app.skip_authorization  # the resident sees what is released and consents
    # and the answer is signed by this node's key and carries the client, the issuer and the ID-token keys
    header, _ = signing.read_unverified(response.content.decode())
    answer = signing.verify(response.content.decode(), own_key(header["kid"]))
    assert header["typ"] == federated_login.CLIENT_TYP
    assert answer["recipient"] == HOME and answer["sender"] == HERE
    assert answer["request_id"] == signing.read_unverified(token)[1]["id"]
    assert answer["client_id"] == app.client_id
    assert check_password(answer["client_secret"], app.client_secret)  # only the hash is stored
    assert answer["issuer"] == "http://127.0.0.1:8001/o"
    assert answer["token_endpoint"] == "http://127.0.0.1:8001/o/token/"
    assert answer["jwks"]["keys"][0]["kty"] == "RSA"
    # and the registration is audited
    assert AuditEvent.objects.filter(action="accounts.peer_login_client_registered", actor_role=f"peer:{HOME}").exists()


def test_a_newer_statement_rekeys_and_a_replayed_one_is_refused(client: Client, peer: KeyedPeer) -> None:
    # given a first registration
    first = statement(peer, sent=timezone.now() - dt.timedelta(seconds=5))
    assert register(client, first).status_code == 201
    app_id = PeerLoginClient.objects.get(region_code=HOME).application_id
    old_secret = Application.objects.get(pk=app_id).client_secret
    # when the same statement is replayed
    replay = register(client, first)
    # then it is refused and nothing changes
    assert (replay.status_code, replay.json()["code"]) == (409, "registration_replayed")
    assert replay.json()["message"] == "该注册声明不比上次接受的更新。"
    assert Application.objects.get(pk=app_id).client_secret == old_secret
    # when a newer statement comes
    assert register(client, statement(peer)).status_code == 201
    # then the same client gets a new secret (one client per peer)
    assert Application.objects.count() == 1 and PeerLoginClient.objects.get(region_code=HOME).application_id == app_id
    assert Application.objects.get(pk=app_id).client_secret != old_secret


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        # a node this node does not trust (not a peer)
        (lambda p: statement(KeyedPeer(region="130000")), 403, "unknown_sender"),
        # the peer's key id, another key: forged
        (lambda p: statement(p, key=KeyedPeer(region=HOME).key), 401, "bad_signature"),
        # a redirect URI on another host
        (lambda p: statement(p, redirect_uri="https://evil.example.com/cb"), 422, "redirect_uri_not_on_peer"),
        # addressed to another node
        (lambda p: statement(p, recipient="130000"), 421, "misaddressed"),
        # an old statement
        (lambda p: statement(p, sent=timezone.now() - dt.timedelta(hours=1)), 400, "message_too_old"),
        # not a JWS at all
        (lambda p: "not-a-token", 400, "unsigned"),
    ],
)
def test_bad_registration_statements_are_refused_and_create_nothing(
    client: Client, peer: KeyedPeer, make: Any, status: int, code: str
) -> None:
    # when a bad statement is posted
    response = register(client, make(peer))
    # then it is refused with its code and a Chinese message, and no client is created
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
    assert not Application.objects.exists() and not PeerLoginClient.objects.exists()


def test_only_peer_clients_may_ask_for_the_full_id_number(client: Client, peer: KeyedPeer) -> None:
    # given a department system and a peer node, both clients here
    department = Application.objects.create(
        name="公积金中心",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://gjj.example.gov.cn/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    assert register(client, statement(peer)).status_code == 201
    peer_app = PeerLoginClient.objects.get(region_code=HOME).application
    # then the scope id_number is available to the peer node only
    scopes = TongbanScopes()
    assert "id_number" in scopes.get_available_scopes(application=peer_app)
    assert "id_number" not in scopes.get_available_scopes(application=department)
    assert "profile" in scopes.get_available_scopes(application=department)


# ---------------------------------------------------------------- relying-party side: the ID token


@pytest.fixture
def provider_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "home-key"})


@pytest.fixture
def home_client(db: Any, provider_key: RSAKey) -> HomeRegionClient:
    public = {**provider_key.as_dict(private=False), "alg": "RS256", "use": "sig", "kid": "home-key"}
    return HomeRegionClient.objects.create(
        region_code=HOME,
        issuer="http://127.0.0.1:8002/o",
        client_id="client-at-home",
        client_secret="s3cret",
        redirect_uri=f"http://127.0.0.1:8001/accounts/login/region/{HOME}/callback/",
        authorization_endpoint="http://127.0.0.1:8002/o/authorize/",
        token_endpoint="http://127.0.0.1:8002/o/token/",
        jwks_uri="http://127.0.0.1:9/o/.well-known/jwks.json",
        jwks={"keys": [public]},
        registered_at=timezone.now(),
    )


def id_token(key: RSAKey, *, kid: str = "home-key", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": "http://127.0.0.1:8002/o",
        "aud": "client-at-home",
        "sub": "pairwise-subject-1",
        "iat": now,
        "exp": now + 3600,
        "nonce": "the-nonce",
        "kind": "resident",
        "name": "张伟",
        "id_number": make_resident_id("120101", dt.date(1985, 11, 20), 13),
        **overrides,
    }
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key, algorithms=["RS256"])


def test_a_good_id_token_verifies(home_client: HomeRegionClient, provider_key: RSAKey) -> None:
    claims = federated_login.id_token_verify(token=id_token(provider_key), client=home_client, nonce="the-nonce")
    assert claims["sub"] == "pairwise-subject-1" and claims["kind"] == "resident"


def _signed_with_escapes(key: RSAKey, **overrides: Any) -> str:
    """An ID token whose JSON carries ``\\uXXXX`` escapes (as any JSON encoder may write them)."""
    from joserfc import jws

    body = json.loads(base64.urlsafe_b64decode(id_token(key).split(".")[1] + "=="))
    body.update(overrides)
    return jws.serialize_compact({"alg": "RS256", "kid": "home-key"}, json.dumps(body).encode(), key)


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    import base64

    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["id_number"] = make_resident_id("110105", dt.date(1970, 1, 1), 1)
    altered = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    return f"{header}.{altered}.{signature}"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        # the provider's real signature over an altered body
        (lambda k: _tampered(id_token(k)), "id_token_invalid"),
        # another key under the provider's key id: forged
        (lambda k: id_token(RSAKey.generate_key(2048)), "id_token_invalid"),
        # another issuer with its own key: a node that is not this peer
        (
            lambda k: id_token(RSAKey.generate_key(2048), kid="other", iss="http://127.0.0.1:8003/o"),
            "id_token_wrong_issuer",
        ),
        # the provider's key, but another issuer written in it
        (lambda k: id_token(k, iss="http://127.0.0.1:8003/o"), "id_token_wrong_issuer"),
        # issued for another client
        (lambda k: id_token(k, aud="someone-else"), "id_token_wrong_audience"),
        (lambda k: id_token(k, aud=["client-at-home", "someone-else"]), "id_token_wrong_audience"),
        # expired an hour ago
        (lambda k: id_token(k, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "id_token_expired"),
        # the nonce of another login
        (lambda k: id_token(k, nonce="another-nonce"), "id_token_nonce_mismatch"),
        (lambda k: id_token(k, sub=""), "id_token_claims_invalid"),
        # a name that cannot be stored (a lone surrogate; the one text check, core.text)
        (lambda k: _signed_with_escapes(k, name="张\ud800"), "id_token_claims_invalid"),
        ("not.a.token", "id_token_invalid"),
    ],
)
def test_bad_id_tokens_are_refused(home_client: HomeRegionClient, provider_key: RSAKey, make: Any, code: str) -> None:
    token = make if isinstance(make, str) else make(provider_key)
    with pytest.raises(FederatedLoginError) as caught:
        federated_login.id_token_verify(token=token, client=home_client, nonce="the-nonce")
    assert caught.value.code == code


def test_an_unsigned_token_is_refused(home_client: HomeRegionClient) -> None:
    header = {"alg": "none", "kid": "home-key"}
    import base64

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    token = f"{b64(header)}.{b64({'iss': 'http://127.0.0.1:8002/o', 'nonce': 'the-nonce'})}."
    with pytest.raises(FederatedLoginError) as caught:
        federated_login.id_token_verify(token=token, client=home_client, nonce="the-nonce")
    assert caught.value.code == "id_token_invalid"


# ---------------------------------------------------------------- the local account


def claims(**overrides: Any) -> dict[str, Any]:
    return {
        "sub": "pairwise-subject-1",
        "kind": "resident",
        "name": "张伟",
        "id_number": make_resident_id("120101", dt.date(1985, 11, 20), 13),
        **overrides,
    }


def test_first_login_creates_a_linked_resident_without_password_and_the_next_finds_it(db: Any) -> None:
    # when a resident of the home region logs in for the first time
    user = federated_login.local_account_for(region_code=HOME, issuer="http://127.0.0.1:8002/o", claims=claims())
    # then a local resident account stands for them, with the ID number and no usable password
    assert user.username == f"{claims()['id_number']}@{HOME}"
    assert user.id_number == claims()["id_number"] and user.kind == "resident" and user.region_id == HOME
    assert not user.has_usable_password()
    identity = FederatedIdentity.objects.get(user=user)
    assert (identity.home_region, identity.subject) == (HOME, "pairwise-subject-1")
    # when they log in again
    again = federated_login.local_account_for(
        region_code=HOME, issuer="http://127.0.0.1:8002/o", claims=claims(name="张伟新")
    )
    # then it is the same account
    assert again.pk == user.pk and User.objects.filter(id_number=user.id_number).count() == 1
    assert User.objects.get(pk=user.pk).full_name == "张伟新"
    actions = list(AuditEvent.objects.filter(stream=f"user:{user.pk}").values_list("action", flat=True))
    assert actions.count("accounts.login_succeeded") == 2 and "accounts.federated_user_linked" in actions


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (claims(kind="staff"), "federated_login_not_resident"),
        (claims(id_number="120101198511201234"), "id_token_claims_invalid"),
        (claims(id_number=""), "id_token_claims_invalid"),
    ],
)
def test_tokens_without_a_resident_identity_create_nothing(db: Any, given: dict[str, Any], code: str) -> None:
    before = User.objects.count()
    with pytest.raises(FederatedLoginError) as caught:
        federated_login.local_account_for(region_code=HOME, issuer="http://127.0.0.1:8002/o", claims=given)
    assert caught.value.code == code
    assert User.objects.count() == before and not FederatedIdentity.objects.exists()


def test_an_id_number_with_a_local_account_is_refused_not_linked(db: Any) -> None:
    # given a resident registered at this node with the same ID number
    local = UserFactory.create(id_number=claims()["id_number"])
    # when a home-region token with that ID number arrives
    with pytest.raises(FederatedLoginError) as caught:
        federated_login.local_account_for(region_code=HOME, issuer="http://127.0.0.1:8002/o", claims=claims())
    # then it is refused: a peer's self-registration does not prove who owns the local account
    assert caught.value.code == "id_number_already_registered" and caught.value.status == 409
    assert not FederatedIdentity.objects.exists() and User.objects.filter(id_number=local.id_number).count() == 1


# ---------------------------------------------------------------- the pages


def test_the_login_page_offers_one_button_per_peer_region(client: Client, peer: KeyedPeer) -> None:
    federation_services.peer_add_bundle(bundle=KeyedPeer(region="130000").bundle(), actor=None)
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "用户籍地（注册地）账号登录" in page
    assert 'id="federated-login-120000"' in page and "用天津市账号登录" in page
    assert 'id="federated-login-130000"' in page and "用河北省账号登录" in page


def _pending(**overrides: Any) -> dict[str, Any]:
    return {
        "region": HOME,
        "state": "the-state",
        "nonce": "the-nonce",
        "verifier": secrets.token_urlsafe(48),
        "next": "/accounts/profile/",
        "started": int(time.time()),
        **overrides,
    }


@pytest.mark.parametrize(
    ("pending", "query", "status", "code"),
    [
        ({}, {"state": "forged-state", "code": "abc"}, 400, "federated_login_state_mismatch"),
        ({}, {"code": "abc"}, 400, "federated_login_state_mismatch"),
        (None, {"state": "the-state", "code": "abc"}, 400, "federated_login_expired"),
        ({"region": "130000"}, {"state": "the-state", "code": "abc"}, 400, "federated_login_expired"),
        (
            {"started_ago": 3600},
            {"state": "the-state", "code": "abc"},
            400,
            "federated_login_expired",
        ),
        ({}, {"state": "the-state", "error": "access_denied"}, 400, "federated_login_denied"),
    ],
)
def test_bad_callbacks_show_a_coded_error_and_log_in_nobody(
    client: Client, peer: KeyedPeer, pending: dict[str, Any] | None, query: dict[str, str], status: int, code: str
) -> None:
    # given a login started in this browser (or none); built now, not at collection, so that it is fresh
    if pending is not None:
        overrides = dict(pending)
        started_ago = overrides.pop("started_ago", 0)
        session = client.session
        session[federated_login.SESSION_KEY] = _pending(started=int(time.time()) - started_ago, **overrides)
        session.save()
    users = User.objects.count()
    # when the callback comes with a wrong state, too late, or refused
    response = client.get(f"/accounts/login/region/{HOME}/callback/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the page says why, with the code, and nobody is logged in or created
    assert response.status_code == status
    assert f'<code id="federated-error-code">{code}</code>' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users
    assert AuditEvent.objects.filter(action="accounts.federated_login_failed", data__code=code).exists()
    # and the pending login is used up: the right state afterwards does not work either
    again = client.get(f"/accounts/login/region/{HOME}/callback/", {"state": "the-state", "code": "abc"})
    assert '<code id="federated-error-code">federated_login_expired</code>' in again.content.decode()


def test_starting_a_login_for_a_region_that_is_no_peer_is_refused(client: Client) -> None:
    client.get("/accounts/login/")
    response = client.post("/accounts/login/region/130000/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert '<code id="federated-error-code">home_region_not_peer</code>' in response.content.decode()
    assert federated_login.SESSION_KEY not in client.session


def test_a_peer_that_cannot_be_reached_gives_a_clear_error_and_stores_no_client(
    client: Client, peer: KeyedPeer
) -> None:
    # given a peer whose node is down (nothing listens at its base URL)
    from tongban.federation.models import Peer

    Peer.objects.filter(region_code=HOME).update(base_url="http://127.0.0.1:9")
    # when a resident picks it
    response = client.post(f"/accounts/login/region/{HOME}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the page says the node cannot be reached, and no registration is kept
    assert response.status_code == 502
    assert "home_region_unreachable" in response.content.decode()
    assert not HomeRegionClient.objects.exists()
