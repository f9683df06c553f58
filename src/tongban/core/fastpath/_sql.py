"""Hand-written SQL on hot paths: run a statement on the default database, prepared on PostgreSQL.

``fetch_all`` runs a statement on a psycopg cursor of Django's own connection (same transaction)
with server-side binding and ``prepare=True``: the statement is planned once per connection and
shape (ADR 0010). Statements are written with ``%s`` placeholders and run unchanged on SQLite.
They do not appear in ``connection.queries`` or ``CaptureQueriesContext``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connection, models

from tongban.core.fastpath._batch import flush_writes
from tongban.core.fastpath._connection import prepared_statements


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one statement on the default database (inside the current transaction, if any)."""
    if connection.vendor == "postgresql":
        flush_writes(connection)  # writes waiting in a batch (write_batch) come first
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=prepared_statements())
            return cursor.fetchall() if cursor.description is not None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description is not None else []


def one_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` equal to one of ``values``: one array parameter on PostgreSQL (one statement shape
    whatever the number of values), a list of placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def none_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` equal to none of ``values`` (the negation of ``one_of``)."""
    if connection.vendor == "postgresql":
        return f"{column} <> ALL(%s)", [list(values)]
    if not values:
        return "1 = 1", []
    return f"{column} NOT IN ({', '.join(['%s'] * len(values))})", list(values)


# Column types that both databases return as the Python values Django's fields hold, with no
# converter (SQLite returns dates, booleans, JSON and UUIDs in its own forms).
_PLAIN_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)

M = TypeVar("M", bound=models.Model)


def instances(model: type[M], where: str, params: Sequence[Any] = ()) -> list[M]:
    """Full instances of ``model`` for ``SELECT <every column> FROM <its table> WHERE <where>``,
    without the ORM's query compilation; only for models whose columns are all plain text and
    integers (``TypeError`` otherwise)."""
    fields = model._meta.concrete_fields
    odd = [f.name for f in fields if f.get_internal_type() not in _PLAIN_FIELDS]
    if odd:
        raise TypeError(f"{model.__name__} has columns that need converters: {', '.join(odd)}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    rows = fetch_all(f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where}", params)  # noqa: S608
    names = [f.attname for f in fields]
    return [model.from_db(connection.alias, names, row) for row in rows]
