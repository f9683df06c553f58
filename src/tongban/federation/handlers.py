"""Built-in message types of the federation itself."""

from __future__ import annotations

from tongban.federation import events
from tongban.federation.models import InboxMessage
from tongban.federation.registry import register


@register("federation.ping", versions=(1,))
def ping(message: InboxMessage) -> None:
    """A connectivity check between nodes; its one effect is an audit event on the receiver."""
    events.ping_received(message=message)
