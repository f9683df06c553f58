from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from tongban.core.errors import NotFound
from tongban.regions.models import Department, Region


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound(code="region_not_found") from None


def is_local(*, region_code: str) -> bool:
    """Whether ``region_code`` is this node's region or lies within it (GB/T 2260: the codes of a
    province share its first two digits, those of a city its first four). Anything else is a peer's."""
    own = str(settings.TONGBAN_REGION)
    code = str(region_code)
    if own.endswith("0000"):
        return code[:2] == own[:2]
    if own.endswith("00"):
        return code[:4] == own[:4]
    return code == own


def home_region() -> Region:
    return region_get(code=settings.TONGBAN_REGION)


def province_list() -> QuerySet[Region]:
    return Region.objects.filter(parent__isnull=True)


def department_list(*, region_code: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("region")
    if region_code:
        qs = qs.filter(region_id=region_code)
    return qs
