"""Messages sharing sends to peer nodes about cross-region requests (see ``handlers`` for the receiving side).

- ``sharing.request_submitted``: a department of this region asks for a peer's resource; the
  provider's node keeps the request under the same number and its provider decides.
- ``sharing.request_moved``: a move of a cross-region request made on one node (decided, disputed,
  granted, revoked, expired, withdrawn) is mirrored on the other through the kernel.
"""

from __future__ import annotations

from django.conf import settings

from tongban.accounts.models import User
from tongban.federation import services as federation
from tongban.sharing.models import DataRequest

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
    other = request.requester_region if request.provider_region == _own_region() else request.provider_region
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


def _own_region() -> str:
    return str(settings.TONGBAN_REGION)
