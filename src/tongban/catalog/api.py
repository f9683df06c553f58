from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from tongban.catalog import selectors
from tongban.catalog.schemas import ItemDetailOut

router = Router(tags=["catalog"])


@router.get("/items/{code}", response=ItemDetailOut, summary="One published item with all its elements")
def item_detail(request: HttpRequest, code: str) -> ItemDetailOut:
    return ItemDetailOut.from_item(selectors.item_get(code=code))
