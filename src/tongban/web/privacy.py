"""The portal's pages show no personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, declare

declare(
    {
        "web:home": NONE,
        "web:search": NONE,
        "web:item_guide": NONE,
        "web:uniformity_report": NONE,
        "web:uniformity_detail": NONE,
        "web:elderly_mode": NONE,
    }
)
