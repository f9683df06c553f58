"""Which views of public resource trading show personal data (tongban.core.privacy).

Procedures, their documents and the opening hall are public; bids, experts and evaluations are not."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, declare_admin, staff

EVALUATION = staff("running and evaluating a procedure")

declare(
    {
        "trading:index": NONE,
        "trading:new": NONE,
        "trading:expert": OWN,
        "trading:document": NONE,
        "trading:procedure": NONE,
        "trading:register": OWN,
        "trading:bid": OWN,
        "trading:bid_withdraw": OWN,
        "trading:hall": NONE,
        "trading:evaluation": EVALUATION,
        "trading:complaint": OWN,
        "trading:operate": EVALUATION,
        "GET api/v1/trading/procedures": NONE,
        "GET api/v1/trading/procedures/<procedure_id>": NONE,
        "GET api/v1/trading/procedures/<procedure_id>/ocds/releases": NONE,
        "GET api/v1/trading/procedures/<procedure_id>/ocds/record": NONE,
        "GET api/v1/trading/procedures/<procedure_id>/draw": NONE,
        "POST api/v1/trading/procedures/<procedure_id>/registrations": OWN,
        "POST api/v1/trading/procedures/<procedure_id>/bids": OWN,
        "GET api/v1/trading/bids/<bid_id>": EVALUATION,
        "GET api/v1/trading/bids/<bid_id>/sealed": EVALUATION,
        "POST api/v1/trading/bids/<bid_id>/withdraw": OWN,
        "POST api/v1/trading/bids/<bid_id>/open": EVALUATION,
        "POST api/v1/trading/procedures/<procedure_id>/scores": EVALUATION,
    }
)
declare_admin(["trading.bid", "trading.complaint", "trading.expert", "trading.tradingrole"], EVALUATION)
declare_admin(["trading.draw", "trading.procedure", "trading.project"], NONE)
