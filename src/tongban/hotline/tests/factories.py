"""Builders for hotline tests: a line with its agent, supervisor and department handlers (reusing the
accounts and regions factories), tickets and knowledge-base entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import factory

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.hotline import knowledge, services
from tongban.hotline.constants import KnowledgeStatus
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.regions.models import Department, Region
from tongban.regions.tests.factories import DepartmentFactory


class KnowledgeEntryFactory(factory.django.DjangoModelFactory[KnowledgeEntry]):
    class Meta:
        model = KnowledgeEntry

    origin_region = factory.LazyFunction(lambda: Region.objects.get(code="120000"))
    category = "住房公积金"
    question = factory.Sequence(lambda n: f"住房公积金提取问题{n}")
    variants: Any = factory.LazyFunction(list)
    answer = "携带身份证到管理部办理。"
    status = KnowledgeStatus.PUBLISHED


def published_entry(**kwargs: Any) -> KnowledgeEntry:
    entry = cast(KnowledgeEntry, KnowledgeEntryFactory(**kwargs))
    knowledge.reindex(entry)
    return entry


@dataclass
class Line:
    hotline: Department
    amr: Department
    hrss: Department
    agent: User
    supervisor: User
    amr_handler: User
    hrss_handler: User


def line() -> Line:
    hotline = cast(Department, DepartmentFactory(code="hotline", name="天津市12345政务服务便民热线"))
    amr = cast(Department, DepartmentFactory(code="amr", name="天津市市场监督管理委员会"))
    hrss = cast(Department, DepartmentFactory(code="hrss", name="天津市人力资源和社会保障局"))
    return Line(
        hotline=hotline,
        amr=amr,
        hrss=hrss,
        agent=cast(User, StaffFactory(full_name="施佳慧", roles=[(hotline, StaffRoleKind.HOTLINE_AGENT)])),
        supervisor=cast(User, StaffFactory(full_name="孔德明", roles=[(hotline, StaffRoleKind.HOTLINE_SUPERVISOR)])),
        amr_handler=cast(User, StaffFactory(full_name="张国栋", roles=[(amr, StaffRoleKind.HOTLINE_HANDLER)])),
        hrss_handler=cast(User, StaffFactory(full_name="许文博", roles=[(hrss, StaffRoleKind.HOTLINE_HANDLER)])),
    )


def resident() -> User:
    return cast(User, UserFactory())


def ticket(ln: Line, *, now: dt.datetime | None = None, **kwargs: Any) -> Ticket:
    values: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "content": "和平区南京路一家超市卖过期牛奶，要求查处",
        "region": "120101",
        "location": "天津市和平区南京路",
        "caller_name": "王小明",
        "caller_phone": "13812345678",
    }
    values.update(kwargs)
    return services.ticket_create(actor=ln.agent, now=now, **values)


def dispatched(ln: Line, **kwargs: Any) -> Ticket:
    t = ticket(ln, **kwargs)
    return services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.amr)


def replied(ln: Line) -> Ticket:
    t = dispatched(ln)
    services.ticket_accept(ticket=t, actor=ln.amr_handler)
    return services.ticket_reply(ticket=t, actor=ln.amr_handler, reply="已责令超市下架并立案调查。")


def closed(ln: Line) -> Ticket:
    return services.ticket_close(ticket=replied(ln), actor=ln.agent)
