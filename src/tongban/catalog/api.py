from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from tongban.catalog import selectors, uniformity
from tongban.catalog.schemas import ItemDetailOut
from tongban.catalog.uniformity_schemas import UniformityOut, UniformityReportOut

router = Router(tags=["catalog"])


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
