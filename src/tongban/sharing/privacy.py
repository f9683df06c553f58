"""Which views of data sharing show personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, declare_admin, staff

declare(
    {
        "sharing:catalog": NONE,
        "sharing:resource_new": NONE,
        "sharing:resource": NONE,
        "sharing:resource_edit": NONE,
        "sharing:requests": NONE,
        "sharing:request": NONE,
        "sharing:mine": OWN,
        "sharing:objection": OWN,
        "sharing:proofs": NONE,
        "sharing:receipt": staff("reading shared data for a case"),
        "sharing:anomalies": staff("supervising data access"),
        "GET api/v1/sharing/resources": NONE,
        "POST api/v1/sharing/resources": NONE,
        "GET api/v1/sharing/resources/<code>": NONE,
        "POST api/v1/sharing/resources/<code>/publish": NONE,
        "GET api/v1/sharing/requests": NONE,
        "POST api/v1/sharing/requests": NONE,
        "GET api/v1/sharing/requests/<number>": NONE,
        "POST api/v1/sharing/requests/<number>/decision": NONE,
        "POST api/v1/sharing/requests/<number>/dispute": NONE,
        "POST api/v1/sharing/requests/<number>/settlement": NONE,
        "POST api/v1/sharing/requests/<number>/revocation": NONE,
        "POST api/v1/sharing/reads": staff("fetching shared data"),
        "GET api/v1/sharing/mine/reads": OWN,
        "POST api/v1/sharing/mine/reads/<read_id>/objection": OWN,
    }
)
declare_admin(
    [
        "sharing.accesslogentry",
        "sharing.anomaly",
        "sharing.datareceipt",
        "sharing.objection",
        "sharing.providerrecord",
        "sharing.verificationtask",
    ],
    staff("data sharing administration"),
)
declare_admin(["sharing.dataresource", "sharing.datarequest", "sharing.proofrequirement"], NONE)
