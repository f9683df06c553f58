"""Monthly partitions of the append-only big tables on PostgreSQL (docs/operations.md, section 8).

``tongban partitions apply`` turns each table below into a table partitioned by month on its time
column (``PARTITION BY RANGE``), in one transaction: the rows are copied into monthly partitions
(from the oldest row's month to ``MONTHS_AHEAD`` months ahead, and a ``DEFAULT`` partition for any
other date), its indexes and constraints are made again with the time column added where a unique one
needs it, and the id sequence continues where it was. ``ensure`` (the ``ops.partitions`` job, daily)
keeps ``MONTHS_AHEAD`` future months ready.

These tables have no foreign key pointing at them, which a partitioned table cannot take by ``id``
alone; cases and tickets do (materials, tasks, events), and stay whole (operations.md says why).
The audit events' unique ``(stream, seq)`` becomes ``(stream, seq, occurred_at)`` per partition: the
order of a stream is kept by the lock on its head row (``core.audit``), and ``tongban audit verify``
finds a gap or a repeated number across partitions.

Run ``apply`` with the node stopped (it takes an exclusive lock on each table and copies it) or on a
new node; the application needs no change: it writes to the parent table, PostgreSQL routes each row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tongban.core import jobs

MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str


TABLES = (
    Partitioned("core_auditevent", "occurred_at"),
    Partitioned("licences_licenceuse", "at"),
    Partitioned("federation_messagelog", "logged_at"),
)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s", [table]
        )
        return cursor.fetchone() is not None


def _partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def _create_month(table: str, month: dt.date) -> bool:
    name = _partition_name(table, month)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
        if cursor.fetchone():
            return False
        # bounds in UTC: a row's month is its UTC month
        cursor.execute(
            f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} "
            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{_next(month).isoformat()} 00:00:00+00')"
        )
    return True


def _partition_one(spec: Partitioned) -> int:
    """Turn ``spec.table`` into a partitioned table with the same rows; returns the months created."""
    table, column, old = spec.table, spec.column, f"{spec.table}_unpartitioned"
    with connection.cursor() as cursor:
        # what to make again: its indexes and constraints (but the primary key), as PostgreSQL states them
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'c')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT min({_q(column)}) FROM {_q(table)}")  # noqa: S608
        oldest = cursor.fetchone()[0]

        cursor.execute(f"LOCK TABLE {_q(table)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
        for name, _definition, _kind in constraints:
            cursor.execute(f"ALTER TABLE {_q(old)} DROP CONSTRAINT {_q(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {_q(name)}")
        seq_name = f"{table}_pid_seq"
        cursor.execute(f"CREATE SEQUENCE {_q(seq_name)} AS bigint")
        cursor.execute(f"SELECT setval(%s, GREATEST((SELECT max(id) FROM {_q(old)}), 1))", [seq_name])  # noqa: S608
        cursor.execute(
            f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS) PARTITION BY RANGE ({_q(column)})"
        )
        cursor.execute(f"ALTER TABLE {_q(table)} ALTER COLUMN id SET DEFAULT nextval('{seq_name}')")
        cursor.execute(f"ALTER SEQUENCE {_q(seq_name)} OWNED BY {_q(table)}.id")
        cursor.execute(f"ALTER TABLE {_q(table)} ADD PRIMARY KEY (id, {_q(column)})")
        for name, definition, kind in constraints:
            if kind == "u":  # a unique constraint must contain the partition key
                definition = definition.rstrip(")") + f", {_q(column)})"
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        for _name, definition in indexes:
            made = definition.replace(f" ON public.{old} ", f" ON {_q(table)} ").replace(
                f" ON {old} ", f" ON {_q(table)} "
            )
            cursor.execute(made)
        cursor.execute(f"CREATE TABLE {_q(table + '_pdefault')} PARTITION OF {_q(table)} DEFAULT")
        created = 0
        month = _month((oldest or timezone.now()).astimezone(dt.UTC).date())
        last = _month(timezone.now().astimezone(dt.UTC).date())
        for _i in range(MONTHS_AHEAD):
            last = _next(last)
        while month <= last:
            created += _create_month(table, month)
            month = _next(month)
        cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {_q(old)}")
        if sequence:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")
    return created


def apply() -> dict[str, int]:
    """Partition every table of ``TABLES`` not partitioned yet (PostgreSQL), in one transaction."""
    if connection.vendor != "postgresql":
        raise RuntimeError("monthly partitions need PostgreSQL")
    done: dict[str, int] = {}
    with transaction.atomic():
        for spec in TABLES:
            if not is_partitioned(spec.table):
                done[spec.table] = _partition_one(spec)
    return done


def ensure(*, months_ahead: int = MONTHS_AHEAD) -> dict[str, int]:
    """Create the coming months' partitions of the partitioned tables; nothing on SQLite or unpartitioned."""
    created: dict[str, int] = {}
    if connection.vendor != "postgresql":
        return created
    with transaction.atomic():
        for spec in TABLES:
            if not is_partitioned(spec.table):
                continue
            month = _month(timezone.now().astimezone(dt.UTC).date())
            count = 0
            for _i in range(months_ahead + 1):
                count += _create_month(spec.table, month)
                month = _next(month)
            created[spec.table] = count
    return created


def partitions_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [table],
        )
        return [r[0] for r in cursor.fetchall()]


@jobs.periodic(
    "ops.partitions",
    every=dt.timedelta(days=1),
    description="PostgreSQL: the next three months' partitions of the partitioned tables (nothing otherwise)",
)
def partitions_job() -> dict[str, int]:
    return ensure()
