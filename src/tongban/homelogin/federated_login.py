"""Cross-region login (跨省通办): a resident of a peer region logs in here with their home region's account.

This node is an OpenID Connect relying party of each peer's provider (ADR 0015):

1. **Client registration, by signed statement.** The first time someone picks a peer region, this
   node signs a registration statement with its node key (``federation.statements``) and POSTs it
   to the peer's ``/federation/v1/oidc-clients``. The peer checks it like a federation message
   (active peer, pinned key, signature, recipient, clock skew), checks that the redirect URI lies
   under this node's pinned base URL and that the statement is newer than the last one it acted
   on, creates (or re-keys) a confidential OIDC Application and answers with the client id, the
   secret, its issuer, endpoints and ID-token keys — signed with *its* node key, which this node
   verifies against the key it pinned. No administrator copies anything.
2. **Login.** Authorization code with PKCE (S256), a random ``state`` and ``nonce`` kept in the
   session; at the callback the state must match, the code is exchanged with the secret and the
   verifier, the ID token's RS256 signature is verified against the provider's keys, and its
   issuer, audience, expiry and nonce are checked.
3. **The local account.** The pair (home region, subject) is kept in ``FederatedIdentity``; the
   first login creates a resident account ``<ID number>@<region>`` with the full ID number from
   the token (scope ``id_number``, released only to peer nodes) and no usable password. An ID number
   that already has an account here is refused, never linked: a peer's self-registration does not
   prove who owns an ID number, so linking would hand over a local account.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tongban.accounts import events
from tongban.accounts.constants import UserKind
from tongban.accounts.models import FederatedIdentity, HomeRegionClient, PeerLoginClient, User
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.core.identifiers import validate_resident_id
from tongban.core.text import TextRefused, check_json
from tongban.regions.models import Region

logger = logging.getLogger("tongban.accounts.federated_login")

REGISTRATION_TYP = "tongban-oidc-registration+jws"
CLIENT_TYP = "tongban-oidc-client+jws"
REGISTRATION_PATH = "/federation/v1/oidc-clients"
SCOPE = "openid profile id_number"
SESSION_KEY = "tongban_federated_login"
PENDING_SECONDS = 10 * 60
LEEWAY_SECONDS = 60


class FederatedLoginError(ApplicationError):
    """A cross-region login or client registration was refused; ``code`` says why."""

    status = 400
    default_code = "federated_login_failed"
    default_message = _("The login with your home region's account failed. Please try again.")


def _error(code: str, message: Any, status: int, **details: Any) -> FederatedLoginError:
    return FederatedLoginError(message, code=code, status=status, details=details or None)


def not_peer() -> FederatedLoginError:
    return _error("home_region_not_peer", _("This region is not a trusted peer of this node."), 404)


def unreachable(detail: str) -> FederatedLoginError:
    return _error(
        "home_region_unreachable",
        _("The home region's node cannot be reached now. Please try again later."),
        503,
        detail=detail[:300],
    )


def refused(code: str) -> FederatedLoginError:
    return _error(
        "home_region_refused",
        _(
            "The home region's node does not trust this node yet, so its accounts cannot log in here. "
            "The administrators of both nodes must add each other as peers."
        ),
        403,
        peer_code=code,
    )


def answer_invalid(detail: str) -> FederatedLoginError:
    return _error(
        "home_region_answer_invalid",
        _("The answer of the home region's node could not be verified."),
        502,
        detail=detail[:300],
    )


def expired() -> FederatedLoginError:
    return _error(
        "federated_login_expired", _("This login request has expired or was already used. Please start again."), 400
    )


def state_mismatch() -> FederatedLoginError:
    return _error(
        "federated_login_state_mismatch",
        _("The login answer does not belong to the login you started (state mismatch). Please start again."),
        400,
    )


def denied(error: str) -> FederatedLoginError:
    return _error(
        "federated_login_denied", _("The login was cancelled or refused at the home region's node."), 400, error=error
    )


def token_refused(detail: str) -> FederatedLoginError:
    return _error(
        "home_region_token_refused",
        _("The home region's node did not issue a token for this login. Please start again."),
        502,
        detail=detail[:300],
    )


def id_token_invalid() -> FederatedLoginError:
    return _error(
        "id_token_invalid", _("The identity token's signature does not verify: it was forged or altered."), 401
    )


def wrong_issuer() -> FederatedLoginError:
    return _error("id_token_wrong_issuer", _("The identity token was not issued by the home region's node."), 401)


def wrong_audience() -> FederatedLoginError:
    return _error("id_token_wrong_audience", _("The identity token was issued for another service."), 401)


def token_expired() -> FederatedLoginError:
    return _error("id_token_expired", _("The identity token has expired or is not valid yet."), 401)


def nonce_mismatch() -> FederatedLoginError:
    return _error("id_token_nonce_mismatch", _("The identity token belongs to another login (nonce mismatch)."), 401)


def claims_invalid(detail: str) -> FederatedLoginError:
    return _error("id_token_claims_invalid", _("The identity token lacks the resident's identity."), 401, detail=detail)


def not_resident() -> FederatedLoginError:
    return _error("federated_login_not_resident", _("Only residents can log in with their home region's account."), 403)


def id_number_taken() -> FederatedLoginError:
    return _error(
        "id_number_already_registered",
        _("This ID number already has an account at this node. Please log in with that account."),
        409,
    )


def identity_mismatch() -> FederatedLoginError:
    return _error(
        "federated_identity_mismatch",
        _("The home region's account no longer matches the account linked here. Please contact the service desk."),
        409,
    )


def redirect_not_on_peer() -> FederatedLoginError:
    return _error("redirect_uri_not_on_peer", _("The redirect URI is not on the requesting node's base URL."), 422)


def registration_replayed() -> FederatedLoginError:
    return _error(
        "registration_replayed", _("This registration statement is not newer than the last one accepted."), 409
    )


# ---------------------------------------------------------------- helpers


def _own_base_url() -> str:
    from tongban.federation import signing

    return signing.own_base_url()


def _active_peer(region_code: str) -> Any:
    from tongban.federation.constants import PeerStatus
    from tongban.federation.models import Peer

    peer = Peer.objects.filter(region_code=region_code, status=PeerStatus.ACTIVE).first()
    if peer is None:
        raise not_peer()
    return peer


def _under(url: str, base_url: str) -> bool:
    return isinstance(url, str) and url.startswith(base_url.rstrip("/") + "/") and "#" not in url


def callback_uri(region_code: str) -> str:
    return _own_base_url() + reverse("accounts:federated_login_callback", args=[region_code])


def region_name(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    return region.name if region is not None else code


@dataclass(frozen=True)
class HomeRegion:
    code: str
    name: str


def login_regions() -> list[HomeRegion]:
    """The peer regions whose residents may log in here (one button each on the login page)."""
    from tongban.federation.constants import PeerStatus
    from tongban.federation.models import Peer

    codes = list(
        Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("region_code").values_list("region_code", flat=True)
    )
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [HomeRegion(code=c, name=names.get(c, c)) for c in codes]


# ---------------------------------------------------------------- provider side (the home region)


def _issuer() -> str:
    from oauth2_provider.settings import oauth2_settings

    if oauth2_settings.OIDC_ISS_ENDPOINT:
        return str(oauth2_settings.OIDC_ISS_ENDPOINT)
    discovery = reverse("oauth2_provider:oidc-connect-discovery-info")
    return _own_base_url() + discovery[: -len("/.well-known/openid-configuration")]


def _oidc_jwks() -> dict[str, Any]:
    """The provider's ID-token keys, as ``/o/.well-known/jwks.json`` serves them."""
    from oauth2_provider.settings import oauth2_settings
    from oauth2_provider.utils import jwk_from_pem

    keys = []
    for pem in [oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]:
        key = jwk_from_pem(pem)
        data = {"alg": "RS256", "use": "sig", "kid": key.thumbprint()}
        data.update(json.loads(key.export_public()))
        keys.append(data)
    return {"keys": keys}


def peer_login_client_register(*, token: str) -> str:
    """Register (or re-key) the peer that signed ``token`` as an OIDC client; returns the signed answer."""
    from tongban.federation import statements

    # Verified outside the transaction: an unknown key id may make it fetch the peer's keys (HTTP).
    peer, statement = statements.statement_verify(token=token, typ=REGISTRATION_TYP)
    return _peer_login_client_store(peer=peer, statement=statement)


@transaction.atomic(durable=True)
def _peer_login_client_store(*, peer: Any, statement: dict[str, Any]) -> str:
    from oauth2_provider.models import get_application_model

    from tongban.federation import statements

    redirect_uri = str(statement.get("redirect_uri", ""))
    if not _under(redirect_uri, peer.base_url):
        raise redirect_not_on_peer()
    sent: dt.datetime = statement["sent"]
    application_model = get_application_model()
    secret = secrets.token_urlsafe(32)
    name = gettext("Node of %(region)s (%(code)s)") % {
        "region": region_name(peer.region_code),
        "code": peer.region_code,
    }
    existing = PeerLoginClient.objects.select_for_update().filter(region_code=peer.region_code).first()
    if existing is not None:
        if sent <= existing.last_statement_sent:
            raise registration_replayed()
        application = existing.application
        application.name = name
        application.redirect_uris = redirect_uri
        application.client_secret = secret
        application.hash_client_secret = True
        application.save(update_fields=["name", "redirect_uris", "client_secret", "hash_client_secret", "updated"])
        existing.redirect_uri = redirect_uri
        existing.last_statement_sent = sent
        existing.registered_at = timezone.now()
        existing.save(update_fields=["redirect_uri", "last_statement_sent", "registered_at"])
    else:
        application = application_model.objects.create(
            name=name,
            client_type=application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
            redirect_uris=redirect_uri,
            algorithm=application_model.RS256_ALGORITHM,
            client_secret=secret,
            hash_client_secret=True,
            skip_authorization=False,
        )
        PeerLoginClient.objects.create(
            region_code=peer.region_code,
            application=application,
            redirect_uri=redirect_uri,
            last_statement_sent=sent,
            registered_at=timezone.now(),
        )
    events.peer_login_client_registered(
        application=application, region=peer.region_code, redirect_uri=redirect_uri, rekeyed=existing is not None
    )
    base = _own_base_url()
    return statements.statement_sign(
        recipient=peer.region_code,
        typ=CLIENT_TYP,
        body={
            "request_id": str(statement.get("id")),
            "client_id": application.client_id,
            "client_secret": secret,
            "issuer": _issuer(),
            "authorization_endpoint": base + reverse("oauth2_provider:authorize"),
            "token_endpoint": base + reverse("oauth2_provider:token"),
            "jwks_uri": base + reverse("oauth2_provider:jwks-info"),
            "jwks": _oidc_jwks(),
            "scope": SCOPE,
        },
    )


# ---------------------------------------------------------------- relying-party side (this node)


def _timeout() -> float:
    return float(getattr(settings, "TONGBAN_FEDERATION_TIMEOUT", 10))


def home_region_client_register(*, region_code: str, actor: User | None = None) -> HomeRegionClient:
    """Register this node as an OIDC client at the peer's provider by a signed statement (no copy-paste)."""
    from tongban.federation import errors as federation_errors
    from tongban.federation import signing, statements

    peer = _active_peer(region_code)
    redirect_uri = callback_uri(region_code)
    token = statements.statement_sign(
        recipient=region_code,
        typ=REGISTRATION_TYP,
        body={"redirect_uri": redirect_uri, "client_name": signing.own_region()},
    )
    request_id = signing.read_unverified(token)[1]["id"]
    try:
        response = httpx.post(
            peer.base_url + REGISTRATION_PATH,
            content=token.encode(),
            headers={"Content-Type": "application/jose", "Accept-Language": "zh-hans"},
            timeout=_timeout(),
        )
    except httpx.HTTPError as exc:
        raise unreachable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code in (401, 403, 421):
        try:
            code = str(response.json().get("code", ""))
        except (ValueError, AttributeError):
            code = f"http_{response.status_code}"
        raise refused(code)
    if not response.is_success:
        raise answer_invalid(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        _peer, answer = statements.statement_verify(
            token=response.text.strip(), typ=CLIENT_TYP, expected_sender=region_code
        )
    except federation_errors.MessageRefused as exc:
        raise answer_invalid(exc.code) from exc
    fields = ("client_id", "client_secret", "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if answer.get("request_id") != request_id:
        raise answer_invalid("the answer is for another request")
    if any(not isinstance(answer.get(f), str) or not answer.get(f) for f in fields):
        raise answer_invalid("fields missing")
    if not all(_under(answer[f], peer.base_url) for f in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        raise answer_invalid("endpoints outside the peer's base URL")
    jwks = answer.get("jwks")
    if not isinstance(jwks, dict):
        raise answer_invalid("jwks missing")
    try:
        KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise answer_invalid(f"jwks: {exc}") from exc
    return _client_store(region_code=region_code, redirect_uri=redirect_uri, answer=answer, actor=actor)


@transaction.atomic(durable=True)
def _client_store(
    *, region_code: str, redirect_uri: str, answer: dict[str, Any], actor: User | None
) -> HomeRegionClient:
    client, _created = HomeRegionClient.objects.update_or_create(
        region_code=region_code,
        defaults={
            "issuer": answer["issuer"],
            "client_id": answer["client_id"],
            "client_secret": answer["client_secret"],
            "redirect_uri": redirect_uri,
            "authorization_endpoint": answer["authorization_endpoint"],
            "token_endpoint": answer["token_endpoint"],
            "jwks_uri": answer["jwks_uri"],
            "jwks": answer["jwks"],
            "registered_at": timezone.now(),
        },
    )
    events.home_region_client_registered(client=client, actor=actor)
    return client


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and what the session keeps until the callback."""

    authorization_url: str
    pending: dict[str, Any]


def federated_login_begin(*, region_code: str, next_url: str) -> LoginStart:
    """Start a login at the peer's provider (registering this node there first if need be)."""
    _active_peer(region_code)
    client = HomeRegionClient.objects.filter(region_code=region_code).first()
    if client is None or client.redirect_uri != callback_uri(region_code):
        client = home_region_client_register(region_code=region_code)
    verifier, challenge = _pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    pending = {
        "region": region_code,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "started": int(time.time()),
    }
    return LoginStart(authorization_url=client.authorization_endpoint + "?" + urlencode(params), pending=pending)


def _fetch_jwks(client: HomeRegionClient) -> dict[str, Any]:
    try:
        response = httpx.get(client.jwks_uri, timeout=_timeout())
        response.raise_for_status()
        jwks = response.json()
        KeySet.import_key_set(jwks)
    except (httpx.HTTPError, ValueError, JoseError, TypeError, KeyError) as exc:
        raise unreachable(f"jwks: {exc}") from exc
    if not isinstance(jwks, dict):
        raise unreachable("jwks: not an object")
    HomeRegionClient.objects.filter(pk=client.pk).update(jwks=jwks)
    client.jwks = jwks
    return jwks


def _kids(jwks: Any) -> set[str]:
    keys = jwks.get("keys", []) if isinstance(jwks, dict) else []
    return {str(k.get("kid")) for k in keys if isinstance(k, dict)}


def id_token_verify(*, token: str, client: HomeRegionClient, nonce: str, now: float | None = None) -> dict[str, Any]:
    """Verify an ID token from the peer's provider: RS256 signature, issuer, audience, times, nonce."""
    try:
        compact = jws.extract_compact(token.encode())
        header = dict(compact.protected)
    except (JoseError, ValueError, UnicodeError, AttributeError) as exc:
        raise id_token_invalid() from exc
    if header.get("alg") != "RS256":
        raise id_token_invalid()
    kid = str(header.get("kid", ""))
    jwks: Any = client.jwks
    if kid not in _kids(jwks):
        # Not a key pinned from the provider's signed registration answer. A token that does not even
        # claim to come from the provider is refused as such (the claim is read, never trusted);
        # otherwise the provider may have a new key: fetch its JWKS once from the pinned base URL.
        try:
            claimed = json.loads(compact.payload)
        except ValueError:
            claimed = {}
        if not isinstance(claimed, dict) or claimed.get("iss") != client.issuer:
            raise wrong_issuer()
        jwks = _fetch_jwks(client)
        if kid not in _kids(jwks):
            raise id_token_invalid()
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise id_token_invalid() from exc
    claims = dict(decoded.claims)
    if claims.get("iss") != client.issuer:
        raise wrong_issuer()
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client.client_id):
        raise wrong_audience()
    moment = time.time() if now is None else now
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise claims_invalid("exp/iat")
    if moment > exp + LEEWAY_SECONDS or iat > moment + LEEWAY_SECONDS:
        raise token_expired()
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise nonce_mismatch()
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise claims_invalid("sub")
    try:  # the one text check of what comes in (core.text): a peer's claims are stored as the account
        check_json(claims, field="id_token")
    except TextRefused as exc:
        raise claims_invalid(exc.field) from exc
    return claims


def _exchange(*, client: HomeRegionClient, code: str, verifier: str) -> str:
    """The authorization code and PKCE verifier for tokens at the provider; returns the ID token."""
    try:
        response = httpx.post(
            client.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": client.redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client.client_id, client.client_secret),
            timeout=_timeout(),
        )
    except httpx.HTTPError as exc:
        raise unreachable(f"{type(exc).__name__}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if not response.is_success:
        if body.get("error") == "invalid_client":
            # The provider forgot this node (e.g. its database was reset): register again next time.
            HomeRegionClient.objects.filter(pk=client.pk).delete()
        raise token_refused(str(body.get("error") or f"HTTP {response.status_code}"))
    id_token = body.get("id_token")
    if not isinstance(id_token, str):
        raise token_refused("no id_token")
    return id_token


def federated_login_complete(
    *, region_code: str, pending: dict[str, Any] | None, state: str, code: str, error: str = ""
) -> User:
    """The callback: check state, exchange the code, verify the ID token, find or create the local account."""
    try:
        return _complete(region_code=region_code, pending=pending, state=state, code=code, error=error)
    except FederatedLoginError as exc:
        logger.warning("cross-region login from %s refused: %s", region_code, exc.code)
        with transaction.atomic():
            events.federated_login_failed(region=region_code, code=exc.code)
        raise


def _complete(*, region_code: str, pending: dict[str, Any] | None, state: str, code: str, error: str) -> User:
    if not isinstance(pending, dict) or pending.get("region") != region_code:
        raise expired()
    if time.time() - float(pending.get("started", 0)) > PENDING_SECONDS:
        raise expired()
    if not state or not hmac.compare_digest(str(pending.get("state", "")), state):
        raise state_mismatch()
    if error:
        raise denied(error[:60])
    if not code:
        raise denied("no_code")
    _active_peer(region_code)
    client = HomeRegionClient.objects.filter(region_code=region_code).first()
    if client is None:
        raise expired()
    id_token = _exchange(client=client, code=code, verifier=str(pending.get("verifier", "")))
    claims = id_token_verify(token=id_token, client=client, nonce=str(pending.get("nonce", "")))
    return local_account_for(region_code=region_code, issuer=client.issuer, claims=claims)


@transaction.atomic(durable=True)
def local_account_for(*, region_code: str, issuer: str, claims: dict[str, Any]) -> User:
    if claims.get("kind") != UserKind.RESIDENT:
        raise not_resident()
    try:
        id_number = validate_resident_id(str(claims.get("id_number", "")))
    except ValidationFailed as exc:
        raise claims_invalid("id_number") from exc
    name = str(claims.get("name", ""))[:120]
    subject = str(claims["sub"])
    identity = (
        FederatedIdentity.objects.select_for_update()
        .filter(home_region=region_code, subject=subject)
        .select_related("user")
        .first()
    )
    if identity is not None:
        user = identity.user
        if user.id_number != id_number:
            raise identity_mismatch()
        if not user.is_active:
            raise _error("account_disabled", _("This account is disabled."), 403)
        if name and user.full_name != name:
            user.full_name = name
            user.save(update_fields=["full_name"])
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        events.federated_login_succeeded(user=user, region=region_code, first=False)
        return user
    username = f"{id_number}@{region_code}"
    if User.objects.filter(Q(id_number=id_number) | Q(username=username)).exists():
        raise id_number_taken()
    user = User(
        username=username,
        id_number=id_number,
        full_name=name,
        kind=UserKind.RESIDENT,
        region=Region.objects.filter(code=region_code).first(),
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            identity = FederatedIdentity.objects.create(
                user=user,
                home_region=region_code,
                issuer=issuer,
                subject=subject,
                last_login_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise id_number_taken() from exc
    events.federated_user_linked(user=user, region=region_code, subject=subject)
    events.federated_login_succeeded(user=user, region=region_code, first=True)
    return user
