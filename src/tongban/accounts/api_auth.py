"""Authentication for the HTTP API: the portal session (with CSRF) for browsers, and OAuth2
bearer access tokens issued by Tongban's OpenID Connect provider for other systems.

Endpoints that need a logged-in user declare ``auth=api_auth``; ``request.auth`` is then the user.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from tongban.accounts.store import access_token_by_checksum


class PortalSessionAuth(SessionAuth):
    """The Django session; unsafe methods need the CSRF token, as for any form."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie the session cannot authenticate and there is nothing to forge:
        # skip the CSRF check so that the next scheme (a bearer token) gets its turn.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        key: str | None = super()._get_key(request)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class OAuth2BearerAuth(HttpBearer):
    """``Authorization: Bearer <access token>`` from ``/o/token/``; the token's user acts.

    Tokens from the client-credentials grant carry no user and are refused here.
    """

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        access = access_token_by_checksum(hashlib.sha256(token.encode("utf-8")).hexdigest())
        if access is None or not access.is_valid() or access.user is None or not access.user.is_active:
            return None
        request.user = access.user
        request.oauth2_token = access  # type: ignore[attr-defined]
        return access.user


api_auth: list[Any] = [PortalSessionAuth(), OAuth2BearerAuth()]
