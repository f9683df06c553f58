"""Federation endpoints under ``/federation/v1/``: the node document and the message inbox."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tongban.core.context import RequestContext, bound
from tongban.core.middleware import reads_raw_body
from tongban.federation import errors, services, signing

MAX_BODY = 1024 * 1024


@require_GET
def node(request: HttpRequest) -> JsonResponse:
    """Region, base URL and the key set signed by each published key (see ADR 0013)."""
    response = JsonResponse(signing.node_document())
    response["Cache-Control"] = "no-store"
    return response


@reads_raw_body
@csrf_exempt
@require_POST
def messages(request: HttpRequest) -> JsonResponse:
    """Receive one signed message (compact JWS, ``application/jose``); 202 once it is stored."""
    with bound(RequestContext(source="federation")):
        if len(request.body) > MAX_BODY:
            refusal = errors.malformed("body too large")
            return JsonResponse(refusal.as_dict(), status=413, json_dumps_params={"ensure_ascii": False})
        try:
            token = request.body.decode("ascii").strip()
        except UnicodeDecodeError:
            token = ""
        try:
            message = services.message_receive(token=token)
        except errors.MessageRefused as exc:
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(
        {"code": "accepted", "id": str(message.message_id), "status": message.status, "error_code": message.error_code},
        status=202,
    )


@csrf_exempt
@require_POST
def query(request: HttpRequest) -> HttpResponse:
    """Answer one signed query (compact JWS): 200 with the signed answer, or a refusal as for messages."""
    with bound(RequestContext(source="federation")):
        if len(request.body) > MAX_BODY:
            refusal = errors.malformed("body too large")
            return JsonResponse(refusal.as_dict(), status=413, json_dumps_params={"ensure_ascii": False})
        try:
            token = request.body.decode("ascii").strip()
        except UnicodeDecodeError:
            token = ""
        try:
            answer = services.query_receive(token=token)
        except errors.MessageRefused as exc:
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(answer, content_type="application/jose")
    response["Cache-Control"] = "no-store"
    return response


MAX_BATCH = 500


@reads_raw_body
@csrf_exempt
@require_POST
def messages_batch(request: HttpRequest) -> JsonResponse:
    """Receive a batch of signed messages (``{"messages": [compact JWS, ...]}``); one result per message.

    200 once every message of the batch is stored (or refused, each with its own code and status);
    a batch that cannot be read at all is refused as a whole (413 / 400 ``malformed_message``).
    """
    with bound(RequestContext(source="federation")):
        try:
            body = request.body
        except RequestDataTooBig:
            refusal = errors.malformed("body too large")
            return JsonResponse(refusal.as_dict(), status=413, json_dumps_params={"ensure_ascii": False})
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            document = None
        tokens = document.get("messages") if isinstance(document, dict) else None
        if not isinstance(tokens, list) or not 1 <= len(tokens) <= MAX_BATCH:
            refusal = errors.malformed(f'expected {{"messages": [1 to {MAX_BATCH} compact JWS]}}')
            return JsonResponse(refusal.as_dict(), status=400, json_dumps_params={"ensure_ascii": False})
        results = services.message_receive_batch(tokens=[t.strip() if isinstance(t, str) else t for t in tokens])
    return JsonResponse({"code": "accepted", "results": [r.as_dict() for r in results]}, status=200)
