"""Writing and checking the audit trail. Apps write events through their own ``events.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.core.context import current
from tongban.core.models import AuditEvent, AuditStreamHead


class Actor:
    """Anything with a primary key and a label; a ``User`` qualifies, ``None`` means the system."""

    pk: Any


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "stream": event.stream,
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "source": event.source,
        "request_id": event.request_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "reason": event.reason,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _locked_head(stream: str) -> AuditStreamHead:
    try:
        return AuditStreamHead.objects.select_for_update().get(stream=stream)
    except AuditStreamHead.DoesNotExist:
        try:
            with transaction.atomic():
                return AuditStreamHead.objects.create(stream=stream)
        except IntegrityError:
            return AuditStreamHead.objects.select_for_update().get(stream=stream)


def record(
    *,
    stream: str,
    action: str,
    object_type: str,
    object_id: str | int,
    actor: Any = None,
    actor_role: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to ``stream``. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction")
    ctx = current()
    head = _locked_head(stream)
    event = AuditEvent(
        stream=stream,
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=(str(actor.get_username()) if hasattr(actor, "get_username") else str(actor or "system"))[:150],
        actor_role=actor_role,
        source=ctx.source,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(event)
    event.save()
    head.seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["seq", "last_hash"])
    return event


@dataclass(frozen=True)
class Entry:
    """One event of ``record_many``: the arguments of ``record`` without the stream."""

    action: str
    object_type: str
    object_id: str | int
    actor: Any = None
    actor_role: str = ""
    reason: str = ""
    data: dict[str, Any] | None = None


def _upsert_locked_head(stream: str) -> tuple[int, str]:
    """The head of ``stream`` (created if new), locked until the transaction ends, in one statement."""
    conn = transaction.get_connection()
    table = conn.ops.quote_name(AuditStreamHead._meta.db_table)
    with conn.cursor() as cursor:
        # ON CONFLICT DO UPDATE locks the existing row like SELECT ... FOR UPDATE
        cursor.execute(
            f"INSERT INTO {table} (stream, seq, last_hash) VALUES (%s, 0, '') "  # noqa: S608 - quoted model table
            f"ON CONFLICT (stream) DO UPDATE SET seq = {table}.seq RETURNING seq, last_hash",
            [stream],
        )
        seq, last_hash = cursor.fetchone()
    return int(seq), str(last_hash)


def record_many(*, stream: str, entries: list[Entry]) -> list[AuditEvent]:
    """Append several events to ``stream`` in order: one statement locks (or creates) the head, one
    inserts the events and moves the head (two on SQLite). The same chain as as many ``record``
    calls; must run inside the transaction of the changes it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must be called inside a transaction")
    if not entries:
        return []
    ctx = current()
    seq, prev_hash = _upsert_locked_head(stream)
    events: list[AuditEvent] = []
    for entry in entries:
        actor = entry.actor
        seq += 1
        event = AuditEvent(
            stream=stream,
            seq=seq,
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=(str(actor.get_username()) if hasattr(actor, "get_username") else str(actor or "system"))[:150],
            actor_role=entry.actor_role,
            source=ctx.source,
            request_id=ctx.request_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=str(entry.object_id),
            reason=entry.reason,
            data=json.loads(json.dumps(entry.data or {}, ensure_ascii=False, default=str)),
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = compute_hash(event)
        events.append(event)
    conn = transaction.get_connection()
    q = conn.ops.quote_name
    head, table = q(AuditStreamHead._meta.db_table), q(AuditEvent._meta.db_table)
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    insert = (
        f"INSERT INTO {table} ({', '.join(q(str(f.column)) for f in fields)}) "  # noqa: S608 - quoted model names
        f"VALUES {', '.join([row] * len(events))} RETURNING {q('id')}"
    )
    values = [f.get_db_prep_save(getattr(e, f.attname), conn) for e in events for f in fields]
    move_head = f"UPDATE {head} SET seq = %s, last_hash = %s WHERE stream = %s"  # noqa: S608 - quoted model name
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":  # one statement: a data-modifying WITH moves the head
            cursor.execute(f"WITH h AS ({move_head}) {insert}", [seq, prev_hash, stream, *values])
            ids = [r[0] for r in cursor.fetchall()]
        else:
            cursor.execute(insert, values)
            ids = [r[0] for r in cursor.fetchall()]
            cursor.execute(move_head, [seq, prev_hash, stream])
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
        event._state.adding = False
        event._state.db = conn.alias
    return events


@dataclass(frozen=True)
class ChainProblem:
    stream: str
    seq: int
    problem: str


def verify_stream(events: Iterable[AuditEvent], *, head: AuditStreamHead | None = None) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    prev_hash = ""
    expected_seq = 1
    stream = ""
    for event in events:
        stream = event.stream
        if event.seq != expected_seq:
            problems.append(ChainProblem(stream, event.seq, f"expected sequence {expected_seq}"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(stream, event.seq, "previous hash does not match"))
        if compute_hash(event) != event.hash:
            problems.append(ChainProblem(stream, event.seq, "content does not match its hash"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
        problems.append(ChainProblem(head.stream, head.seq, "events are missing at the end of the chain"))
    return problems


def verify_all(streams: Iterable[str] | None = None) -> list[ChainProblem]:
    heads = AuditStreamHead.objects.all()
    if streams is not None:
        heads = heads.filter(stream__in=list(streams))
    problems: list[ChainProblem] = []
    for head in heads.iterator():
        events = AuditEvent.objects.filter(stream=head.stream).order_by("seq").iterator()
        problems.extend(verify_stream(events, head=head))
    return problems
