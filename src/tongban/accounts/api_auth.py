"""Authentication for the HTTP API: the portal session (with CSRF) for browsers, and OAuth2
bearer access tokens issued by Tongban's OpenID Connect provider for other systems.

Endpoints that need a logged-in user declare ``auth=api_auth``; ``request.auth`` is then the user.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from oauth2_provider.models import get_access_token_model

from tongban.core.db import CompiledQuery
from tongban.core.http_errors import CsrfFailed


class PortalSessionAuth(SessionAuth):
    """The Django session; unsafe methods need the CSRF token, as for any form."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie the session cannot authenticate and there is nothing to forge:
        # skip the CSRF check so that the next scheme (a bearer token) gets its turn.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        try:
            key: str | None = super()._get_key(request)
        except HttpError as exc:  # django-ninja's CSRF refusal, in English: ours has a code and Chinese
            raise CsrfFailed() from exc
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


# Every API call with a bearer token reads it: compiled once per connection (``core.db``).
_ACCESS_TOKEN: CompiledQuery[Any] = CompiledQuery(
    lambda checksum: get_access_token_model().objects.select_related("user").filter(token_checksum=checksum),
    arity=1,
    text_args=(0,),
)


class OAuth2BearerAuth(HttpBearer):
    """``Authorization: Bearer <access token>`` from ``/o/token/``; the token's user acts.

    Tokens from the client-credentials grant carry no user and are refused here.
    """

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        access = _ACCESS_TOKEN.first(hashlib.sha256(token.encode("utf-8")).hexdigest())
        if access is None or not access.is_valid() or access.user is None or not access.user.is_active:
            return None
        request.user = access.user
        request.oauth2_token = access  # type: ignore[attr-defined]
        return access.user


api_auth: list[Any] = [PortalSessionAuth(), OAuth2BearerAuth()]
