from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.core.text import TextRefused, check_json, clean_text


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


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_View = TypeVar("_View", bound=Callable[..., Any])


def reads_raw_body(view: _View) -> _View:
    """Mark a view that reads ``request.body`` itself (the form is not parsed before it)."""
    view.reads_raw_body = True  # type: ignore[attr-defined]
    return view


class TextInputMiddleware:
    """The one text check (``tongban.core.text``) on what every view receives outside JSON bodies:
    the path and its parameters, the query string, and form posts (fields and file names).

    A refusal is the API's JSON error under ``/api/`` and a 400 page elsewhere. A view marked
    ``@reads_raw_body`` (federation endpoints: signed bodies they check themselves) has only its
    path and query checked here: once a multipart stream is parsed its raw body can no longer be read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        try:
            self._check(request, view, args, kwargs)
        except TextRefused as exc:
            return refusal_response(request, exc)
        return None

    def _check(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        clean_text(request.path_info, max_length=2000, field="path")
        check_json([a for a in args if isinstance(a, str)], field="path")
        check_json({k: v for k, v in kwargs.items() if isinstance(v, str)}, field="path")
        check_json(dict(request.GET.lists()), field="query")
        if request.method != "POST":
            return
        content_type = request.content_type or ""
        if content_type not in FORM_CONTENT_TYPES:
            return
        if getattr(view, "reads_raw_body", False):
            return
        check_json(dict(request.POST.lists()), field="form")
        check_json({k: [f.name or "" for f in v] for k, v in request.FILES.lists()}, field="files")


def refusal_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """An ``ApplicationError`` raised before a view: the JSON error under ``/api/``, a 400 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    from django.views.defaults import bad_request

    return bad_request(request, SuspiciousOperation(str(exc.message)))
