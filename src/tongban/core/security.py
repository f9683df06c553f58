"""HTTP security headers on every answer (ADR 0020).

``SecurityHeadersMiddleware`` adds a Content-Security-Policy and a Permissions-Policy to every
response that does not set its own: pages may load scripts, styles, images and fonts from this
node only, run no inline script or style (templates hold none; a test keeps it so), and be framed
by no one. Downloads set a stricter policy of their own (``core.downloads``). Django's
``SecurityMiddleware`` adds the rest: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``,
``Cross-Origin-Opener-Policy`` and, over HTTPS, ``Strict-Transport-Security`` (settings
``TONGBAN_HTTPS``, ``TONGBAN_HSTS_SECONDS``; see the README).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
# What a downloaded file may do if a browser shows it anyway: nothing (no script, no plugin, no load).
DOWNLOAD_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def content_security_policy() -> str:
    return str(getattr(settings, "TONGBAN_CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY))


def permissions_policy() -> str:
    return str(getattr(settings, "TONGBAN_PERMISSIONS_POLICY", PERMISSIONS_POLICY))


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response that has none of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()
        self.permissions = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.csp
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        return response
