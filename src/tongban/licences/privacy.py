"""Which views of licences show personal data (tongban.core.privacy).

Verification answers minimal fields (no ID number); a presentation shows what its holder chose."""

from __future__ import annotations

from tongban.core.privacy import NONE, OWN, declare, declare_admin, staff

ADMINISTRATION = staff("licence administration")

declare(
    {
        "jwks": NONE,
        "licences:verify": NONE,
        "licences:presentation": NONE,
        "licences:mine": OWN,
        "licences:uses": OWN,
        "licences:detail": OWN,
        "licences:pdf": OWN,
        "licences:vc": OWN,
        "licences:staff": ADMINISTRATION,
        "licences:staff_detail": ADMINISTRATION,
        "licences:credential": NONE,
        "licences:issuer": NONE,
        "licences:status_list": NONE,
        "POST api/v1/licences/verify": NONE,
        "POST api/v1/licences/presentations/verify": NONE,
        "GET api/v1/licences/types": NONE,
        "GET api/v1/licences/mine": OWN,
        "GET api/v1/licences/mine/uses": OWN,
        "GET api/v1/licences/usable": OWN,
        "POST api/v1/licences/uses": OWN,
        "POST api/v1/licences/mine/<number>/presentations": OWN,
        "POST api/v1/licences/import": ADMINISTRATION,
        "POST api/v1/licences/": ADMINISTRATION,
        "GET api/v1/licences/<number>": ADMINISTRATION,
        "GET api/v1/licences/<number>/vc-jwt": staff("downloading a licence"),
        "GET api/v1/licences/<number>/pdf": staff("downloading a licence"),
        "POST api/v1/licences/<number>/suspend": ADMINISTRATION,
        "POST api/v1/licences/<number>/reinstate": ADMINISTRATION,
        "POST api/v1/licences/<number>/revoke": ADMINISTRATION,
        "POST api/v1/licences/<number>/reissue": ADMINISTRATION,
    }
)
declare_admin(["licences.licence", "licences.licenceuse"], ADMINISTRATION)
declare_admin(["licences.licencetype", "licences.signingkey"], NONE)
