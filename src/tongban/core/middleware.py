from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tongban.core.context import RequestContext, bound


class RequestContextMiddleware:
    """Binds the client's address and a request id for audit events written during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = RequestContext(
            source=str(request.META.get("REMOTE_ADDR") or "unknown"),
            user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:200],
            request_id=str(request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex),
        )
        with bound(ctx):
            return self.get_response(request)
