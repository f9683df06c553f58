"""Federation message types of joint cases, registered when the cases app is ready."""

from __future__ import annotations

from tongban.cases.joint import services
from tongban.cases.joint.constants import MSG_OPEN, MSG_STEP
from tongban.federation.models import InboxMessage
from tongban.federation.registry import register


@register(MSG_OPEN, versions=(1,))
def joint_open(message: InboxMessage) -> None:
    services.joint_open_receive(sender=message.sender_region, payload=message.payload)


@register(MSG_STEP, versions=(1,))
def joint_step(message: InboxMessage) -> None:
    services.joint_step_receive(sender=message.sender_region, payload=message.payload)
