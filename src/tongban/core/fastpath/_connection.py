"""The connection our statements run on: prepared on PostgreSQL, one psycopg cursor per connection.

Django's cursors bind parameters on the client, so PostgreSQL plans every statement afresh.
Our statements run on a psycopg cursor of Django's own connection (same transaction) with
server-side binding and ``prepare=True``: a statement is planned once per connection and shape
(ADR 0010). Behind a transaction-pooling PgBouncer older than 1.21 set ``TONGBAN_DB_PREPARE=0``:
statements are then sent without preparing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.connection import ConnectionProxy


@cache  # the settings do not change while a process runs
def prepared_statements() -> bool:
    """Whether statements may be prepared on the default database (PostgreSQL, not turned off)."""
    options = settings.DATABASES["default"].get("OPTIONS", {})
    return connection.vendor == "postgresql" and options.get("prepare_threshold") is not None


def wrapper_of(conn: BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    """The connection itself for ``django.db.connection`` (a proxy, whose ``__dict__`` is its own)."""
    return connections[DEFAULT_DB_ALIAS] if isinstance(conn, ConnectionProxy) else conn


def run_now(conn: BaseDatabaseWrapper, sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[Any]:
    """Run one statement on PostgreSQL, prepared, on the connection's kept psycopg cursor."""
    if conn.connection is None:
        conn.ensure_connection()
    started = time.monotonic()
    raw = conn.connection
    # One psycopg cursor per connection, kept for our statements (a new one per statement cost
    # more than some of the statements); a new connection gets a new cursor.
    cursor: psycopg.Cursor[Any] | None = conn.__dict__.get("_tongban_cursor")
    if cursor is None or cursor.connection is not raw or cursor.closed:
        cursor = psycopg.Cursor(raw)
        conn.__dict__["_tongban_cursor"] = cursor
    with conn.wrap_database_errors:
        cursor.execute(sql, params, prepare=prepared_statements())
        rows = cursor.fetchall() if fetch else []
    if conn.queries_logged:
        conn.queries_log.append({"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"})
    return rows
