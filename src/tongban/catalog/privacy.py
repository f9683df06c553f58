"""Which views of the catalog show personal data (tongban.core.privacy): none."""

from __future__ import annotations

from tongban.core.privacy import NONE, declare, declare_admin

declare(
    {
        "GET api/v1/catalog/items": NONE,
        "GET api/v1/catalog/items/<code>": NONE,
        "GET api/v1/catalog/uniformity": NONE,
        "GET api/v1/catalog/uniformity/<base_code>": NONE,
    }
)
declare_admin(["catalog.baseitem", "catalog.serviceitem", "catalog.theme"], NONE)
