from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than ``TONGBAN_REQUEST_MAX_BYTES`` before reading it.

    Django bounds the non-file part of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams uploaded
    files to disk whatever their size; this bound comes first. The refusal is Django's own
    ``RequestDataTooBig``, which the error handlers answer with 413 (a Chinese page, or the JSON
    error shape under ``/api/`` and ``/federation/``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "TONGBAN_REQUEST_MAX_BYTES", 64 * 1024 * 1024))
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise RequestDataTooBig(f"request body of {declared} bytes over {limit}")
        return self.get_response(request)
