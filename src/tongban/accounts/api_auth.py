"""Authentication for the HTTP API: the portal session (with CSRF) for browsers.

Endpoints that need a logged-in user declare ``auth=api_auth``; ``request.auth`` is then the user.
Bearer tokens for other systems are added to ``api_auth`` by the identity module.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth


class PortalSessionAuth(SessionAuth):
    """The Django session; unsafe methods need the CSRF token, as for any form."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth: list[Any] = [PortalSessionAuth()]
