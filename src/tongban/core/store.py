"""Hot statements of ``core`` (the fast path, ADR 0020): the only module of ``core`` besides
``audit`` and ``workflow`` that uses ``tongban.core.fastpath``."""

from __future__ import annotations

from django.db import connection

from tongban.core.fastpath import execute
from tongban.core.models import CalendarYear


def published_calendar_years(first: int, last: int) -> set[int]:
    """Years from ``first`` to ``last`` with a published schedule: read by every acceptance (its
    deadlines), so one prepared statement of ours rather than a queryset."""
    table = connection.ops.quote_name(CalendarYear._meta.db_table)
    sql = f"SELECT year FROM {table} WHERE published AND year >= %s AND year <= %s"  # noqa: S608 (our table)
    return {int(row[0]) for row in execute(connection, sql, [first, last])}
