"""Typed shapes of the catalog list / search API.

Plain pydantic models rather than ninja ``Schema``: the search is the portal's hot path, and
``Schema``'s attribute-resolving validator cost more per response than the search's SQL.
"""

from __future__ import annotations

from pydantic import BaseModel

from tongban.catalog.selectors import ItemSummary, SearchPage


class ItemSummaryOut(BaseModel):
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

    @classmethod
    def from_summary(cls, s: ItemSummary) -> ItemSummaryOut:
        return cls(
            code=s.code,
            base_code=s.base_code,
            name=s.name,
            region=s.region,
            region_name=s.region_name,
            department=s.department,
            department_name=s.department_name,
            kind=s.kind,
            service_object=s.service_object,
            cross_region_mode=s.cross_region_mode,
            promised_limit_days=s.promised_limit_days,
            visits_needed=s.visits_needed,
            online_depth=s.online_depth,
        )


class ItemListOut(BaseModel):
    count: int
    page: int
    page_size: int
    items: list[ItemSummaryOut]

    @classmethod
    def from_page(cls, page: SearchPage) -> ItemListOut:
        return cls(
            count=page.count,
            page=page.page,
            page_size=page.page_size,
            items=[ItemSummaryOut.from_summary(s) for s in page.items],
        )
