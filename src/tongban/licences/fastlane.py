"""A lean WSGI lane for anonymous ``POST /api/v1/licences/verify`` (ADR 0018).

Verification is the node's hottest public read (verifiers, QR scanners, peer nodes). Through the
full stack each call pays for a dozen middlewares (sessions, messages, CSRF, locale, …) and for
django-ninja's request and response models, several times the cost of the verification itself.
This lane answers the plain case — no cookie, no ``Authorization``, no ``Accept-Language``, an
allowed ``Host``, a JSON object with only the documented string fields within their limits — by
calling the same service (``services.licence_verify``: check character, lookup, holder match,
status with expiry computed, the use logged for the holder) and writing the same JSON and
security headers. Anything else (a logged-in verifier, another language, malformed input) goes
through the full stack unchanged, so errors keep their one shape. The database connection is
managed exactly as for a Django request (``request_started`` / ``request_finished``).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signals
from django.http.request import split_domain_port, validate_host
from django.utils import translation

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.core.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

VERIFY_PATH = "/api/v1/licences/verify"
_LIMITS = {"vc_jwt": 20000, "number": 64, "holder_id": 18}
_MAX_BODY = 25_000
_HEADERS = [
    ("Content-Type", "application/json; charset=utf-8"),
    ("Vary", "Accept-Language"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _eligible(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != VERIFY_PATH:
        return False
    if environ.get("QUERY_STRING") or "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ:
        return False
    if "HTTP_ACCEPT_LANGUAGE" in environ:
        return False
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/json"):
        return False
    host, _port = split_domain_port(str(environ.get("HTTP_HOST", "")))
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def parse_verify_body(body: bytes) -> dict[str, str | None] | None:
    """The request's fields if the body is exactly what the lane handles, else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not set(data) <= _LIMITS.keys():
        return None
    fields: dict[str, str | None] = {}
    for name, limit in _LIMITS.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return None
        fields[name] = value
    return fields


class VerifyFastLane:
    """WSGI middleware: the lean lane for plain verification requests, the full stack for the rest."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not _eligible(environ):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if not 0 < length <= _MAX_BODY:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(length)
        fields = parse_verify_body(body)
        if fields is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        return self._verify(environ, start_response, fields)

    def _verify(
        self, environ: dict[str, Any], start_response: StartResponse, fields: dict[str, str | None]
    ) -> Iterable[bytes]:
        from tongban.licences import services

        source = str(environ.get("REMOTE_ADDR") or "unknown")
        context = RequestContext(
            source=source,
            user_agent=str(environ.get("HTTP_USER_AGENT", ""))[:200],
            request_id=str(environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex),
        )
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            with translation.override(settings.LANGUAGE_CODE), bound(context):
                try:
                    result = services.licence_verify(
                        token=fields["vc_jwt"],
                        number=fields["number"],
                        holder_id=fields["holder_id"],
                        by_user=None,
                        source=source,
                    )
                    status, payload = 200, result.as_dict()
                    payload.setdefault("disclosed", None)
                except ApplicationError as exc:
                    status, payload = exc.status, exc.as_dict()
                data = json.dumps(payload).encode()
        finally:
            signals.request_finished.send(sender=self.__class__)
        start_response(f"{status} {HTTPStatus(status).phrase}", [*_HEADERS, ("Content-Length", str(len(data)))])
        return [data]
