"""Reads the portal needs that the catalog and regions apps do not offer as such.

Only published item versions are counted or listed: drafts and history are never public.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tongban.catalog.constants import ItemStatus, ServiceObject, ThemeAudience
from tongban.catalog.models import ServiceItem, Theme
from tongban.catalog.selectors import ItemSummary
from tongban.regions.models import Department, Region

_PUBLISHED = Q(service_items__status=ItemStatus.PUBLISHED)


@dataclass(frozen=True)
class ThemeGroup:
    audience: str
    label: str
    themes: Sequence[Theme]


def theme_groups() -> list[ThemeGroup]:
    """Themes grouped by audience (personal life events, then enterprise life cycle), with item counts."""
    themes = list(
        Theme.objects.annotate(item_count=Count("items", filter=Q(items__status=ItemStatus.PUBLISHED))).order_by(
            "audience", "order", "code"
        )
    )
    groups: list[ThemeGroup] = []
    for audience, label in ThemeAudience.choices:
        members = [t for t in themes if t.audience == audience]
        if members:
            groups.append(ThemeGroup(audience=audience, label=str(label), themes=members))
    return groups


def theme_find(*, code: str) -> Theme | None:
    return Theme.objects.filter(code=code).first()


def theme_list() -> QuerySet[Theme]:
    return Theme.objects.order_by("audience", "order", "code")


def department_counts(*, region_code: str) -> QuerySet[Department]:
    """Departments of one region that have published items, with the number of them (``item_count``)."""
    return (
        Department.objects.filter(region_id=region_code)
        .annotate(item_count=Count("service_items", filter=_PUBLISHED))
        .filter(item_count__gt=0)
        .order_by("code")
    )


def regions_offered() -> QuerySet[Region]:
    """Regions with at least one published item, with their number of items (``item_count``)."""
    return (
        Region.objects.annotate(item_count=Count("service_items", filter=_PUBLISHED))
        .filter(item_count__gt=0)
        .order_by("code")
    )


def region_find(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def department_choices(*, region_code: str | None) -> QuerySet[Department]:
    """Departments a search can be narrowed to: those with published items (in one region if given)."""
    qs = Department.objects.annotate(item_count=Count("service_items", filter=_PUBLISHED)).filter(item_count__gt=0)
    if region_code:
        qs = qs.filter(region_id=region_code)
    return qs.select_related("region").order_by("region_id", "code")


def item_codes_in_theme(*, theme_code: str) -> set[str]:
    """Implementation codes of the published items in a theme."""
    return set(
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED, themes__code=theme_code).values_list("code", flat=True)
    )


def published_count() -> int:
    return ServiceItem.objects.filter(status=ItemStatus.PUBLISHED).count()


def implementations_of(*, base_code: str) -> QuerySet[ServiceItem]:
    """The published regional implementations of one base item (for links from the uniformity page)."""
    return (
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED, base__base_code=base_code)
        .select_related("region")
        .order_by("region_id", "code")
    )


def item_summaries(
    *,
    codes: set[str],
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    service_object: str | None = None,
    cross_region_mode: str | None = None,
) -> list[ItemSummary]:
    """Published items among ``codes`` that pass the filters (same meaning as the catalog search), by code."""
    qs = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED, code__in=codes)
    lookups = {
        "region_id": region,
        "department__code": department,
        "kind": kind,
        "cross_region_mode": cross_region_mode,
    }
    qs = qs.filter(**{k: v for k, v in lookups.items() if v})
    if service_object == ServiceObject.BOTH:
        qs = qs.filter(service_object=ServiceObject.BOTH)
    elif service_object:
        qs = qs.filter(service_object__in=[service_object, ServiceObject.BOTH])
    return [
        ItemSummary(
            code=i.code,
            base_code=i.base.base_code,
            name=i.name,
            region=i.region_id,
            region_name=i.region.name,
            department=i.department.code,
            department_name=i.department.name,
            kind=i.kind,
            service_object=i.service_object,
            cross_region_mode=i.cross_region_mode,
            promised_limit_days=i.promised_limit_days,
            visits_needed=i.visits_needed,
            online_depth=i.online_depth,
        )
        for i in qs.select_related("base", "region", "department").order_by("code")
    ]
