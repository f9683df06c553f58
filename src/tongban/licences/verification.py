"""Checking a VC-JWT: format, issuer key, signature, validity period, status.

Keys are found through resolvers: ``(issuer id, key id) -> public JWK``. This node's own
issuers resolve to its published signing keys; the federation module plugs in a resolver
for a peer region's issuers (their JWKS) with ``register_key_resolver``, and a status
resolver that fetches a peer's status list credential with ``register_status_resolver``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from tongban.licences import keys
from tongban.licences.credentials import PRESENTATION_TYP, REGISTRY, VC_TYP, base_url

ALLOWED_ALGORITHMS = frozenset({"Ed25519", "ES256"})

KeyResolver = Callable[[str, str], dict[str, Any] | None]
# (status list credential URL, index, purpose) -> True if the bit is set, None if unknown.
StatusResolver = Callable[[str, int, str], bool | None]

_key_resolvers: list[KeyResolver] = []
_status_resolvers: list[StatusResolver] = []


def is_local_issuer(issuer: str) -> bool:
    return issuer.startswith(base_url() + "/licences/issuers/")


def _local_key_resolver(issuer: str, kid: str) -> dict[str, Any] | None:
    if not (is_local_issuer(issuer) or issuer == base_url()):
        return None
    return keys.local_public_jwk(kid)


def register_key_resolver(resolver: KeyResolver) -> None:
    if resolver not in _key_resolvers:
        _key_resolvers.append(resolver)


def register_status_resolver(resolver: StatusResolver) -> None:
    if resolver not in _status_resolvers:
        _status_resolvers.append(resolver)


def resolve_key(issuer: str, kid: str) -> dict[str, Any] | None:
    for resolver in [_local_key_resolver, *_key_resolvers]:
        jwk = resolver(issuer, kid)
        if jwk is not None:
            return jwk
    return None


def resolve_status(url: str, index: int, purpose: str) -> bool | None:
    for resolver in _status_resolvers:
        answer = resolver(url, index, purpose)
        if answer is not None:
            return answer
    return None


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class JwtCheck:
    """What checking a compact JWS found: the payload (if the signature held) and each check."""

    payload: dict[str, Any] | None = None
    header: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.payload is not None and all(c.passed for c in self.checks)


def _issuer_of(payload: dict[str, Any]) -> str:
    issuer = payload.get("issuer", payload.get("iss", ""))
    if isinstance(issuer, dict):
        issuer = issuer.get("id", "")
    return str(issuer)


def verify_compact(token: str, *, expected_typ: str = VC_TYP, now: dt.datetime | None = None) -> JwtCheck:
    """Check a compact JWS signed by a known issuer. Does not look at the licence's status."""
    result = JwtCheck()
    token = token.strip()
    try:
        unverified = jws.extract_compact(token.encode())
        header = dict(unverified.headers())
        claims = json.loads(unverified.payload)
        if not isinstance(claims, dict):
            raise ValueError("payload is not an object")
    except (JoseError, ValueError, UnicodeDecodeError):
        result.checks.append(Check("format", False, _("This is not a signed licence credential.")))
        return result
    result.header = header
    if header.get("typ") != expected_typ or header.get("alg") not in ALLOWED_ALGORITHMS:
        result.checks.append(Check("format", False, _("The credential type or algorithm is not accepted.")))
        return result
    result.checks.append(Check("format", True))
    issuer = _issuer_of(claims)
    jwk_dict = resolve_key(issuer, str(header.get("kid", "")))
    if jwk_dict is None:
        result.checks.append(Check("issuer_key", False, _("The issuer or its signing key is not known.")))
        return result
    result.checks.append(Check("issuer_key", True, str(header.get("kid", ""))))
    try:
        public = JWKRegistry.import_key(jwk_dict)
        verified = jws.deserialize_compact(token, public, registry=REGISTRY)
        payload = json.loads(verified.payload)
    except (JoseError, ValueError):
        result.checks.append(Check("signature", False, _("The signature does not match the content.")))
        return result
    result.checks.append(Check("signature", True))
    now = now or timezone.now()
    try:
        valid_from = payload.get("validFrom")
        valid_until = payload.get("validUntil")
        if valid_from and dt.datetime.fromisoformat(valid_from) > now:
            result.checks.append(Check("validity_period", False, _("The credential is not valid yet.")))
        elif (valid_until and dt.datetime.fromisoformat(valid_until) < now) or (
            "exp" in payload and float(payload["exp"]) < now.timestamp()
        ):
            result.checks.append(Check("validity_period", False, _("The credential has expired.")))
        else:
            result.checks.append(Check("validity_period", True))
    except (TypeError, ValueError):
        result.checks.append(Check("validity_period", False, _("The credential's dates are malformed.")))
    result.payload = payload
    return result


__all__ = [
    "PRESENTATION_TYP",
    "VC_TYP",
    "Check",
    "JwtCheck",
    "is_local_issuer",
    "register_key_resolver",
    "register_status_resolver",
    "resolve_key",
    "resolve_status",
    "verify_compact",
]
