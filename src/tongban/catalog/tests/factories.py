from __future__ import annotations

import factory

from tongban.catalog.constants import ItemKind, ItemStatus, ResultForm, ServiceObject
from tongban.catalog.models import BaseItem, Material, ServiceItem
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory


class BaseItemFactory(factory.django.DjangoModelFactory[BaseItem]):
    class Meta:
        model = BaseItem
        django_get_or_create = ("base_code",)

    base_code = factory.Sequence(lambda n: f"BASE-{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    kind = ItemKind.LICENSING
    competent_department = "测试主管部门"
    legal_basis = factory.LazyFunction(lambda: [{"law": "《中华人民共和国行政许可法》", "article": "第二十九条"}])


class ServiceItemFactory(factory.django.DjangoModelFactory[ServiceItem]):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"120000-TEST-{n:05d}")
    status = ItemStatus.PUBLISHED
    base = factory.SubFactory(BaseItemFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(code="120000"))
    department = factory.SubFactory(DepartmentFactory, region=factory.SelfAttribute("..region"))
    name = factory.LazyAttribute(lambda o: o.base.name)
    kind = factory.LazyAttribute(lambda o: o.base.kind)
    service_object = ServiceObject.NATURAL_PERSON
    content = "测试事项的办理内容"
    conditions = factory.LazyFunction(lambda: ["申请人具有完全民事行为能力"])
    legal_basis = factory.LazyAttribute(lambda o: list(o.base.legal_basis))
    legal_limit_days = 20
    promised_limit_days = 10
    result_form = ResultForm.APPROVAL_DOCUMENT
    channels = factory.LazyFunction(lambda: ["online", "window"])


class MaterialFactory(factory.django.DjangoModelFactory[Material]):
    class Meta:
        model = Material

    item = factory.SubFactory(ServiceItemFactory)
    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"申请材料{n}")
