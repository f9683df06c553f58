"""Names in the reader's language: catalog rows carry a Chinese ``name`` and an optional ``name_en``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def wants_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def localized_name(obj: Any) -> str:
    """``obj.name_en`` when the page is in English and the row has one, otherwise ``obj.name``."""
    name = str(getattr(obj, "name", "") or "")
    if wants_english():
        english = str(getattr(obj, "name_en", "") or "")
        if english:
            return english
    return name
