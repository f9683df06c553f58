"""Template helpers of the resident portal."""

from __future__ import annotations

from typing import Any

from django import template

from tongban.web.i18n import localized_name
from tongban.web.uniformity_view import element_label

register = template.Library()


@register.filter
def localized(obj: Any) -> str:
    """The object's name in the page's language (``name_en`` in English when it has one)."""
    return localized_name(obj)


@register.filter
def percent(value: float | int | None) -> str:
    """0.8571 → "86%"."""
    if value is None:
        return ""
    return f"{round(float(value) * 100)}%"


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """``{{ values|get_item:region }}``: a dictionary's value by a key held in a variable."""
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.filter
def element_name(element: str) -> str:
    """The label of one of the six uniformity elements (``"legal_basis"`` → 设定依据)."""
    return element_label(element)
