"""The one JSON error shape for every answer of the API and of the federation endpoints.

``ApplicationError.as_dict()`` is the shape (``{"code", "message"}`` and optional ``details``). This
module gives the errors that do not come from a service a stable code and a Chinese message by HTTP
status (a wrong method, a body too large, an unknown path, a server error…), and the middleware that
puts any non-JSON error answer under ``/api/`` or ``/federation/`` (Django's own 405, 400 or 413
pages, django-ninja's plain-text answers) into that shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError

# URL prefixes whose callers are programs: their errors are JSON, never an HTML page.
MACHINE_PREFIXES = ("/api/", "/federation/")

# status → (stable code, message) for errors that carry no code of their own
STATUS_ERRORS: dict[int, tuple[str, str | Promise]] = {
    400: ("bad_request", _("The request is invalid.")),
    401: ("not_authenticated", _("Please log in first.")),
    403: ("permission_denied", _("You are not allowed to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    406: ("not_acceptable", _("The requested format is not available.")),
    409: ("conflict", _("The request conflicts with the current state.")),
    413: ("request_too_large", _("The request is too large.")),
    415: ("unsupported_media_type", _("This content type is not accepted.")),
    422: ("validation_error", _("Some fields are invalid.")),
    429: ("too_many_requests", _("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", _("Something went wrong on our side. Please try again later.")),
    502: ("bad_gateway", _("A service this node depends on did not answer.")),
    503: ("unavailable", _("The service is temporarily unavailable.")),
}


class RequestTooLarge(ApplicationError):
    status = 413
    default_code = "request_too_large"
    default_message = _("The request is too large.")


class MalformedJSON(ApplicationError):
    status = 400
    default_code = "malformed_json"
    default_message = _("The request body is not valid JSON.")


class JSONTooDeep(ApplicationError):
    status = 400
    default_code = "json_too_deep"
    default_message = _("The request body is nested too deeply.")


class CsrfFailed(ApplicationError):
    status = 403
    default_code = "csrf_failed"
    default_message = _("The security token of this request is missing or out of date. Reload the page and try again.")


class TooManyRefusals(ApplicationError):
    status = 429
    default_code = "too_many_refusals"
    default_message = _("Too many refused requests from your address. Please wait a few minutes and try again.")


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def error_body(status: int, *, code: str | None = None, message: str | Promise | None = None) -> dict[str, Any]:
    default_code, default_message = STATUS_ERRORS.get(status, STATUS_ERRORS[500 if status >= 500 else 400])
    return {"code": code or default_code, "message": str(message if message is not None else default_message)}


def json_response(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


def error_response(
    status: int, *, code: str | None = None, message: str | Promise | None = None, details: Any = None
) -> HttpResponse:
    body = error_body(status, code=code, message=message)
    if details is not None:
        body["details"] = details
    return json_response(body, status)


def application_error_response(error: ApplicationError) -> HttpResponse:
    return json_response(error.as_dict(), error.status)


class ErrorContractMiddleware:
    """Under ``/api/`` and ``/federation/``: an error answer that is not JSON becomes the one shape.

    Django's and django-ninja's own answers (405 without a body, ``Method not allowed``, a CSRF or
    size refusal rendered as a page) keep their status and headers (``Allow``) and get the stable
    code and Chinese message of their status.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_machine_path(request.path):
            return response
        if str(response.get("Content-Type", "")).startswith("application/json"):
            return response
        replacement = error_response(response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement
