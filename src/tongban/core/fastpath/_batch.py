"""Write batches: a transition's writes sent to PostgreSQL as one statement (ADR 0003)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tongban.core.fastpath._connection import run_now, wrapper_of


def execute(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[Any]:
    """Run one statement of ours (``%s`` placeholders) and return its rows (``fetch``).

    PostgreSQL: prepared on the connection (psycopg keeps the prepared statements per connection,
    ``prepare=True`` skips the parse and plan from the first repeat on; not when
    ``TONGBAN_DB_PREPARE=0``); writes waiting in a batch are sent first; errors come out as
    Django's database errors and the statement is logged like Django's own when queries are being
    captured. Other databases: Django's cursor. (``fetch_all`` is the same for hand-written SQL on
    the default database, without the error translation and the logging.)
    """
    connection = wrapper_of(connection)  # ``django.db.connection``: look the wrapper up once
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if fetch else []
    flush_writes(connection)
    return run_now(connection, sql, params, fetch=fetch)


class Pending:
    """One write waiting in a batch: its statement (``RETURNING`` one column), what to make of the
    rows (``count`` or the first ``value``), and who hears the answer."""

    __slots__ = ("before", "before_params", "done", "key", "params", "result", "sql")

    def __init__(
        self,
        before: str | None,
        before_params: Sequence[Any],
        sql: str,
        params: Sequence[Any],
        result: str,
        done: Callable[[Any], None],
        key: tuple[str, Any] | None,
    ) -> None:
        self.before = before
        self.before_params = before_params
        self.sql = sql
        self.params = params
        self.result = result
        self.done = done
        self.key = key


_BATCH = "_tongban_write_batch"
_BATCH_SQL: dict[tuple[tuple[str | None, str, str], ...], str] = {}


def batch_of(connection: BaseDatabaseWrapper) -> list[Pending] | None:
    """The writes waiting in ``connection``'s open batch (None when no batch is open)."""
    found: list[Pending] | None = wrapper_of(connection).__dict__.get(_BATCH)
    return found


def _answer(result: str, rows: list[Any]) -> Any:
    if result == "count":
        return len(rows)
    return rows[0][0] if rows else None


def _combined_sql(pending: list[Pending]) -> str:
    shape = tuple((p.before, p.sql, p.result) for p in pending)
    found = _BATCH_SQL.get(shape)
    if found is not None:
        return found
    parts: list[str] = []
    answers: list[str] = []
    for i, p in enumerate(pending):
        sql = p.sql
        if p.before is not None:
            parts.append(f"b{i} AS ({p.before})")
            sql = sql.replace("__before__", f"b{i}")
        parts.append(f"w{i}(v) AS ({sql})")
        answers.append(f"(SELECT count(*) FROM w{i})" if p.result == "count" else f"(SELECT min(v) FROM w{i})")  # noqa: S608
    combined = f"WITH {', '.join(parts)} SELECT {', '.join(answers)}"
    if len(_BATCH_SQL) > 512:  # shapes are few; never let a stray caller grow this without bound
        _BATCH_SQL.clear()
    _BATCH_SQL[shape] = combined
    return combined


def flush_writes(connection: BaseDatabaseWrapper) -> None:
    """Send the writes waiting in ``connection``'s batch (see ``write_batch``) and tell their callers."""
    connection = wrapper_of(connection)
    pending = connection.__dict__.get(_BATCH)
    if not pending:
        return
    taken = list(pending)
    pending.clear()
    if len(taken) == 1:
        p = taken[0]
        sql = p.sql if p.before is None else f"WITH b0 AS ({p.before}) {p.sql.replace('__before__', 'b0')}"
        rows = run_now(connection, sql, [*p.before_params, *p.params])
        p.done(_answer(p.result, rows))
        return
    params: list[Any] = []
    for p in taken:
        params.extend(p.before_params)
        params.extend(p.params)
    (answers,) = run_now(connection, _combined_sql(taken), params)
    for p, answer in zip(taken, answers, strict=True):
        p.done(int(answer) if p.result == "count" else answer)


def defer_write(
    connection: BaseDatabaseWrapper,
    sql: str,
    params: Sequence[Any],
    *,
    result: str,
    done: Callable[[Any], None],
    before: tuple[str, Sequence[Any]] | None = None,
    key: tuple[str, Any] | None = None,
) -> bool:
    """Put a write in the open batch of ``connection`` (False, and nothing done, when none is open).

    ``sql`` returns one column; ``done`` receives the number of rows (``result="count"``) or the
    first row's value (``"value"``, ``None`` for no row) once the batch is sent. ``before`` is a
    data-modifying statement that ``sql`` reads as the table ``__before__``. ``key`` names the row
    the write changes: a second write of the same row sends the batch first (PostgreSQL would apply
    only one of two changes of a row made in one statement).
    """
    pending = batch_of(connection)
    if pending is None:
        return False
    if key is not None and any(p.key == key for p in pending):
        flush_writes(connection)
    before_sql, before_params = before if before is not None else (None, ())
    pending.append(Pending(before_sql, before_params, sql, params, result, done, key))
    return True


@contextmanager
def write_batch(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction on PostgreSQL, the writes made in the block by ``save_fields``,
    ``insert`` and ``core.audit.record`` go to the server together, as one statement of
    data-modifying ``WITH`` parts, when the block ends (a transition's update, audit event and
    notification: one round trip instead of three).

    Nothing else changes: any other statement run in the block (a queryset, ``execute``,
    ``fetch_all``, a savepoint) sends the waiting writes first, so reads see them; a write
    that the batch already changes a row of is sent after it. An exception leaving the block sends
    the waiting writes too, as unbatched code would have done before raising (if the transaction is
    already broken, the exception is what comes out). Until the batch is sent, an inserted
    instance has no ``pk``. Elsewhere (SQLite, autocommit, a batch already open) it does nothing.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or batch_of(connection) is not None:
        yield
        return

    def flush_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        flush_writes(connection)
        return execute(sql, params, many, context)

    connection.__dict__[_BATCH] = []
    try:
        with connection.execute_wrapper(flush_first):
            try:
                yield
            except BaseException:
                with suppress(DatabaseError):  # if the transaction is broken already, the original error tells why
                    flush_writes(connection)
                raise
            flush_writes(connection)
    finally:
        connection.__dict__.pop(_BATCH, None)
