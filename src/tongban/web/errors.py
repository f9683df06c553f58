"""The site's error answers: Chinese pages for people, the one JSON shape for programs.

Named as Django's ``handler400/403/404/500`` in ``tongban.urls`` and as ``CSRF_FAILURE_VIEW``. Under
``/api/`` and ``/federation/`` each answers ``{"code", "message"}`` (``core.http_errors``); elsewhere
a page in the visitor's language (Chinese by default). The 500 page is rendered without the
request's context processors and without the base layout: it must show even when the database is
what failed.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from tongban.core.http_errors import (
    CsrfFailed,
    RequestTooLarge,
    application_error_response,
    error_response,
    is_machine_path,
)


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a malformed request, or one larger than the node accepts (then 413)."""
    if isinstance(exception, RequestDataTooBig):
        if is_machine_path(request.path):
            return application_error_response(RequestTooLarge())
        return _page(
            request,
            413,
            _("The request is too large"),
            _("What you sent is larger than this site accepts. Upload smaller files, or fewer at a time."),
        )
    if is_machine_path(request.path):
        return error_response(400)
    return _page(
        request,
        400,
        _("The request is invalid"),
        _("The page could not understand the request. Go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``."""
    if is_machine_path(request.path):
        return error_response(403)
    return _page(
        request,
        403,
        _("You are not allowed to see this page"),
        _("Log in with an account that may see it, or go back to the home page."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: the portal's page (search, home, 12345), or JSON for programs."""
    if is_machine_path(request.path):
        return error_response(404)
    return render(request, "web/404.html", {"message": ""}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: no detail of the failure is shown."""
    if is_machine_path(request.path):
        return error_response(500)
    html = loader.get_template("web/500.html").render({})
    return HttpResponse(html, status=500, content_type="text/html; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form posted without (or with an old) security token."""
    if is_machine_path(request.path):
        return application_error_response(CsrfFailed())
    return _page(
        request,
        403,
        _("This page has expired"),
        _(
            "For your security the form could not be sent: it was open too long or your browser blocks cookies. "
            "Reload the page and send it again."
        ),
    )
