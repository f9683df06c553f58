from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from tongban.catalog import search_cache, selectors, uniformity
from tongban.catalog.schemas import ItemDetailOut
from tongban.catalog.search_schemas import ItemListOut
from tongban.catalog.uniformity_schemas import UniformityOut, UniformityReportOut

router = Router(tags=["catalog"])


@router.get(
    "/items",
    response=ItemListOut,
    summary="Search published items (Chinese, pinyin or initials) with filters; best matches first",
)
def item_list(
    request: HttpRequest,
    q: str = "",
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    service_object: str | None = None,
    cross_region_mode: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> HttpResponse:
    """Without ``q``, every published item passing the filters, by code. ``department`` is a
    department code; ``service_object=natural_person`` (or ``legal_person``) includes items
    serving both. ``page_size`` is at most 100. Bad values answer 422 with a stable code.
    Answers are cached until the search index next changes (``catalog/search_cache.py``)."""
    params: dict[str, object] = {
        "q": q,
        "region": region,
        "department": department,
        "kind": kind,
        "service_object": service_object,
        "cross_region_mode": cross_region_mode,
        "page": page,
        "page_size": page_size,
    }
    key, body = search_cache.get(params)
    if body is None:
        result = selectors.item_search(
            q=q,
            region=region,
            department=department,
            kind=kind,
            service_object=service_object,
            cross_region_mode=cross_region_mode,
            page=page,
            page_size=page_size,
        )
        body = ItemListOut.from_page(result).model_dump_json().encode()
        search_cache.put(key, body)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/items/{code}", response=ItemDetailOut, summary="One published item with all its elements")
def item_detail(request: HttpRequest, code: str) -> ItemDetailOut:
    return ItemDetailOut.from_item(selectors.item_get(code=code))


def _region_filter(regions: str | None) -> list[str] | None:
    return [c for c in regions.split(",") if c.strip()] if regions else None


@router.get(
    "/uniformity",
    response=UniformityReportOut,
    summary="六统一 report: how many base items shared by the regions are fully uniform",
)
def uniformity_report(request: HttpRequest, regions: str | None = None) -> UniformityReportOut:
    return UniformityReportOut.from_report(uniformity.region_report(region_codes=_region_filter(regions)))


@router.get(
    "/uniformity/{base_code}",
    response=UniformityOut,
    summary="六统一 comparison of one base item's regional implementations",
)
def uniformity_detail(request: HttpRequest, base_code: str, regions: str | None = None) -> UniformityOut:
    return UniformityOut.from_result(uniformity.compare(base_code=base_code, region_codes=_region_filter(regions)))
