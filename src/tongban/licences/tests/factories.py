from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.licences.constants import FieldType, HolderKind
from tongban.licences.models import Licence, LicenceType
from tongban.regions.tests.factories import DepartmentFactory


class LicenceTypeFactory(factory.django.DjangoModelFactory[LicenceType]):
    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"t{n:03d}")
    name = factory.Sequence(lambda n: f"测试证照{n}")
    department = factory.SubFactory(DepartmentFactory)
    holder_kind = HolderKind.RESIDENT
    fields = factory.LazyFunction(
        lambda: [
            {"name": "speciality", "label": "执业范围", "type": FieldType.TEXT, "required": True},
            {"name": "first_issued", "label": "首次发证日期", "type": FieldType.DATE, "required": False},
        ]
    )
    validity_months = 60
    template = factory.LazyFunction(lambda: {"colour": "#8a1c1c"})


def make_licence(**kwargs: Any) -> Licence:
    """Issue a real licence through the service (numbered, signed, audited)."""
    from tongban.licences.services import licence_issue

    ltype: LicenceType = kwargs.pop("licence_type", None) or LicenceTypeFactory.create()
    holder_kind = ltype.holder_kind
    n = kwargs.pop("n", 1)
    default_holder = (
        make_uscc("120101", 5000 + n)
        if holder_kind == HolderKind.ENTERPRISE
        else make_resident_id("120101", dt.date(1985, 5, 5), n)
    )
    return licence_issue(
        licence_type=ltype,
        holder_id=kwargs.pop("holder_id", default_holder),
        holder_name=kwargs.pop("holder_name", "李四"),
        field_values=kwargs.pop("field_values", {"speciality": "内科"}),
        actor=kwargs.pop("actor", None),
        check_permission=False,
        **kwargs,
    )
