"""Which views of cross-region cases show personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, staff

CLERK = staff("cross-region case handling")

declare(
    {
        "forwarding:window": NONE,
        "forwarding:window_apply": NONE,
        "forwarding:online": NONE,
        "forwarding:online_apply": OWN,
        "forwarding:received": staff("the cross-region window queue"),
        "forwarding:mine": OWN,
        "forwarding:detail": CLERK,
        "forwarding:attach": CLERK,
        "forwarding:supply": CLERK,
        "forwarding:deliver": CLERK,
        "GET api/v1/cross-region/peer-items": NONE,
        "POST api/v1/cross-region/proxy": staff("receiving for another region"),
        "POST api/v1/cross-region/online": OWN,
        "GET api/v1/cross-region/mine": OWN,
        "GET api/v1/cross-region/queue": staff("the cross-region window queue"),
        "GET api/v1/cross-region/forwarded": CLERK,
        "GET api/v1/cross-region/<remote_id>": CLERK,
        "POST api/v1/cross-region/<remote_id>/files/<code>": CLERK,
        "POST api/v1/cross-region/<remote_id>/forward": CLERK,
        "POST api/v1/cross-region/<remote_id>/correction": CLERK,
        "POST api/v1/cross-region/<remote_id>/deliver": CLERK,
    }
)
