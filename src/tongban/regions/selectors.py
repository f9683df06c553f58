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


def home_region() -> Region:
    return region_get(code=settings.TONGBAN_REGION)


def province_list() -> QuerySet[Region]:
    return Region.objects.filter(parent__isnull=True)


def department_list(*, region_code: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("region")
    if region_code:
        qs = qs.filter(region_id=region_code)
    return qs
