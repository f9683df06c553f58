"""Hot statements of the hotline's ticket intake, hand-written (the fast path, ADR 0003/0010): a
ticket's insert under a fresh number and the regions by code, each one prepared statement without
the ORM's query compilation.

Both are tested through the intake (``hotline/tests``) on SQLite and PostgreSQL, forced number
collisions included.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from tongban.core.sql import fetch_all, instances, one_of
from tongban.hotline.models import Ticket
from tongban.regions.models import Region


def ticket_insert_unless_number_taken(ticket: Ticket) -> bool:
    """Insert a new ticket under its number in one statement; False (nothing written) when the
    number is taken already (``ON CONFLICT`` on the unique number does nothing, no savepoint)."""
    quote = connection.ops.quote_name
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    sql = (
        f"INSERT INTO {quote(Ticket._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (number) DO NOTHING RETURNING id"
    )
    # pre_save gives each field its value as Model.save() would (auto_now of updated_at included)
    rows = fetch_all(sql, [f.get_db_prep_save(f.pre_save(ticket, True), connection) for f in fields])
    if not rows:
        return False
    ticket.pk = rows[0][0]
    ticket._state.adding = False
    ticket._state.db = connection.alias
    return True


def regions_by_code(codes: Sequence[str]) -> list[Region]:
    """The regions with these codes (a plain read without compiling a queryset)."""
    where, params = one_of("code", list(codes))
    return instances(Region, where, params)
