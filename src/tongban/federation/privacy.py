"""Which views of the federation show personal data (tongban.core.privacy).

The endpoints answer peer nodes, not people: every exchange is in the message log."""

from __future__ import annotations

from tongban.core.privacy import NONE, declare, declare_admin, staff

declare(
    {
        "federation:node": NONE,
        "federation:messages": NONE,
        "federation:messages_batch": NONE,
        "federation:query": NONE,
        "federation:catalog": NONE,
    }
)
declare_admin(
    ["federation.inboxmessage", "federation.messagelog", "federation.outboxmessage"],
    staff("federation operations (message payloads)"),
)
declare_admin(["federation.peer", "federation.peercatalogitem"], NONE)
