"""Steps the hotline multi-node test runs *inside* a node (``tongban shell -c``), on that node's database
with its settings: the staff of a line as setup, then the real services. Each prints one JSON line."""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from django.conf import settings
from django.db import transaction

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.hotline import knowledge, services
from tongban.hotline.constants import KnowledgeStatus
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.regions.models import Department, Region


def _out(**values: Any) -> None:
    print(json.dumps(values, ensure_ascii=False))


def line_staff() -> dict[str, User]:
    region = Region.objects.get(code=settings.TONGBAN_REGION)
    hotline, _ = Department.objects.get_or_create(region=region, code="hotline", defaults={"name": "12345热线"})
    amr, _ = Department.objects.get_or_create(region=region, code="amr", defaults={"name": "市场监督管理局"})
    people = {}
    for key, department, role in (
        ("agent", hotline, StaffRoleKind.HOTLINE_AGENT),
        ("supervisor", hotline, StaffRoleKind.HOTLINE_SUPERVISOR),
        ("handler", amr, StaffRoleKind.HOTLINE_HANDLER),
    ):
        username = f"{key}-{region.code}"
        user = User.objects.filter(username=username).first()
        people[key] = user or cast(User, StaffFactory(username=username, roles=[(department, role)]))
    return people


def transfer_out(to_region: str) -> None:
    staff = line_staff()
    ticket = services.ticket_create(
        actor=staff["agent"],
        channel="phone",
        category="complaint",
        content="在北京朝阳区办理的社保转移到天津一直没有到账",
        caller_name="王小明",
        caller_phone="13812345678",
    )
    transfer = services.ticket_transfer(
        ticket=ticket, actor=staff["agent"], to_region=Region.objects.get(code=to_region), reason="属外省市办理事项"
    )
    _out(ticket=ticket.pk, number=ticket.number, transfer=str(transfer.message_id))


def handle_transferred(transfer_id: str) -> None:
    staff = line_staff()
    ticket = Ticket.objects.get(external_id=transfer_id)
    department = Department.objects.get(region_id=settings.TONGBAN_REGION, code="amr")
    services.ticket_dispatch(ticket=ticket, actor=staff["agent"], department=department)
    services.ticket_accept(ticket=ticket, actor=staff["handler"])
    services.ticket_reply(ticket=ticket, actor=staff["handler"], reply="社保中心已完成转移，三个工作日内到账。")
    services.ticket_close(ticket=ticket, actor=staff["agent"])
    _out(ticket=ticket.pk, number=ticket.number)


def revisit(ticket_pk: int) -> None:
    staff = line_staff()
    ticket = services.ticket_revisit(
        ticket=Ticket.objects.get(pk=ticket_pk), actor=staff["agent"], resolved=True, note="来电人确认到账"
    )
    _out(status=ticket.status)


def kb_publish(question: str) -> None:
    staff = line_staff()
    entry = services.kb_entry_create(
        actor=staff["agent"],
        category="医疗保障",
        question=question,
        answer="在国家医保服务平台APP备案。",
        shareable=True,
    )
    entry = services.kb_entry_publish(entry=entry, actor=staff["supervisor"])
    _out(uid=str(entry.uid))


def kb_seed(question: str) -> None:
    """An entry published before the peer was known (as seed data loads them): no message went out."""
    with transaction.atomic():
        entry = KnowledgeEntry.objects.create(
            uid=uuid.uuid4(),
            origin_region_id=settings.TONGBAN_REGION,
            category="住房公积金",
            question=question,
            answer="登录网上业务系统办理。",
            status=KnowledgeStatus.PUBLISHED,
            shareable=True,
        )
        knowledge.reindex(entry)
    _out(uid=str(entry.uid))


def kb_retire(uid: str) -> None:
    staff = line_staff()
    entry = KnowledgeEntry.objects.get(uid=uid, status=KnowledgeStatus.PUBLISHED)
    services.kb_entry_retire(entry=entry, actor=staff["supervisor"], reason="政策调整")
    _out(uid=uid)


def setup() -> None:
    _out(staff=sorted(u.username for u in line_staff().values()))
