from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from tongban.accounts.constants import MemberRole, StaffRoleKind, UserKind
from tongban.accounts.models import Enterprise, EnterpriseMember, Notification, StaffRole, User
from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"张{n}")
    kind = UserKind.RESIDENT
    id_number = factory.Sequence(lambda n: make_resident_id("120101", dt.date(1980, 1, 1) + dt.timedelta(days=n), n))
    region = factory.LazyFunction(lambda: Region.objects.get(code="120000"))
    password = factory.django.Password("correct-horse-battery")


class StaffFactory(UserFactory):
    kind = UserKind.STAFF
    id_number: Any = ""

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        """``StaffFactory(roles=[(department, StaffRoleKind.REVIEWER)])``."""
        if not create or not extracted:
            return
        for department, role in extracted:
            StaffRole.objects.create(user=obj, department=department, role=role)


class StaffRoleFactory(factory.django.DjangoModelFactory[StaffRole]):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(StaffFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = StaffRoleKind.REVIEWER


class EnterpriseFactory(factory.django.DjangoModelFactory[Enterprise]):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc("120101", 100000 + n))
    name = factory.Sequence(lambda n: f"天津通办示范有限公司{n}")
    legal_representative_name = factory.Sequence(lambda n: f"李{n}")
    legal_representative_id_number = factory.Sequence(
        lambda n: make_resident_id("120102", dt.date(1975, 1, 1) + dt.timedelta(days=n), n)
    )
    region = factory.LazyFunction(lambda: Region.objects.get(code="120000"))
    address = "天津市和平区南京路1号"


class EnterpriseMemberFactory(factory.django.DjangoModelFactory[EnterpriseMember]):
    class Meta:
        model = EnterpriseMember

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = MemberRole.LEGAL_REPRESENTATIVE
    authorised_from = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    authorised_until = None
    active = True


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"通知{n}")
    body = "您的办件状态已更新。"
    channels = factory.LazyFunction(lambda: ["inbox"])
