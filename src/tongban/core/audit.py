"""Writing and checking the audit trail. Apps write events through their own ``events.py``."""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field
from django.utils import timezone

from tongban.core.context import current
from tongban.core.db import build, defer_write, execute, preparer
from tongban.core.models import AuditEvent, AuditStreamHead

# Counts the events recorded while a ``counting()`` block runs (per request: core.privacy checks
# that a staff read of personal data recorded one).
_recorded: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("tongban_audit_recorded", default=None)


@contextmanager
def counting() -> Iterator[list[int]]:
    """``[n]``: the number of events recorded in the block so far (also those of nested code)."""
    box = [0]
    token = _recorded.set(box)
    try:
        yield box
    finally:
        _recorded.reset(token)


def _count(n: int = 1) -> None:
    box = _recorded.get()
    if box is not None:
        box[0] += n


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


@dataclass(frozen=True)
class _Statements:
    """The statements of an append, built once per database from the models' metadata."""

    advance_head: str
    insert_event: str
    set_head_hash: str
    insert_and_set_head: str | None
    # PostgreSQL, for a head known from a hint (``hint_head``): move the head only if it is still
    # as read, number and hash (``move_head``; a rolled-back append may have left a hint whose number
    # another append has taken since), or create it only if there is none (``create_head``), and
    # insert the event only if that happened (``insert_if_head``, reading the first as ``__before__``).
    move_head: str | None
    create_head: str | None
    insert_if_head: str | None
    fields: tuple[Field[Any, Any], ...]
    preparers: tuple[tuple[str, Callable[[Any], Any]], ...]  # (attname, db_value of the field)


_STATEMENTS: dict[str, _Statements] = {}


def _cast_type(field: Field[Any, Any], conn: BaseDatabaseWrapper) -> str:
    # varchar without its length: a too-long value fails on the column, as in a plain INSERT,
    # instead of being cut by the cast (which would break the event's hash)
    return re.sub(r"^(varchar|character varying)\(\d+\)$", r"\1", str(field.db_type(conn)))


def _statements(conn: BaseDatabaseWrapper) -> _Statements:
    found = _STATEMENTS.get(conn.alias)
    if found is not None:
        return found
    q = conn.ops.quote_name
    head, ev = q(AuditStreamHead._meta.db_table), q(AuditEvent._meta.db_table)
    fields = tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(q(str(f.column)) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    pk = q("id")
    insert_event = f"INSERT INTO {ev} ({columns}) VALUES ({values}) RETURNING {pk}"  # noqa: S608 (our names)
    set_head_hash = f"UPDATE {head} SET last_hash = %s WHERE stream = %s"  # noqa: S608
    postgres = conn.vendor == "postgresql"
    casts = ", ".join(f"CAST(%s AS {_cast_type(f, conn)})" for f in fields)
    built = _Statements(
        # Creates the head of a new stream or takes the lock on an existing one, and answers the
        # event's sequence number and the previous hash (``last_hash`` is not changed yet).
        advance_head=(
            f"INSERT INTO {head} (stream, seq, last_hash) VALUES (%s, 1, '') "  # noqa: S608
            f"ON CONFLICT (stream) DO UPDATE SET seq = {head}.seq + 1 RETURNING seq, last_hash"
        ),
        insert_event=insert_event,
        set_head_hash=set_head_hash,
        # PostgreSQL: the event and the head's new hash in one statement (a data-modifying WITH).
        insert_and_set_head=(
            f"WITH e AS ({insert_event}) UPDATE {head} SET last_hash = %s FROM e WHERE stream = %s RETURNING e.{pk}"  # noqa: S608
            if postgres
            else None
        ),
        move_head=(
            f"UPDATE {head} SET seq = %s, last_hash = %s WHERE stream = %s AND seq = %s AND last_hash = %s RETURNING 1"  # noqa: S608
            if postgres
            else None
        ),
        create_head=(
            f"INSERT INTO {head} (stream, seq, last_hash) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (stream) DO NOTHING RETURNING 1"
            if postgres
            else None
        ),
        insert_if_head=(
            f"INSERT INTO {ev} ({columns}) SELECT {casts} FROM __before__ RETURNING {pk}"  # noqa: S608
            if postgres
            else None
        ),
        fields=fields,
        preparers=tuple((f.attname, preparer(f, conn)) for f in fields),
    )
    _STATEMENTS[conn.alias] = built
    return built


_HEADS = "_tongban_audit_heads"


def hint_head(*, stream: str, seq: int | None, last_hash: str | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Tell ``record`` what the head of ``stream`` was when the caller read it (``seq`` None: the
    stream had no head), for instance in the statement that locked the object the stream is about.

    Only a hint, kept per connection: the next ``record`` on the stream appends in a single statement
    that moves the head only if it is still as read and inserts the event only if it did; when the
    head has moved in the meantime, it reads the head and appends as usual. PostgreSQL only.
    """
    _hint(connections[using], stream, seq, last_hash)


def _hint(conn: BaseDatabaseWrapper, stream: str, seq: int | None, last_hash: str | None) -> None:
    if conn.vendor != "postgresql":
        return
    heads: dict[str, tuple[int, str]] = conn.__dict__.setdefault(_HEADS, {})
    if len(heads) >= 256:  # hints are used by the next append; never let unused ones pile up
        heads.clear()
    heads[stream] = (int(seq or 0), str(last_hash or ""))


def _new_event(
    *,
    stream: str,
    seq: int,
    prev_hash: str,
    action: str,
    object_type: str,
    object_id: str | int,
    actor: Any,
    actor_role: str,
    reason: str,
    data: dict[str, Any] | None,
) -> AuditEvent:
    ctx = current()
    _count()
    # in the order of AuditEvent's concrete fields
    event = build(
        AuditEvent,
        (
            None,
            stream,
            seq,
            timezone.now(),
            getattr(actor, "pk", None),
            (str(actor.get_username()) if hasattr(actor, "get_username") else str(actor or "system"))[:150],
            actor_role,
            ctx.source,
            ctx.request_id,
            action,
            object_type,
            str(object_id),
            reason,
            json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
            prev_hash,
            "",
        ),
    )
    event.hash = compute_hash(event)
    return event


def _stored(conn: BaseDatabaseWrapper, event: AuditEvent, pk: Any) -> None:
    event.pk = pk
    event._state.adding = False
    event._state.db = conn.alias
    if conn.vendor == "postgresql":  # this transaction holds the head now: the next append needs no read
        _hint(conn, event.stream, event.seq, event.hash)


def _append_locking(conn: BaseDatabaseWrapper, sql: _Statements, event: AuditEvent) -> None:
    """Append ``event`` after reading (and locking) its stream's head: its sequence number, previous
    hash and hash are set from the head."""
    (seq, prev_hash), *_ = execute(conn, sql.advance_head, [event.stream])
    event.seq, event.prev_hash = seq, prev_hash
    event.hash = compute_hash(event)
    params = [prepare(getattr(event, attname)) for attname, prepare in sql.preparers]
    if sql.insert_and_set_head is not None:
        (pk,), *_ = execute(conn, sql.insert_and_set_head, [*params, event.hash, event.stream])
    else:
        (pk,), *_ = execute(conn, sql.insert_event, params)
        execute(conn, sql.set_head_hash, [event.hash, event.stream], fetch=False)
    _stored(conn, event, pk)


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
    """Append one event to ``stream``. Must run inside the transaction of the change it records.

    Two statements (three on SQLite), both in the caller's transaction: an upsert of the stream's
    head that locks it until the transaction ends and answers the next sequence number and the
    previous hash; then the event's insert together with the head's new hash. Concurrent appends
    to one stream wait for each other on the head row, so the chain never forks.

    With a hint of the head (``hint_head``, PostgreSQL) it is one statement, which takes the same
    lock and changes nothing unless the head is still as hinted; inside ``core.db.write_batch`` that
    statement waits for the batch, and the returned event has its ``pk`` once the batch is sent.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record must be called inside a transaction")
    sql = _statements(conn)
    hint = conn.__dict__.get(_HEADS, {}).pop(stream, None) if sql.insert_if_head is not None else None
    seq, prev_hash = (hint[0] + 1, hint[1]) if hint is not None else (0, "")
    event = _new_event(
        stream=stream,
        seq=seq,
        prev_hash=prev_hash,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        data=data,
    )
    if hint is None or sql.insert_if_head is None or sql.move_head is None or sql.create_head is None:
        _append_locking(conn, sql, event)
        return event
    if hint[0] == 0:
        head_sql, head_params = sql.create_head, [stream, seq, event.hash]
    else:
        head_sql, head_params = sql.move_head, [seq, event.hash, stream, hint[0], hint[1]]
    params = [prepare(getattr(event, attname)) for attname, prepare in sql.preparers]

    def done(pk: Any) -> None:
        if pk is None:  # the head is not as hinted: read it, and append after it
            _append_locking(conn, sql, event)
        else:
            _stored(conn, event, pk)

    if not defer_write(conn, sql.insert_if_head, params, result="value", done=done, before=(head_sql, head_params)):
        rows = execute(
            conn, f"WITH b0 AS ({head_sql}) {sql.insert_if_head.replace('__before__', 'b0')}", [*head_params, *params]
        )
        done(rows[0][0] if rows else None)
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
    _count(len(entries))
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
