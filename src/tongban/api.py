"""The HTTP API under ``/api/v1/``: one NinjaAPI, one error shape, a router per app."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.types import DictStrAny

from tongban.core.errors import ApplicationError
from tongban.core.text import check_json


class CheckedParser(Parser):
    """Every JSON body, query and form of the API passes the one text check (``tongban.core.text``):
    no control characters, no lone surrogates, bounded depth and size, before any schema sees it."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        check_json(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        parsed = super().parse_querydict(data, list_fields, request)
        check_json({key: _text_of(value) for key, value in parsed.items()})
        return parsed


def _text_of(value: Any) -> Any:
    """The text a query, form or file value carries (a file: its name)."""
    if isinstance(value, list):
        return [_text_of(v) for v in value]
    return value if isinstance(value, str) else str(getattr(value, "name", "") or "")


api = NinjaAPI(
    title="Tongban API",
    version="1",
    description="Government services in one network: catalog, cases, licences, hotline.",
    urls_namespace="api",
    parser=CheckedParser(),
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
    if isinstance(exc.__cause__, ApplicationError):  # the body parser's refusal (CheckedParser)
        return _application_error(request, exc.__cause__)
    return api.create_response(request, {"code": "http_error", "message": str(exc)}, status=exc.status_code)


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
