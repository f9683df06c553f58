from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongban.web.context_processors import ELDERLY_COOKIE


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@require_POST
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Turn the elderly-friendly mode on or off; the choice is kept in a cookie for a year."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(ELDERLY_COOKIE)
    return response
