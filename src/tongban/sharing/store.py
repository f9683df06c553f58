"""Hand-written SQL of the sharing app: appending to the hash-chained access log and checking it.

The access log is kept in ``ACCESS_LOG_LANES`` hash chains (lanes); a subject's reads always go
to the same lane (``lane_of``), so concurrent reads of different subjects seldom wait for each
other on a lane's head. Each entry's hash is SHA-256 over its *canonical form*: its columns, in a
fixed order, as text joined by U+001F, ending with the previous entry's hash. The form is simple on
purpose: PostgreSQL recomputes it in SQL (``verify_lanes_sql``), so ten million entries are checked
by the database in one pass instead of being shipped to Python; SQLite is checked in Python with
the same function that wrote the hashes. Both check sequence numbers, links and contents, and
that the heads match the last entries (nothing missing at the end).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tongban.core.fastpath import execute
from tongban.sharing.constants import ACCESS_LOG_LANES
from tongban.sharing.models import AccessLogEntry, AccessLogHead

SEP = "\x1f"
# The columns the hash covers, in order (then ``prev_hash``).
CANONICAL_COLUMNS = (
    "lane",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "requester_region",
    "department_id",
    "department_label",
    "resource_code",
    "resource_version",
    "subject_id",
    "fields",
    "purpose",
    "context_kind",
    "context_id",
    "result",
    "error_code",
    "approval_number",
)


def lane_of(subject_id: str) -> int:
    return zlib.crc32(subject_id.encode()) % ACCESS_LOG_LANES


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Entry:
    """What one read was (everything but the lane's numbering and the hashes)."""

    actor_id: int
    actor_label: str
    requester_region: str
    department_id: int
    department_label: str
    resource_code: str
    resource_version: int
    subject_id: str
    fields: str
    purpose: str
    context_kind: str
    context_id: str
    result: str
    error_code: str
    approval_number: str


def canonical(values: dict[str, object]) -> str:
    parts = []
    for name in CANONICAL_COLUMNS:
        value = values[name]
        parts.append(_time(value) if isinstance(value, dt.datetime) else str(value))
    parts.append(str(values["prev_hash"]))
    return SEP.join(parts)


def entry_hash(values: dict[str, object]) -> str:
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def _tables() -> tuple[str, str]:
    q = connection.ops.quote_name
    return q(AccessLogHead._meta.db_table), q(AccessLogEntry._meta.db_table)


def _clip(entry: Entry) -> Entry:
    entry.actor_label = entry.actor_label[:150]
    entry.department_label = entry.department_label[:120]
    entry.fields = entry.fields[:2000]
    entry.context_id = entry.context_id[:64]
    entry.error_code = entry.error_code[:48]
    return entry


def append(entry: Entry) -> AccessLogEntry:
    """Append one entry to its subject's lane, inside the caller's transaction (two statements).

    The first statement takes the lane's head (creating it if new) and locks it until the caller's
    transaction ends, so appends to one lane never fork the chain.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("access log entries are appended inside the read's transaction")
    entry = _clip(entry)
    head, table = _tables()
    lane = lane_of(entry.subject_id)
    (seq, prev_hash), *_ = execute(
        conn,
        f"INSERT INTO {head} (lane, seq, last_hash) VALUES (%s, 1, '') "  # noqa: S608 - quoted model table
        f"ON CONFLICT (lane) DO UPDATE SET seq = {head}.seq + 1 RETURNING seq, last_hash",
        [lane],
    )
    values: dict[str, object] = {
        "lane": lane,
        "seq": int(seq),
        "occurred_at": timezone.now(),
        **entry.__dict__,
        "prev_hash": str(prev_hash),
    }
    digest = entry_hash(values)
    columns = [*CANONICAL_COLUMNS, "prev_hash", "hash"]
    row = AccessLogEntry(**{k: v for k, v in values.items()}, hash=digest)
    concrete = {f.name: f for f in AccessLogEntry._meta.concrete_fields}
    params = [concrete[name].get_db_prep_save(getattr(row, name), conn) for name in columns]
    insert = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {connection.ops.quote_name('id')}"
    )
    if conn.vendor == "postgresql":
        (pk,), *_ = execute(
            conn,
            f"WITH e AS ({insert}) UPDATE {head} SET last_hash = %s FROM e WHERE lane = %s RETURNING e.id",  # noqa: S608
            [*params, digest, lane],
        )
    else:
        (pk,), *_ = execute(conn, insert, params)
        execute(conn, f"UPDATE {head} SET last_hash = %s WHERE lane = %s", [digest, lane], fetch=False)  # noqa: S608
    row.pk = pk
    row._state.adding = False
    return row


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class ChainProblem:
    lane: int
    seq: int
    problem: str


def _rows(lane: int) -> Iterator[dict[str, object]]:
    names = [*CANONICAL_COLUMNS, "prev_hash", "hash"]
    query = AccessLogEntry.objects.filter(lane=lane).order_by("seq").values_list(*names)
    for values in query.iterator(chunk_size=5000):
        yield dict(zip(names, values, strict=True))


def verify_python(lanes: Iterable[int] | None = None) -> tuple[int, list[ChainProblem]]:
    """Check the chains in Python: (entries checked, problems)."""
    heads = {h.lane: h for h in AccessLogHead.objects.all()}
    problems: list[ChainProblem] = []
    checked = 0
    wanted = sorted(set(lanes) if lanes is not None else set(heads) | set(range(ACCESS_LOG_LANES)))
    for lane in wanted:
        prev_hash, expected = "", 1
        for values in _rows(lane):
            checked += 1
            seq = int(str(values["seq"]))
            if seq != expected:
                problems.append(ChainProblem(lane, seq, f"expected sequence {expected}"))
            if values["prev_hash"] != prev_hash:
                problems.append(ChainProblem(lane, seq, "previous hash does not match"))
            if entry_hash(values) != values["hash"]:
                problems.append(ChainProblem(lane, seq, "content does not match its hash"))
            prev_hash, expected = str(values["hash"]), seq + 1
        head = heads.get(lane)
        if head is not None and (head.seq != expected - 1 or head.last_hash != prev_hash):
            problems.append(ChainProblem(lane, head.seq, "entries are missing at the end of the chain"))
    return checked, problems


def _canonical_sql() -> str:
    parts = []
    for name in CANONICAL_COLUMNS:
        column = connection.ops.quote_name(name)
        if name == "occurred_at":
            parts.append(f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""")
        else:
            parts.append(f"{column}::text")
    parts.append("prev_hash")
    return "concat_ws(chr(31), " + ", ".join(parts) + ")"


def verify_postgresql() -> tuple[int, list[ChainProblem]]:
    """Check every lane in one pass inside PostgreSQL: each entry's hash recomputed from its columns,
    its link to the previous entry (a window over the lane) and the numbering; then the heads."""
    head, table = _tables()
    sql = f"""
        SELECT lane, seq, expected_prev, prev_hash, hash, computed, prev_seq FROM (
            SELECT lane, seq, prev_hash, hash,
                   encode(sha256(convert_to({_canonical_sql()}, 'UTF8')), 'hex') AS computed,
                   lag(hash, 1, '') OVER w AS expected_prev,
                   lag(seq, 1, 0::bigint) OVER w AS prev_seq
            FROM {table} WINDOW w AS (PARTITION BY lane ORDER BY seq)
        ) x
        WHERE computed <> hash OR prev_hash <> expected_prev OR seq <> prev_seq + 1
        LIMIT 1000
    """  # noqa: S608 - quoted model tables
    problems: list[ChainProblem] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for lane, seq, expected_prev, prev_hash, digest, computed, prev_seq in cursor.fetchall():
            if computed != digest:
                problems.append(ChainProblem(int(lane), int(seq), "content does not match its hash"))
            if prev_hash != expected_prev:
                problems.append(ChainProblem(int(lane), int(seq), "previous hash does not match"))
            if int(seq) != int(prev_seq) + 1:
                problems.append(ChainProblem(int(lane), int(seq), f"expected sequence {int(prev_seq) + 1}"))
        cursor.execute(
            f"""SELECT h.lane, h.seq, h.last_hash, t.seq, t.hash FROM {head} h
                LEFT JOIN LATERAL (SELECT seq, hash FROM {table} e WHERE e.lane = h.lane ORDER BY seq DESC LIMIT 1) t
                ON true"""  # noqa: S608
        )
        for lane, seq, last_hash, last_seq, last_entry_hash in cursor.fetchall():
            if int(seq) != int(last_seq or 0) or str(last_hash) != str(last_entry_hash or ""):
                problems.append(ChainProblem(int(lane), int(seq), "entries are missing at the end of the chain"))
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        (checked,) = cursor.fetchone()
    return int(checked), problems


def verify() -> tuple[int, list[ChainProblem]]:
    """Check the whole access log: in the database on PostgreSQL, in Python elsewhere."""
    if connection.vendor == "postgresql":
        return verify_postgresql()
    return verify_python()
