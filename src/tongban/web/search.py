"""The portal's search: the catalog's ``item_search``, plus a filter by theme (life event) on top."""

from __future__ import annotations

from tongban.catalog.selectors import MAX_PAGE_SIZE, ItemSummary, SearchPage, item_search
from tongban.core.errors import ValidationFailed
from tongban.web import selectors

PAGE_SIZE = 10
# With words and a theme, ranked pages of the catalog search are read until every item of the
# theme is found or the results end; a theme holds tens of items, so this stays a few calls.
MAX_RANKED_PAGES = 50


def search_items(
    *,
    q: str = "",
    theme: str | None = None,
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    service_object: str | None = None,
    cross_region_mode: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """One page of published items matching the words and filters, best matches first."""
    filters = {
        "region": region,
        "department": department,
        "kind": kind,
        "service_object": service_object,
        "cross_region_mode": cross_region_mode,
    }
    if not theme:
        return _catalog_search(q=q, page=page, page_size=page_size, filters=filters)
    if selectors.theme_find(code=theme) is None:
        raise ValidationFailed(code="invalid_theme")
    codes = selectors.item_codes_in_theme(theme_code=theme)
    matched = _ranked_in(codes, q=q, filters=filters) if q.strip() else _listed_in(codes, filters=filters)
    start = (page - 1) * page_size
    return SearchPage(count=len(matched), page=page, page_size=page_size, items=matched[start : start + page_size])


def _ranked_in(codes: set[str], *, q: str, filters: dict[str, str | None]) -> list[ItemSummary]:
    found: list[ItemSummary] = []
    for n in range(1, MAX_RANKED_PAGES + 1):
        result = _catalog_search(q=q, page=n, page_size=MAX_PAGE_SIZE, filters=filters)
        found.extend(i for i in result.items if i.code in codes)
        if len(found) >= len(codes) or n * MAX_PAGE_SIZE >= result.count:
            break
    return found


def _listed_in(codes: set[str], *, filters: dict[str, str | None]) -> list[ItemSummary]:
    # The catalog search validates the filters (and raises on bad ones); one call is enough for that.
    _catalog_search(q="", page=1, page_size=1, filters=filters)
    return selectors.item_summaries(
        codes=codes,
        region=filters["region"],
        department=filters["department"],
        kind=filters["kind"],
        service_object=filters["service_object"],
        cross_region_mode=filters["cross_region_mode"],
    )


def _catalog_search(*, q: str, page: int, page_size: int, filters: dict[str, str | None]) -> SearchPage:
    return item_search(
        q=q,
        region=filters["region"],
        department=filters["department"],
        kind=filters["kind"],
        service_object=filters["service_object"],
        cross_region_mode=filters["cross_region_mode"],
        page=page,
        page_size=page_size,
    )
