"""Which views of the hotline show personal data (tongban.core.privacy).

The Open311 endpoints publish only what callers agreed to publish, without personal data."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, declare_admin, staff

HANDLING = staff("ticket handling")

declare(
    {
        "hotline:agent": staff("the hotline queues"),
        "hotline:ticket": HANDLING,
        "hotline:act": HANDLING,
        "hotline:propose": HANDLING,
        "hotline:department": staff("the department's ticket queue"),
        "hotline:supervisor": staff("hotline supervision"),
        "hotline:kb": NONE,
        "hotline:kb_results": NONE,
        "hotline:kb_publish": NONE,
        "hotline:figures": NONE,
        "hotline:track": OWN,
        "hotline:track_evaluate": OWN,
        "open311:services": NONE,
        "open311:service": NONE,
        "open311:requests": NONE,
        "open311:request": NONE,
        "POST api/v1/hotline/tickets": staff("taking a call"),
        "GET api/v1/hotline/tickets": staff("the ticket list"),
        "GET api/v1/hotline/tickets/<int:pk>": HANDLING,
        "POST api/v1/hotline/tickets/<int:pk>/<action>": HANDLING,
        "GET api/v1/hotline/tickets/<int:pk>/suggestions": NONE,
        "GET api/v1/hotline/tickets/<int:pk>/duplicates": staff("finding duplicate tickets"),
        "GET api/v1/hotline/kb/search": NONE,
        "GET api/v1/hotline/kb/export": NONE,
        "POST api/v1/hotline/kb/import": NONE,
        "GET api/v1/hotline/track": OWN,
    }
)
declare_admin(["hotline.ticket", "hotline.tickettransfer"], staff("hotline administration"))
declare_admin(["hotline.knowledgeentry", "hotline.open311key"], NONE)
