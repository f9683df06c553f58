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

from collections.abc import Callable, Iterator
from itertools import count
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from tongban.core.fastpath._batch import execute

_M = TypeVar("_M", bound=Model)


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
