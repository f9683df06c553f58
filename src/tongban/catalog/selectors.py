"""Reads of the catalog. Only published versions are visible to the public."""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import NotFound


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)


def item_get(*, code: str) -> ServiceItem:
    """The published version of the item with this implementation code."""
    try:
        return (
            published_items()
            .select_related("base", "region", "department")
            .prefetch_related("materials", "themes")
            .get(code=code)
        )
    except ServiceItem.DoesNotExist:
        raise NotFound(code="item_not_found") from None
