"""Content keys of rows, read in the statement that uses them: the rule for per-process caches.

A process may keep a copy of a row (a published item, its materials) between requests only under
a key that the database computes from the row's content *in the same statement* that decides to use
the copy (the case lock, ADR 0020). Every change of the row, however made (``save``,
``QuerySet.update``, raw SQL, another machine), changes its content and so its key: a kept copy is
used only for a row that reads exactly as the copy was read. Nothing has to remember to bump a
version.

PostgreSQL: the SHA-256 (hex) of the row's text (``CAST(row AS text)``, every column). SQLite: the
row's columns as one JSON array (the key *is* the content there).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, Func, Model, TextField
from django.db.models.expressions import Col
from django.db.models.sql.compiler import SQLCompiler


def _pg_key(text_sql: str) -> str:
    return f"encode(sha256(convert_to({text_sql}, 'UTF8')), 'hex')"


class RowKey(Func):
    """The content key of the row that the column ``path`` belongs to (``RowKey("item__code")``: the
    case's item row, through the join the path makes; ``RowKey("code")``: the query's own row)."""

    output_field = TextField()

    def __init__(self, path: str) -> None:
        super().__init__(F(path))

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (col,) = self.get_source_expressions()
        if not isinstance(col, Col) or not col.alias:
            raise TypeError("RowKey needs the path of a column of a table in the query")
        alias = compiler.quote_name_unless_alias(col.alias)
        if connection.vendor == "postgresql":
            return _pg_key(f"CAST({alias} AS text)"), []
        model: type[Model] = col.target.model
        quote = connection.ops.quote_name
        columns = ", ".join(f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields)
        return f"json_array({columns})", []


class RowsKey(Func):
    """The content key of every row of ``model`` whose ``column`` equals ``value`` (an expression of
    the outer query, e.g. ``F("item_id")``), in primary-key order: the materials of a case's item."""

    output_field = TextField()

    def __init__(self, model: type[Model], column: str, value: Expression | F) -> None:
        self.model = model
        self.column = column
        super().__init__(value)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (value,) = self.get_source_expressions()
        value_sql, params = compiler.compile(value)
        quote = connection.ops.quote_name
        meta = self.model._meta
        table = quote(meta.db_table)
        column = quote(str(meta.get_field(self.column).column))  # type: ignore[union-attr]
        pk = quote(str(meta.pk.column)) if meta.pk is not None else quote("id")
        if connection.vendor == "postgresql":
            text = f"COALESCE(string_agg(CAST(k AS text), ',' ORDER BY k.{pk}), '')"
            return f"(SELECT {_pg_key(text)} FROM {table} k WHERE k.{column} = {value_sql})", list(params)  # noqa: S608
        columns = ", ".join(f"k.{quote(str(f.column))}" for f in meta.concrete_fields)
        return (
            f"(SELECT json_group_array(json_array({columns})) FROM "  # noqa: S608 (our names)
            f"(SELECT * FROM {table} WHERE {column} = {value_sql} ORDER BY {pk}) k)",
            list(params),
        )


def key_of_no_rows(connection: BaseDatabaseWrapper) -> str:
    """What ``RowsKey`` answers when no row matches."""
    return hashlib.sha256(b"").hexdigest() if connection.vendor == "postgresql" else "[]"
