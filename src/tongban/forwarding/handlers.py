"""Message types of cross-region cases (schema version 1), registered with the federation.

Each handler parses its payload (``invalid_payload`` on anything unexpected), checks that the
case named belongs to the sender (``forward_not_found`` otherwise) and applies the message
once: the inbox refuses a second delivery of a message id, and the effects are keyed by the
forwarding id, the bundle id and part number, or the status sequence number.
"""

from __future__ import annotations

from tongban.federation.models import InboxMessage
from tongban.federation.registry import register
from tongban.forwarding import intake, payloads, services
from tongban.forwarding.constants import (
    MSG_DELIVERED,
    MSG_FILE_PART,
    MSG_REFUSED,
    MSG_RESUBMIT,
    MSG_STATUS,
    MSG_SUBMIT,
)


@register(MSG_FILE_PART, versions=(1,))
def file_part(message: InboxMessage) -> None:
    intake.receive_part(sender=message.sender_region, part=payloads.parse(payloads.FilePart, message.payload))


@register(MSG_SUBMIT, versions=(1,))
def submit(message: InboxMessage) -> None:
    intake.receive_submit(sender=message.sender_region, submit=payloads.parse(payloads.Submit, message.payload))


@register(MSG_RESUBMIT, versions=(1,))
def resubmit(message: InboxMessage) -> None:
    intake.receive_resubmit(sender=message.sender_region, resubmit=payloads.parse(payloads.Resubmit, message.payload))


@register(MSG_DELIVERED, versions=(1,))
def delivered(message: InboxMessage) -> None:
    intake.receive_delivered(
        sender=message.sender_region, delivered=payloads.parse(payloads.Delivered, message.payload)
    )


@register(MSG_STATUS, versions=(1,))
def status(message: InboxMessage) -> None:
    services.status_apply(sender=message.sender_region, status=payloads.parse(payloads.Status, message.payload))


@register(MSG_REFUSED, versions=(1,))
def refused(message: InboxMessage) -> None:
    services.refusal_apply(sender=message.sender_region, refused=payloads.parse(payloads.Refused, message.payload))
