from __future__ import annotations

import factory

from tongban.regions.models import Department, Region


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department
        django_get_or_create = ("region", "code")

    region = factory.LazyFunction(lambda: Region.objects.get(code="120000"))
    code = factory.Sequence(lambda n: f"DEPT{n:03d}")
    name = factory.Sequence(lambda n: f"测试局{n}")
