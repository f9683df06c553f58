"""Reads of the catalog. Only published versions are visible to the public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, F, FloatField, Max, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from tongban.catalog import search
from tongban.catalog.constants import CrossRegionMode, ItemKind, ItemStatus, ServiceObject
from tongban.catalog.models import SearchTerm, ServiceItem
from tongban.core.errors import NotFound, ValidationFailed
from tongban.regions.models import Department, Region


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


@dataclass(frozen=True)
class ItemSummary:
    """One line of a search result or item list."""

    code: str
    base_code: str
    name: str
    region: str
    region_name: str
    department: str
    department_name: str
    kind: str
    service_object: str
    cross_region_mode: str
    promised_limit_days: int
    visits_needed: int
    online_depth: int
    score: float = 0.0


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and how many items matched in all."""

    count: int
    page: int
    page_size: int
    items: list[ItemSummary]


MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 100

_SUMMARY_FIELDS = (
    "id",
    "code",
    "base__base_code",
    "name",
    "region_id",
    "region__name",
    "department__code",
    "department__name",
    "kind",
    "service_object",
    "cross_region_mode",
    "promised_limit_days",
    "visits_needed",
    "online_depth",
)


def _summary(row: dict[str, Any], score: float = 0.0) -> ItemSummary:
    return ItemSummary(
        code=row["code"],
        base_code=row["base__base_code"],
        name=row["name"],
        region=row["region_id"],
        region_name=row["region__name"],
        department=row["department__code"],
        department_name=row["department__name"],
        kind=row["kind"],
        service_object=row["service_object"],
        cross_region_mode=row["cross_region_mode"],
        promised_limit_days=row["promised_limit_days"],
        visits_needed=row["visits_needed"],
        online_depth=row["online_depth"],
        score=score,
    )


def _search_filters(
    *,
    region: str | None,
    department: str | None,
    kind: str | None,
    service_object: str | None,
    cross_region_mode: str | None,
) -> dict[str, Any]:
    """The item filters as lookups on ``ServiceItem``; invalid values raise ``ValidationFailed``."""
    lookups: dict[str, Any] = {"status": ItemStatus.PUBLISHED}
    if region:
        if not Region.objects.filter(code=region).exists():
            raise ValidationFailed(_("Unknown region code."), code="invalid_region")
        lookups["region_id"] = region
    if department:
        departments = Department.objects.filter(code=department)
        if region:
            departments = departments.filter(region_id=region)
        if not departments.exists():
            raise ValidationFailed(_("Unknown department code."), code="invalid_department")
        lookups["department__code"] = department
    if kind:
        if kind not in ItemKind.values:
            raise ValidationFailed(_("Unknown item kind."), code="invalid_kind")
        lookups["kind"] = kind
    if service_object:
        if service_object not in ServiceObject.values:
            raise ValidationFailed(_("Unknown service object."), code="invalid_service_object")
        if service_object == ServiceObject.BOTH:
            lookups["service_object"] = ServiceObject.BOTH
        else:
            lookups["service_object__in"] = [service_object, ServiceObject.BOTH]
    if cross_region_mode:
        if cross_region_mode not in CrossRegionMode.values:
            raise ValidationFailed(_("Unknown cross-region mode."), code="invalid_cross_region_mode")
        lookups["cross_region_mode"] = cross_region_mode
    return lookups


def _term_prefix_q(prefix: str) -> Q:
    """Terms starting with ``prefix``: an index range on SQLite (binary order), LIKE elsewhere.

    SQLite's LIKE is case-insensitive and cannot use the index; terms are lower-case, so the
    range ``[prefix, prefix+1)`` is exact. PostgreSQL uses its ``varchar_pattern_ops`` index.
    """
    if connection.vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(term__gte=prefix, term__lt=upper)
    return Q(term__startswith=prefix)


def _ranked_ids(words: list[search.QueryWord], item_lookups: dict[str, Any]) -> list[tuple[int, float]]:
    """(item id, score) of every item matching at least one query word, best first."""
    weight = F("weight")
    aggregates: dict[str, Max] = {}
    any_term = Q()
    for i, word in enumerate(words):
        whens = [When(term__in=word.exact, then=weight * search.F_EXACT)]
        any_term |= Q(term__in=word.exact)
        if word.subwords:
            whens.append(When(term__in=word.subwords, then=weight * search.F_SUBWORD))
            any_term |= Q(term__in=word.subwords)
        if word.prefix:
            whens.append(When(_term_prefix_q(word.prefix), then=weight * search.F_PREFIX))
            any_term |= _term_prefix_q(word.prefix)
        aggregates[f"s{i}"] = Max(Case(*whens, default=Value(0.0), output_field=FloatField()))
    # A semi-join on ``item_id + 0``: the filters select many items and a term only a few, so
    # the database must read the term index first; without the ``+ 0`` SQLite prefers the
    # ``item_id`` index and reads every term of every item that passes the filters.
    rows = (
        SearchTerm.objects.alias(item_ref=F("item_id") + 0)
        .filter(any_term, item_ref__in=ServiceItem.objects.filter(**item_lookups).values("id"))
        .order_by()
        .values("item_id")
        .annotate(**aggregates)
    )
    keyed: list[tuple[int, float, int]] = []
    for row in rows:
        values: dict[str, Any] = dict(row)
        scores = [values[f"s{i}"] or 0.0 for i in range(len(words))]
        matched = sum(1 for s in scores if s > 0)
        keyed.append((-matched, -sum(scores), values["item_id"]))
    keyed.sort()
    return [(k[2], -k[1]) for k in keyed]


def item_search(
    *,
    q: str = "",
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    service_object: str | None = None,
    cross_region_mode: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """Published items matching a free-text query (Chinese, pinyin or initials) and filters.

    With a query, the best matches come first: items matching more of the query's words, then
    higher summed weight (a match in the name outweighs one in the content). Without one, all
    items passing the filters, ordered by code. Bad filter values raise ``ValidationFailed``.
    """
    if page < 1:
        raise ValidationFailed(_("The page number must be 1 or more."), code="invalid_page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            _("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}, code="invalid_page_size"
        )
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            _("The search text may have at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            code="invalid_query",
        )
    item_lookups = _search_filters(
        region=region,
        department=department,
        kind=kind,
        service_object=service_object,
        cross_region_mode=cross_region_mode,
    )
    start = (page - 1) * page_size
    words = search.parse_query(q) if q else []
    if not words:
        if q:  # only punctuation or symbols: nothing can match
            return SearchPage(count=0, page=page, page_size=page_size, items=[])
        qs = ServiceItem.objects.filter(**item_lookups)
        count = qs.count()
        rows = qs.order_by("code").values(*_SUMMARY_FIELDS)[start : start + page_size]
        return SearchPage(count=count, page=page, page_size=page_size, items=[_summary(r) for r in rows])

    ranked = _ranked_ids(words, item_lookups)
    window = ranked[start : start + page_size]
    by_id = {r["id"]: r for r in ServiceItem.objects.filter(id__in=[i for i, _s in window]).values(*_SUMMARY_FIELDS)}
    items = [_summary(by_id[i], score) for i, score in window if i in by_id]
    return SearchPage(count=len(ranked), page=page, page_size=page_size, items=items)


def item_history(*, code: str) -> list[ServiceItem]:
    """Every version of an item, newest first: the draft, the live version, superseded and withdrawn ones."""
    versions = list(
        ServiceItem.objects.filter(code=code)
        .select_related("base", "region", "department")
        .prefetch_related("materials", "themes")
        .order_by("-version")
    )
    if not versions:
        raise NotFound(code="item_not_found")
    return versions
