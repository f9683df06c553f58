from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

ELDERLY_COOKIE = "tongban_elderly"


def portal(request: HttpRequest) -> dict[str, Any]:
    """Values every page needs: the node's region and whether elderly-friendly mode is on."""
    return {
        "node_region_code": settings.TONGBAN_REGION,
        "elderly_mode": request.COOKIES.get(ELDERLY_COOKIE) == "1",
    }
