"""Regions and departments hold no personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, declare_admin

declare_admin(["regions.region", "regions.department"], NONE)
