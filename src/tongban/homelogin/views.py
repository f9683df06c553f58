"""Pages of the cross-region login (ADR 0015): start a login at a peer region's provider, its callback,
and the endpoint where a peer node registers itself as an OIDC client here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tongban.accounts.sessions import session_login
from tongban.accounts.views import safe_next
from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.core.middleware import reads_raw_body
from tongban.homelogin import federated_login

MAX_BODY = 64 * 1024


@require_POST
def federated_login_start(request: HttpRequest, region_code: str) -> HttpResponse:
    """The button "log in with your home region's account": off to the peer's provider."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    try:
        start = federated_login.federated_login_begin(region_code=region_code, next_url=next_url)
    except ApplicationError as exc:
        return _error_page(request, region_code, exc)
    request.session[federated_login.SESSION_KEY] = start.pending
    return HttpResponseRedirect(start.authorization_url)


@require_GET
def federated_login_callback(request: HttpRequest, region_code: str) -> HttpResponse:
    """The peer's provider sends the browser back here with a code and the state."""
    pending = request.session.pop(federated_login.SESSION_KEY, None)  # single use, whatever the outcome
    try:
        user = federated_login.federated_login_complete(
            region_code=region_code,
            pending=pending,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
        )
    except ApplicationError as exc:
        return _error_page(request, region_code, exc)
    next_url = str(pending.get("next", "")) if isinstance(pending, dict) else ""
    session_login(request, user)
    return HttpResponseRedirect(safe_next(request, next_url))


def _error_page(request: HttpRequest, region_code: str, exc: ApplicationError) -> HttpResponse:
    context = {
        "code": exc.code,
        "message": str(exc.message),
        "region_name": federated_login.region_name(region_code) if region_code.isdigit() else region_code,
    }
    status = exc.status if 400 <= exc.status < 500 else 502
    return render(request, "homelogin/federated_error.html", context, status=status)


@reads_raw_body
@csrf_exempt
@require_POST
def peer_client_register(request: HttpRequest) -> HttpResponse:
    """``POST /federation/v1/oidc-clients``: a peer node's signed registration statement; answers a signed one."""
    with bound(RequestContext(source="federation")):
        if len(request.body) > MAX_BODY:
            return JsonResponse({"code": "malformed_message", "message": "body too large"}, status=413)
        try:
            token = request.body.decode("ascii").strip()
        except UnicodeDecodeError:
            token = ""
        try:
            answer = federated_login.peer_login_client_register(token=token)
        except ApplicationError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(answer, content_type="application/jose", status=201)
    response["Cache-Control"] = "no-store"
    return response
