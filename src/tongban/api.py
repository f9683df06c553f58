"""The HTTP API under ``/api/v1/``: one NinjaAPI, one error shape, a router per app."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from tongban.core.api_schemas import ErrorOut
from tongban.core.errors import ApplicationError
from tongban.core.http_errors import STATUS_ERRORS, RequestTooLarge, error_body
from tongban.core.jsonlimits import loads_bounded


class BoundedParser(Parser):
    """JSON bodies bounded in size and depth before they are parsed (``core.jsonlimits``)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        return cast(dict[str, Any], loads_bounded(request.body, max_bytes=limit))


# Error statuses every operation documents when its shape allows them (see ``document_errors``).
ERROR_DESCRIPTIONS = {
    400: "The request cannot be read (malformed JSON, nested too deeply, a bad parameter).",
    401: "Not logged in (session cookie or OAuth2 bearer token).",
    403: "Not allowed for the caller (or the CSRF token is missing).",
    404: "Not found, or not visible to the caller.",
    413: "The request body is too large.",
    415: "The uploaded file's content is not accepted.",
    422: "Some fields are invalid.",
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers an operation can give, by its shape, to the published OpenAPI document.

    Every error is the one shape (``ErrorOut``): any operation with parameters or a body can answer
    400 and 422; with a body 413 (and 415 for uploads); with authentication 401 and 403; with
    path parameters 404. What an operation declares itself is kept.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            body = operation.get("requestBody")
            statuses: set[int] = set()
            if parameters or body:
                statuses |= {400, 422}
            if body:
                statuses.add(413)
                if "multipart/form-data" in body.get("content", {}):
                    statuses.add(415)
            if operation.get("security"):
                statuses |= {401, 403}
            if any(p.get("in") == "path" for p in parameters):
                statuses.add(404)
            responses = operation["responses"]
            for status in sorted(statuses):
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": ERROR_DESCRIPTIONS[status], **error}
    return schema


class TongbanAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = TongbanAPI(
    title="Tongban API",
    version="1",
    description="Government services in one network: catalog, cases, licences, hotline.",
    urls_namespace="api",
    parser=BoundedParser(),
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    body = {"code": "validation_error", "message": _("Some fields are invalid."), "details": details}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "not_authenticated", "message": _("Please log in first.")}
    return api.create_response(request, body, status=401)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (an unreadable body, …) in the one shape: the cause's code, or the status's."""
    if isinstance(exc.__cause__, ApplicationError):
        return api.create_response(request, exc.__cause__.as_dict(), status=exc.__cause__.status)
    status = exc.status_code if exc.status_code in STATUS_ERRORS else 400
    return api.create_response(request, error_body(status), status=status)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    error = RequestTooLarge(details={"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    return api.create_response(request, error.as_dict(), status=error.status)


@api.get("/ping", tags=["system"], summary="Liveness check")
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _register_routers() -> None:
    from tongban.accounts.api import router as accounts_router
    from tongban.catalog.api import router as catalog_router
    from tongban.licences.api import router as licences_router

    api.add_router("/catalog/", catalog_router)
    api.add_router("/accounts/", accounts_router)
    api.add_router("/licences/", licences_router)
    from tongban.sharing.api import router as sharing_router

    api.add_router("/sharing/", sharing_router)
    from tongban.cases.api import router as cases_router

    api.add_router("/cases/", cases_router)
    from tongban.cases.joint.api import router as joint_router

    api.add_router("/joint-cases/", joint_router)
    from tongban.forwarding.api import router as forwarding_router

    api.add_router("/cross-region/", forwarding_router)
    from tongban.hotline.api import router as hotline_router

    api.add_router("/hotline/", hotline_router)
    from tongban.supervision.api import router as supervision_router

    api.add_router("/supervision/", supervision_router)
    from tongban.trading.api import router as trading_router

    api.add_router("/trading/", trading_router)


_register_routers()
