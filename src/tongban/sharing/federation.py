"""Data sharing between regions (跨区域查询): the messages and the query sharing sends to peer nodes.

- ``sharing.request_submitted`` (message): a department of this region asks for a peer's resource;
  the provider's node keeps the request under the same number and its provider decides.
- ``sharing.request_moved`` (message): a move of a cross-region request made on one node (decided,
  disputed, granted, revoked, expired, withdrawn) is mirrored on the other, through the kernel.
- ``sharing.read`` (query, ADR 0020): a read of a peer's resource; the provider's node checks its
  own approval of the requesting department, reads, logs the read in its own access log and signs
  the answer, which this node keeps as the receipt's signature.

Handlers check that the sender is the node the business object belongs to (as the hotline does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError
from tongban.federation import errors as federation_errors
from tongban.federation import services as federation
from tongban.federation.models import InboxMessage
from tongban.federation.registry import register, register_query
from tongban.sharing import errors
from tongban.sharing.connectors import FetchRequest, Fetched
from tongban.sharing.models import DataRequest

READ = "sharing.read"
SUBMITTED = "sharing.request_submitted"
MOVED = "sharing.request_moved"


def send_request(*, request: DataRequest, actor: User | None) -> None:
    federation.message_send(
        recipient_region=request.provider_region,
        type=SUBMITTED,
        payload={
            "number": request.number,
            "resource_code": request.resource_code,
            "requester_code": request.requester.code,
            "fields": list(request.fields),
            "item_codes": list(request.item_codes),
            "purposes": list(request.purposes),
            "purpose_text": request.purpose_text,
            "legal_basis": request.legal_basis,
            "period_from": request.period_from.isoformat(),
            "period_to": request.period_to.isoformat(),
            "requested_by": request.requested_by_label,
        },
        correlation_id=request.number,
        actor=actor,
    )


def send_move(*, request: DataRequest, action: str, actor: User | None) -> None:
    other = request.requester_region if request.provider_region == federation_own_region() else request.provider_region
    federation.message_send(
        recipient_region=other,
        type=MOVED,
        payload={
            "number": request.number,
            "action": action,
            "values": {
                "approved_fields": list(request.approved_fields),
                "masked_fields": list(request.masked_fields),
                "approved_from": request.approved_from.isoformat() if request.approved_from else "",
                "approved_to": request.approved_to.isoformat() if request.approved_to else "",
                "conditions": request.conditions,
                "decision_reason": request.decision_reason,
                "dispute_reason": request.dispute_reason,
                "decided_by_label": request.decided_by_label,
            },
        },
        correlation_id=request.number,
        actor=actor,
    )


def federation_own_region() -> str:
    from tongban.sharing.selectors import own_region

    return own_region()


def _submitted(message: InboxMessage) -> None:
    from tongban.sharing import services

    services.request_receive_remote(payload=dict(message.payload), sender_region=message.sender_region)


def _moved(message: InboxMessage) -> None:
    from tongban.sharing import selectors, services

    payload = dict(message.payload)
    request = selectors.request_get(number=str(payload.get("number", "")))
    values = payload.get("values")
    services.request_apply_remote_move(
        request=request,
        action=str(payload.get("action", "")),
        values=dict(values) if isinstance(values, dict) else {},
        sender_region=message.sender_region,
    )


def _read(message: InboxMessage) -> dict[str, Any]:
    from tongban.sharing import services

    return services.serve_peer_read(payload=dict(message.payload), sender_region=message.sender_region)


def register_handlers() -> None:
    register(SUBMITTED)(_submitted)
    register(MOVED)(_moved)
    register_query(READ)(_read)


def peer_read(request: FetchRequest) -> Fetched:
    """Read a peer's resource through its node (the peer connector's work)."""
    region = str(request.config.get("region", ""))
    timeout = float(request.config.get("timeout", 5))
    payload = {
        "resource": str(request.config.get("resource") or request.resource_code),
        "subject": request.subject_id,
        "fields": list(request.fields),
        "purpose": request.purpose,
        "context_kind": request.context_kind,
        "context_id": request.context_id,
        "department_code": request.department_code,
        "actor": request.actor_label,
    }
    try:
        answer = federation.query_send(recipient_region=region, type=READ, payload=payload, timeout=timeout)
    except federation_errors.MessageRefused as exc:
        if exc.code == "peer_down":
            raise errors.provider_unavailable(f"peer {region} down") from exc
        if exc.code == "answer_invalid":
            raise errors.provider_garbage(str(exc.message)) from exc
        raise errors.peer_refused(exc.code, str(exc.message)) from exc
    except ApplicationError as exc:  # not a peer of this node
        raise errors.peer_refused(exc.code, str(exc.message)) from exc
    body = answer.payload
    error = body.get("error")
    if isinstance(error, dict):
        raise errors.peer_refused(str(error.get("code", "")), str(error.get("message", "")))
    found = body.get("found")
    data = body.get("data")
    if not isinstance(found, bool) or not isinstance(data, dict):
        raise errors.provider_garbage(gettext("The peer's answer has no data."))
    updated = None
    if body.get("updated_at"):
        try:
            updated = dt.datetime.fromisoformat(str(body["updated_at"]))
        except ValueError:
            updated = None
    wanted = request.fields or tuple(str(k) for k in data)
    return Fetched(
        found=found,
        data={f: data.get(f) for f in wanted if f in data},
        source_updated_at=updated,
        token=answer.token,
        kid=answer.kid,
        signer_region=answer.sender,
        approval_number=str(body.get("approval", ""))[:40],
    )
