"""Querysets compiled once and run again with other values, for a few hot statements.

Django compiles a queryset's SQL each time it runs. For a wide ``select_related`` that costs
more than running the statement (about 1 ms for a case with its item and applicant, three
times the database's own time). ``CompiledQuery`` compiles the queryset that ``build`` returns
once per database connection, with placeholder values for the arguments, and afterwards only
substitutes the arguments, runs the SQL and turns the rows into model instances (or value
tuples) exactly as Django's own iterables do: the same columns, converters and related objects.

On PostgreSQL the statements run prepared (``execute``: server-side binding, ``prepare=True``
on the persistent connection), since planning a wide join cost the server more than running it
(0.65 ms against 0.25 ms for the case lock); elsewhere through Django's cursor.

Use it only for querysets whose shape does not depend on the arguments (``filter(pk=...)``, not
``filter(...)`` built conditionally), with arguments that the database takes as they are
(integer ids). ``build`` is called once per connection with placeholder integers; the other
parameters of the compiled statement are constants (``role=WINDOW_CLERK``), so ``build`` must
not depend on anything but its arguments (no ``timezone.now()``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import count
from typing import Any, Generic, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.utils.connection import ConnectionProxy

from tongban.core.sql import prepared_statements

_M = TypeVar("_M", bound=Model)


def execute(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[Any]:
    """Run one statement of ours (``%s`` placeholders) and return its rows (``fetch``).

    PostgreSQL: prepared on the connection (psycopg keeps the prepared statements per connection,
    ``prepare=True`` skips the parse and plan from the first repeat on; not when
    ``TONGBAN_DB_PREPARE=0``, see ``core.sql``); errors come out as Django's database errors and
    the statement is logged like Django's own when queries are being captured. Other databases:
    Django's cursor. (``core.sql.fetch_all`` is the same for hand-written SQL on the default
    database, without the error translation and the logging.)
    """
    connection = _wrapper(connection)  # ``django.db.connection``: look the wrapper up once
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if fetch else []
    flush_writes(connection)
    return _execute_now(connection, sql, params, fetch=fetch)


def _execute_now(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[Any]:
    if connection.connection is None:
        connection.ensure_connection()
    started = time.monotonic()
    raw = connection.connection
    # One psycopg cursor per connection, kept for our statements (a new one per statement cost
    # more than some of the statements); a new connection gets a new cursor.
    cursor: psycopg.Cursor[Any] | None = connection.__dict__.get("_tongban_cursor")
    if cursor is None or cursor.connection is not raw or cursor.closed:
        cursor = psycopg.Cursor(raw)
        connection.__dict__["_tongban_cursor"] = cursor
    with connection.wrap_database_errors:
        cursor.execute(sql, params, prepare=prepared_statements())
        rows = cursor.fetchall() if fetch else []
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


# Placeholders: negative integers that no id takes, within the range of a 32-bit column.
_PLACEHOLDERS = count(-2_000_000_000, -1)


class _Compiled:
    """One connection's compiled statement, with what turns its rows into values and objects."""

    def __init__(
        self, compiler: SQLCompiler, sql: str, positions: list[int], params: list[Any], select_for_update: bool
    ) -> None:
        self.compiler = compiler
        self.sql = sql
        self.positions = positions
        self.params = params
        self.select_for_update = select_for_update
        self.converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])
        klass_info = compiler.klass_info
        self.model: type[Model] | None = None
        if klass_info is not None:
            self.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            self.start, self.end = select_fields[0], select_fields[-1] + 1
            self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
            # (django-stubs describes Django 6's signature; 5.2 takes three arguments)
            self.related_populators = get_related_populators(  # type: ignore[call-arg]
                klass_info, compiler.select, str(compiler.using)
            )
            self.annotations = list((compiler.annotation_col_map or {}).items())

    def convert(self, rows: list[Any]) -> Iterator[Any]:
        if not self.converters:
            return iter(rows)
        return iter(self.compiler.apply_converters(rows, self.converters))


class CompiledQuery(Generic[_M]):
    """``CompiledQuery(lambda pk: Case.objects.filter(pk=pk), arity=1).objects(42)``.

    Arguments are integers (ids), except those named in ``text_args``: strings compared as they are
    (``token_checksum=...``), built with a marker string that no real value takes.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[_M, Any]],
        *,
        arity: int,
        text_args: tuple[int, ...] = (),
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.build = build
        self.arity = arity
        self.text_args = frozenset(text_args)
        self.using = using
        self.key = f"_tongban_compiled_{id(self)}"

    def _compiled(self) -> _Compiled:
        connection = connections[self.using]
        cache: dict[str, _Compiled] = connection.__dict__.setdefault("_tongban_compiled", {})
        found = cache.get(self.key)
        if found is not None:
            return found
        placeholders: list[int | str] = [
            f"\x1etongban-argument-{-next(_PLACEHOLDERS)}" if i in self.text_args else next(_PLACEHOLDERS)
            for i in range(self.arity)
        ]
        queryset = self.build(*placeholders)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        # For each parameter: the index of the argument it takes, or -1 for a constant.
        positions = [
            placeholders.index(v) if isinstance(v, int | str) and not isinstance(v, bool) and v in placeholders else -1
            for v in params
        ]
        missing = set(range(self.arity)) - set(positions)
        if missing:
            raise ValueError(f"CompiledQuery: argument(s) {sorted(missing)} do not reach the statement")
        compiled = _Compiled(compiler, sql, positions, list(params), bool(queryset.query.select_for_update))
        cache[self.key] = compiled
        return compiled

    def rows(self, *args: Any) -> list[Any]:
        """The converted rows, as Django's ``values_list`` would give them (lists of column values)."""
        compiled, rows = self._run(args)
        return list(compiled.convert(rows))

    def objects(self, *args: Any) -> list[_M]:
        """Model instances with their ``select_related`` objects, as iterating the queryset would give."""
        compiled, rows = self._run(args)
        return list(self._instances(compiled, rows))

    def first(self, *args: Any) -> _M | None:
        found = self.objects(*args)
        return found[0] if found else None

    def _run(self, args: tuple[Any, ...]) -> tuple[_Compiled, list[Any]]:
        if len(args) != self.arity:
            raise TypeError(f"CompiledQuery takes {self.arity} argument(s), {len(args)} given")
        connection = connections[self.using]
        compiled = self._compiled()
        if compiled.select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = [args[i] if i >= 0 else v for i, v in zip(compiled.positions, compiled.params, strict=True)]
        return compiled, execute(connection, compiled.sql, params)

    def _instances(self, compiled: _Compiled, rows: list[Any]) -> Iterator[_M]:
        # As django.db.models.query.ModelIterable does, with what it recomputes every time kept.
        model_cls = compiled.model
        assert model_cls is not None, "objects() needs a queryset of model instances"
        start, end, init_list = compiled.start, compiled.end, compiled.init_list
        for row in compiled.convert(rows):
            obj = model_cls.from_db(self.using, init_list, row[start:end])
            for populator in compiled.related_populators:
                populator.populate(row, obj)
            for attr_name, col_pos in compiled.annotations:
                setattr(obj, attr_name, row[col_pos])
            yield obj  # type: ignore[misc]


# ---------------------------------------------------------------- the hottest writes

# PostgreSQL takes these fields' Python values as they are (or, for integers, wrapped in the
# psycopg type Django wraps them in): Django's preparation (``to_python``, ``adapt_*field_value``)
# returns a value of one of these exact types unchanged. Anything else (an enum member, a naive
# datetime, JSON) goes through ``get_db_prep_save``.
_TEXT = ("CharField", "TextField", "SlugField", "EmailField", "URLField")
_INTEGERS = (
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
)
_AS_IS: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(_TEXT, (str, type(None))),
    **dict.fromkeys(_INTEGERS, (int,)),
    **dict.fromkeys(("AutoField", "BigAutoField"), (int, type(None))),
    "BooleanField": (bool,),
    "DateField": (dt.date, type(None)),
    "DateTimeField": (dt.datetime, type(None)),
}
_AS_IS_BY_FIELD: dict[tuple[str, Field[Any, Any]], tuple[tuple[type, ...], Callable[[Any], Any] | None]] = {}


def _as_is(
    field: Field[Any, Any], connection: BaseDatabaseWrapper
) -> tuple[tuple[type, ...], Callable[[Any], Any] | None]:
    key = (connection.alias, field)
    found = _AS_IS_BY_FIELD.get(key)
    if found is None:
        target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
        internal = target.get_internal_type()
        types = _AS_IS.get(internal, ()) if connection.vendor == "postgresql" else ()
        wrap = connection.ops.integerfield_type_map[internal] if types and internal in _INTEGERS else None  # type: ignore[attr-defined]
        found = (types, wrap)
        _AS_IS_BY_FIELD[key] = found
    return found


def db_value(field: Field[Any, Any], value: Any, connection: BaseDatabaseWrapper) -> Any:
    """``field.get_db_prep_save(value, connection)``, without the work when PostgreSQL takes the value
    as it is (a ``str`` for a text column, an ``int`` for an id, an aware ``datetime``...)."""
    return preparer(field, connection)(value)


def preparer(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """``db_value`` for one field, as a function of the value (for statements prepared per model)."""
    types, wrap = _as_is(field, connection)
    prep = field.get_db_prep_save

    def prepare(value: Any) -> Any:
        kind = type(value)
        if kind in types and (kind is not dt.datetime or value.tzinfo is not None):
            return value if wrap is None else wrap(value)
        return prep(value, connection)

    return prepare


_ATTNAMES: dict[type[Model], tuple[str, ...]] = {}


def build(model: type[_M], values: Sequence[Any]) -> _M:
    """``model(*values)`` (values in the order of the concrete fields, the primary key first) without
    ``Model.__init__``'s per-field work, when nobody listens to the model's ``pre_init``/``post_init``
    (the two hottest rows of a transition, its audit event and its notice, are built this way)."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model(*values)
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = tuple(f.attname for f in model._meta.concrete_fields)
    if len(values) != len(names):
        raise TypeError(f"{model.__name__} has {len(names)} fields, {len(values)} values given")
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


_Targets = list[tuple[Field[Any, Any], Callable[[Any], Any]]]
_WRITE_SQL: dict[tuple[str, type[Model], tuple[str, ...], str], tuple[str, _Targets]] = {}


def _fast_path(model: type[Model]) -> bool:
    """Whether a write may skip ``Model.save``: the model does not override it, has no parents, and
    nobody listens to its ``pre_save``/``post_save`` signals."""
    return (
        model.save is Model.save
        and not model._meta.parents
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


def _write_sql(
    connection: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...], kind: str
) -> tuple[str, _Targets]:
    key = (connection.alias, model, names, kind)
    found = _WRITE_SQL.get(key)
    if found is not None:
        return found
    q = connection.ops.quote_name
    meta = model._meta
    pk = q(str(meta.pk.column)) if meta.pk is not None else q("id")
    fields: list[Field[Any, Any]] = (
        [meta.get_field(n) for n in names]  # type: ignore[misc]
        if kind == "update"
        else [f for f in meta.concrete_fields if not f.primary_key]
    )
    table = q(meta.db_table)
    if kind == "update":
        assignments = ", ".join(f"{q(str(f.column))} = %s" for f in fields)
        sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s RETURNING {pk}"  # noqa: S608 (our names)
    else:
        columns = ", ".join(q(str(f.column)) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608
    targets = [(f, preparer(f, connection)) for f in fields]
    _WRITE_SQL[key] = (sql, targets)
    return sql, targets


def save_fields(instance: Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``instance.save(update_fields=fields)`` as one prepared ``UPDATE`` (see ``execute``).

    The values are prepared by the fields exactly as ``save`` does (``auto_now`` included when
    named); a model with ``pre_save``/``post_save`` receivers or parents goes through ``save``.
    Inside ``write_batch`` the update waits for the batch (a vanished row fails when it is sent).
    """
    model = type(instance)
    names = tuple(dict.fromkeys(fields))
    if instance.pk is None or instance._state.adding or not _fast_path(model):
        instance.save(update_fields=names, using=using)
        return
    connection = connections[using]
    sql, targets = _write_sql(connection, model, names, "update")
    params = [prepare(f.pre_save(instance, False)) for f, prepare in targets]
    if not defer_write(
        connection, sql, [*params, instance.pk], result="count", done=_updated, key=(model._meta.db_table, instance.pk)
    ):
        _updated(len(execute(connection, sql, [*params, instance.pk])))


def _updated(rows: int) -> None:
    if not rows:
        raise DatabaseError("Save with update_fields did not affect any rows.")


def insert(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``instance.save()`` of a new row as one prepared ``INSERT … RETURNING`` (see ``save_fields``).

    Inside ``write_batch`` the insert waits for the batch: ``instance.pk`` is set when it is sent.
    """
    model = type(instance)
    if instance.pk is not None or not _fast_path(model):
        instance.save(force_insert=True, using=using)
        return
    connection = connections[using]
    sql, targets = _write_sql(connection, model, (), "insert")
    params = [prepare(f.pre_save(instance, True)) for f, prepare in targets]

    def inserted(pk: Any) -> None:
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = using

    if not defer_write(connection, sql, params, result="value", done=inserted):
        ((pk,),) = execute(connection, sql, params)
        inserted(pk)


# ---------------------------------------------------------------- write batches


class _Pending:
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


def _batch(connection: BaseDatabaseWrapper) -> list[_Pending] | None:
    found: list[_Pending] | None = _wrapper(connection).__dict__.get(_BATCH)
    return found


def _answer(result: str, rows: list[Any]) -> Any:
    if result == "count":
        return len(rows)
    return rows[0][0] if rows else None


def _combined_sql(pending: list[_Pending]) -> str:
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


def _wrapper(connection: BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    """The connection itself for ``django.db.connection`` (a proxy, whose ``__dict__`` is its own)."""
    return connections[DEFAULT_DB_ALIAS] if isinstance(connection, ConnectionProxy) else connection


def flush_writes(connection: BaseDatabaseWrapper) -> None:
    """Send the writes waiting in ``connection``'s batch (see ``write_batch``) and tell their callers."""
    connection = _wrapper(connection)
    pending = connection.__dict__.get(_BATCH)
    if not pending:
        return
    taken = list(pending)
    pending.clear()
    if len(taken) == 1:
        p = taken[0]
        sql = p.sql if p.before is None else f"WITH b0 AS ({p.before}) {p.sql.replace('__before__', 'b0')}"
        rows = _execute_now(connection, sql, [*p.before_params, *p.params])
        p.done(_answer(p.result, rows))
        return
    params: list[Any] = []
    for p in taken:
        params.extend(p.before_params)
        params.extend(p.params)
    (answers,) = _execute_now(connection, _combined_sql(taken), params)
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
    pending = _batch(connection)
    if pending is None:
        return False
    if key is not None and any(p.key == key for p in pending):
        flush_writes(connection)
    before_sql, before_params = before if before is not None else (None, ())
    pending.append(_Pending(before_sql, before_params, sql, params, result, done, key))
    return True


@contextmanager
def write_batch(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction on PostgreSQL, the writes made in the block by ``save_fields``,
    ``insert`` and ``core.audit.record`` go to the server together, as one statement of
    data-modifying ``WITH`` parts, when the block ends (a transition's update, audit event and
    notification: one round trip instead of three).

    Nothing else changes: any other statement run in the block (a queryset, ``execute``,
    ``core.sql.fetch_all``, a savepoint) sends the waiting writes first, so reads see them; a write
    that the batch already changes a row of is sent after it. An exception leaving the block sends
    the waiting writes too, as unbatched code would have done before raising (if the transaction is
    already broken, the exception is what comes out). Until the batch is sent, an inserted
    instance has no ``pk``. Elsewhere (SQLite, autocommit, a batch already open) it does nothing.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or _batch(connection) is not None:
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
