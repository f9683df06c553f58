"""Demo data of the 12345 line (``tongban seed demo``): a knowledge base, past tickets, a trained dispatcher.

On the Tianjin node (120000): 300 knowledge-base entries of Tianjin (some shared), 60 shared by
Beijing and Hebei (as the federation would bring them), 1,200 past tickets of the last eight weeks
in every state of the loop (the answered ones teach the dispatch classifier), and a few open
tickets for the workbenches. Other nodes get the knowledge base only. Idempotent: entries are keyed
on their question, tickets on their external reference ``demo-<n>``; a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.hotline import demo_data, dispatch, knowledge, sla
from tongban.hotline.constants import KnowledgeStatus, Satisfaction, TicketStatus
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.regions.models import Department, Region

KB_ENTRIES = 300
PEER_ENTRIES = 60
PAST_TICKETS = 1200
UID_NAMESPACE = uuid.UUID("6f1c3a52-2b7e-4d7a-9a55-12345a0c0de0")


def _load_entries(region: Region, departments: dict[str, Department], stdout: TextIO) -> int:
    existing = set(KnowledgeEntry.objects.values_list("question", flat=True))
    now = timezone.now()
    new: list[KnowledgeEntry] = []
    specs = demo_data.entries(KB_ENTRIES)
    for i, spec in enumerate(specs):
        if spec.question in existing:
            continue
        new.append(
            KnowledgeEntry(
                uid=uuid.uuid5(UID_NAMESPACE, f"{region.code}:{spec.question}"),
                origin_region=region,
                category=spec.category,
                question=spec.question,
                variants=list(spec.variants),
                answer=spec.answer,
                source=spec.source,
                owner=departments.get(spec.owner),
                status=KnowledgeStatus.PUBLISHED,
                shareable=i % 3 == 0,
                valid_from=dt.date(2025, 1, 1),
                published_at=now,
            )
        )
    peers = [r for r in Region.objects.filter(code__in=["110000", "120000", "130000"]) if r.code != region.code]
    for peer in peers:
        for j, spec in enumerate(demo_data.entries(PEER_ENTRIES // max(len(peers), 1), seed=int(peer.code) % 997)):
            question = f"【{peer.name}】{spec.question}"
            if question in existing or j >= PEER_ENTRIES:
                continue
            new.append(
                KnowledgeEntry(
                    uid=uuid.uuid5(UID_NAMESPACE, f"{peer.code}:{spec.question}"),
                    origin_region=peer,
                    category=spec.category,
                    question=question,
                    variants=list(spec.variants),
                    answer=spec.answer.replace("天津", peer.name),
                    source=spec.source,
                    status=KnowledgeStatus.PUBLISHED,
                    shareable=True,
                    published_at=now,
                )
            )
    if not new:
        return 0
    with transaction.atomic():
        created = KnowledgeEntry.objects.bulk_create(new, batch_size=500)
        for entry in created:
            audit.record(
                stream=entry.stream,
                action="knowledge.created",
                object_type="knowledge_entry",
                object_id=entry.pk,
                actor=None,
                actor_role="system",
                reason="demo",
                data={"version": entry.version, "status": entry.status},
            )
        knowledge.reindex_many(KnowledgeEntry.objects.filter(pk__in=[e.pk for e in created]))
    stdout.write(f"hotline: {len(created)} knowledge-base entries")
    return len(created)


REPLIES = {
    "amr": "经市场监管所现场核查，已责令商户整改并依法立案调查，处理结果已电话告知来电人。",
    "hrss": "劳动保障监察大队已约谈用人单位，督促其依法支付工资、补缴社会保险。",
    "hpf": "经核实，提取申请已审核通过，款项已转入来电人银行账户。",
    "psb": "辖区派出所已出警处置，并加强夜间巡逻；户籍业务已告知办理流程。",
    "health": "卫生健康委已责成医院调查核实并对相关人员批评教育，优化号源投放。",
    "nhsa": "医保中心已告知办理流程，并协助来电人完成线上备案和报销。",
    "agri": "农业综合执法支队已现场取样送检，依法查处违法经营行为。",
    "justice": "已为来电人指派法律援助律师，并告知公证办理流程。",
    "civil": "区民政局已入户核查，符合条件的已纳入救助，并督促机构整改。",
    "culture": "文化市场综合执法总队已调查处理，督促旅行社退还费用。",
    "heritage": "文物部门已到现场制止违法行为，责令恢复原状。",
    "gsa": "政务服务中心已优化窗口设置，增加周末延时服务，并对工作人员进行培训。",
}


def _load_tickets(region: Region, departments: dict[str, Department], stdout: TextIO) -> int:
    if Ticket.objects.filter(external_id__startswith="demo-").exists():
        return 0
    rng = random.Random(2026)
    now = timezone.now()
    districts = {r.code: r for r in Region.objects.filter(parent=region)}
    rows: list[Ticket] = []
    specs = demo_data.tickets(PAST_TICKETS)
    for i, spec in enumerate(specs):
        department = departments.get(spec.department)
        if department is None:
            continue
        created = now - dt.timedelta(days=rng.uniform(0.5, 56), hours=rng.uniform(0, 8))
        open_ticket = i >= PAST_TICKETS - 40
        direct = spec.category == "consultation" and rng.random() < 0.45 and not open_ticket
        due, hours = sla.due_at(start=created, category=spec.category, urgency="normal")
        replied = created + dt.timedelta(hours=rng.uniform(0.5, hours * 1.3))
        if direct:
            status = TicketStatus.CLOSED if rng.random() < 0.5 else TicketStatus.EVALUATED
        elif open_ticket:
            status = rng.choice([TicketStatus.RECEIVED, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS])
        else:
            status = rng.choice(
                [TicketStatus.REPLIED, TicketStatus.CLOSED, TicketStatus.REVISITED] + [TicketStatus.EVALUATED] * 5
            )
        evaluated = status == TicketStatus.EVALUATED
        satisfaction = ""
        if evaluated:
            satisfaction = rng.choices(
                [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED], weights=[90, 8, 2]
            )[0]
        handled = status not in (TicketStatus.RECEIVED,)
        rows.append(
            Ticket(
                number=f"TJ{timezone.localtime(created):%y%m%d}{90000000 + i:08d}",
                check_code=f"{rng.randint(0, 999999):06d}",
                line_region=region,
                region=districts.get(spec.region, region),
                channel=spec.channel,
                category=spec.category,
                urgency="normal",
                title=spec.title,
                content=spec.content,
                location=spec.location,
                caller_anonymous=spec.anonymous,
                caller_name=spec.caller_name,
                caller_phone=spec.caller_phone,
                status=status,
                department=None if direct or not handled else department,
                created_at=created,
                dispatched_at=None if direct or not handled else created + dt.timedelta(minutes=10),
                due_at=None if direct or not handled else due,
                sla_hours=0 if direct else hours,
                replied_at=created + dt.timedelta(minutes=5) if direct else (None if open_ticket else replied),
                closed_at=(created + dt.timedelta(minutes=5) if direct else replied + dt.timedelta(hours=2))
                if status in (TicketStatus.CLOSED, TicketStatus.REVISITED, TicketStatus.EVALUATED)
                else None,
                on_time=True if direct else (None if open_ticket else replied <= due),
                reply=REPLIES[spec.department] if not open_ticket else "",
                answered_directly=direct,
                revisited_at=replied + dt.timedelta(days=1)
                if status in (TicketStatus.REVISITED, TicketStatus.EVALUATED)
                else None,
                satisfaction=satisfaction,
                external_id=f"demo-{i}",
            )
        )
    with transaction.atomic():
        created_rows = Ticket.objects.bulk_create(rows, batch_size=500)
        for ticket in created_rows:
            audit.record(
                stream=ticket.stream,
                action="ticket.created",
                object_type="ticket",
                object_id=ticket.pk,
                actor=None,
                actor_role="system",
                reason="demo",
                data={"number": ticket.number, "channel": ticket.channel, "category": ticket.category},
            )
    stdout.write(f"hotline: {len(created_rows)} past tickets")
    return len(created_rows)


def load(*, stdout: TextIO) -> None:
    region = Region.objects.filter(code=settings.TONGBAN_REGION).first()
    if region is None:
        return
    departments = {d.code: d for d in Department.objects.filter(region=region)}
    _load_entries(region, departments, stdout)
    if region.code != "120000":
        return
    if _load_tickets(region, departments, stdout) or not dispatch.has_model():
        result = dispatch.train()
        stdout.write(
            f"hotline: dispatch model trained on {result.samples} tickets, "
            f"held-out accuracy {result.accuracy:.2f} (rules {result.rule_accuracy:.2f})"
        )
