"""The peer connector: a peer region's node, over the federation (a signed query, a signed answer).

Settings per resource (``connector_config``): ``region`` (the peer's region code, required),
``resource`` (the resource's code at the peer, default the same code) and ``timeout`` (seconds,
default 5). The peer checks its own approval of the requesting department, reads its own source,
logs the read in its own access log and signs the answer (``sharing.handlers``, ADR 0022); the
answer's compact JWS is kept as the signature of the receipt.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext

from tongban.core.errors import ApplicationError
from tongban.federation import errors as federation_errors
from tongban.federation import services as federation
from tongban.sharing import errors
from tongban.sharing.connectors.base import Fetched, FetchRequest
from tongban.sharing.constants import ConnectorKind

READ = "sharing.read"


def peer_read(request: FetchRequest) -> Fetched:
    """Read a peer's resource through its node."""
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


class PeerConnector:
    kind = ConnectorKind.PEER.value

    def fetch(self, request: FetchRequest) -> Fetched:
        return peer_read(request)
