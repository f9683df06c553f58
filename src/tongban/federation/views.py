"""Federation endpoints under ``/federation/v1/``: the node document and the message inbox."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.core.http_errors import RequestTooLarge, TooManyRefusals, application_error_response
from tongban.core.jsonlimits import loads_bounded
from tongban.federation import errors, refusals, services, signing

MAX_BODY = 1024 * 1024


@require_GET
def node(request: HttpRequest) -> JsonResponse:
    """Region, base URL and the key set signed by each published key (see ADR 0013)."""
    response = JsonResponse(signing.node_document())
    response["Cache-Control"] = "no-store"
    return response


def _source(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _refusal(error: ApplicationError) -> HttpResponse:
    return application_error_response(error)


def _read_body(request: HttpRequest, limit: int) -> bytes | HttpResponse:
    """The request's body, or the refusal to answer: too many refusals from the address (429, before
    anything is read), a body declared or found larger than ``limit`` (413)."""
    if refusals.over_limit(source=_source(request)):
        return _refusal(TooManyRefusals())
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _refusal(RequestTooLarge(details={"max_bytes": limit}))
    try:
        body = request.body
    except RequestDataTooBig:
        return _refusal(RequestTooLarge(details={"max_bytes": limit}))
    if len(body) > limit:
        return _refusal(RequestTooLarge(details={"max_bytes": limit}))
    return body


@csrf_exempt
@require_POST
def messages(request: HttpRequest) -> HttpResponse:
    """Receive one signed message (compact JWS, ``application/jose``); 202 once it is stored."""
    with bound(RequestContext(source="federation")):
        body = _read_body(request, MAX_BODY)
        if isinstance(body, HttpResponse):
            return body
        try:
            token = body.decode("ascii").strip()
        except UnicodeDecodeError:
            token = ""
        try:
            message = services.message_receive(token=token, source=_source(request))
        except errors.MessageRefused as exc:
            return _refusal(exc)
    return JsonResponse(
        {"code": "accepted", "id": str(message.message_id), "status": message.status, "error_code": message.error_code},
        status=202,
    )


@csrf_exempt
@require_POST
def query(request: HttpRequest) -> HttpResponse:
    """Answer one signed query (compact JWS): 200 with the signed answer, or a refusal as for messages."""
    with bound(RequestContext(source="federation")):
        body = _read_body(request, MAX_BODY)
        if isinstance(body, HttpResponse):
            return body
        try:
            token = body.decode("ascii").strip()
        except UnicodeDecodeError:
            token = ""
        try:
            answer = services.query_receive(token=token, source=_source(request))
        except errors.MessageRefused as exc:
            return _refusal(exc)
    response = HttpResponse(answer, content_type="application/jose")
    response["Cache-Control"] = "no-store"
    return response


MAX_BATCH = 500
# The outbox worker sends at most delivery.MAX_BATCH_BYTES (2,000,000) in one batch.
MAX_BATCH_BODY = 2_500_000
MAX_BATCH_DEPTH = 4


@csrf_exempt
@require_POST
def messages_batch(request: HttpRequest) -> HttpResponse:
    """Receive a batch of signed messages (``{"messages": [compact JWS, ...]}``); one result per message.

    200 once every message of the batch is stored (or refused, each with its own code and status);
    a batch that cannot be read at all is refused as a whole (413 ``request_too_large``, 400
    ``malformed_message``) and counts as one refusal of the address; 429 ``too_many_refusals`` for an
    address with too many refusals in the current window (``federation.refusals``).
    """
    with bound(RequestContext(source="federation")):
        body = _read_body(request, MAX_BATCH_BODY)
        if isinstance(body, HttpResponse):
            return body
        try:
            document = loads_bounded(body, max_bytes=MAX_BATCH_BODY, max_depth=MAX_BATCH_DEPTH)
        except ApplicationError:
            document = None
        tokens = document.get("messages") if isinstance(document, dict) else None
        if not isinstance(tokens, list) or not 1 <= len(tokens) <= MAX_BATCH:
            refusals.count(source=_source(request), refusals=1)
            return _refusal(errors.malformed(f'expected {{"messages": [1 to {MAX_BATCH} compact JWS]}}'))
        results = services.message_receive_batch(
            tokens=[t.strip() if isinstance(t, str) else t for t in tokens], source=_source(request)
        )
    return JsonResponse({"code": "accepted", "results": [r.as_dict() for r in results]}, status=200)
