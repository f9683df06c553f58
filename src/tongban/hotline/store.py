"""Hot statements of the hotline (the fast path, ADR 0020): the actor's hotline roles, a ticket's
insert under a fresh number, regions and departments by code, and the knowledge-base search.

The only module of the app that imports ``tongban.core.fastpath``; callers read as rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from tongban.accounts.models import StaffRole
from tongban.core.fastpath import fetch_all, instances, none_of, one_of
from tongban.hotline.constants import KnowledgeStatus
from tongban.hotline.models import KnowledgeEntry, KnowledgeGeneration, KnowledgeTerm, Ticket
from tongban.regions.models import Department, Region

# ------------------------------------------------------------------ roles, tickets, regions


def hotline_role_rows(user_id: int, roles: Sequence[str]) -> list[tuple[str, int, str, str | None]]:
    """(role, department id, its region, the region's parent) of every role of ``roles`` the user holds."""
    quote = connection.ops.quote_name
    role_table = quote(StaffRole._meta.db_table)
    departments, regions = quote(Department._meta.db_table), quote(Region._meta.db_table)
    wanted, params = one_of("r.role", list(roles))
    return [
        (str(role), int(department), str(region), parent)
        for role, department, region, parent in fetch_all(
            f"SELECT r.role, r.department_id, d.region_id, g.parent_id FROM {role_table} r "  # noqa: S608 - quoted tables
            f"JOIN {departments} d ON d.id = r.department_id JOIN {regions} g ON g.code = d.region_id "
            f"WHERE r.user_id = %s AND {wanted}",
            [user_id, *params],
        )
    ]


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


def department_by_code(region_code: str, code: str) -> Department | None:
    found = instances(Department, "region_id = %s AND code = %s", [region_code, code])
    return found[0] if found else None


# ------------------------------------------------------------------ knowledge-base search


def knowledge_generation() -> int:
    """How many times the search index has changed."""
    table = connection.ops.quote_name(KnowledgeGeneration._meta.db_table)
    rows = fetch_all(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608 - a quoted model table name
    return int(rows[0][0]) if rows else 0


def _next(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _tables() -> tuple[str, str, str]:
    q = connection.ops.quote_name
    return (
        q(KnowledgeTerm._meta.db_table),
        q(KnowledgeEntry._meta.db_table),
        q(KnowledgeGeneration._meta.db_table),
    )


def knowledge_term_counts(exact: list[str], prefixes: list[str], *, cap: int) -> dict[str, int]:
    """How many index rows each term (and each pinyin prefix) has, counted up to ``cap`` + 1, in one
    statement that reads at most ``cap`` + 1 index entries per term."""
    terms, _entries, _generation = _tables()
    parts: list[str] = []
    params: list[Any] = []
    keys = [*exact, *prefixes]
    for i, term in enumerate(exact):
        # only the model's table name and integer positions are formatted in; values are parameters
        parts.append(f"SELECT {i}, COUNT(*) FROM (SELECT 1 FROM {terms} WHERE term = %s LIMIT %s) AS c{i}")  # noqa: S608
        params += [term, cap + 1]
    for j, prefix in enumerate(prefixes, start=len(exact)):
        parts.append(
            f"SELECT {j}, COUNT(*) FROM (SELECT 1 FROM {terms} WHERE term >= %s AND term < %s LIMIT %s) AS c{j}"  # noqa: S608
        )
        params += [prefix, _next(prefix), cap + 1]
    if not parts:
        return {}
    return {keys[int(i)]: int(n) for i, n in fetch_all(" UNION ALL ".join(parts), params)}


def _entry_conditions(today: dt.date) -> tuple[str, list[Any]]:
    day: Any = today if connection.vendor == "postgresql" else today.isoformat()
    # The status is a literal (not a parameter) so that a prepared statement's plan can rely on it.
    published = "'" + KnowledgeStatus.PUBLISHED.value + "'"
    return (
        f"e.status = {published} AND (e.valid_from IS NULL OR e.valid_from <= %s) "
        "AND (e.valid_until IS NULL OR e.valid_until >= %s)",
        [day, day],
    )


# The columns of an entry in the rows below: id, uid, version, category, question, answer, source,
# origin region, shareable.
_ENTRY_COLUMNS = "e.id, e.uid, e.version, e.category, e.question, e.answer, e.source, e.origin_region_id, e.shareable"


def knowledge_ranked(
    exact: list[str], prefixes: list[str], min_weight: float, *, limit: int, today: dt.date
) -> list[tuple[Any, ...]]:
    """One statement: rows of (generation, entry id, score, the entry's columns or NULLs): the best
    ``limit`` entries by summed weight of the matching index rows, with the columns of those that are
    published and valid ``today``; one row of the generation alone when nothing matches.

    Each part of ``h`` reads the covering index alone (terms as one array, then one range per
    pinyin prefix without the exact terms, so that no index row counts twice).
    """
    terms, entries, generation = _tables()
    parts: list[str] = []
    params: list[Any] = []
    if exact:
        cond, p = one_of("term", exact)
        parts.append(f"SELECT entry_id, weight FROM {terms} WHERE {cond} AND weight >= %s")  # noqa: S608
        params += [*p, min_weight]
    for prefix in prefixes:
        cond, p = none_of("term", exact)
        parts.append(
            f"SELECT entry_id, weight FROM {terms} WHERE term >= %s AND term < %s AND {cond} AND weight >= %s"  # noqa: S608
        )
        params += [prefix, _next(prefix), *p, min_weight]
    valid, valid_params = _entry_conditions(today)
    sql = (
        f"WITH h AS ({' UNION ALL '.join(parts)}), "  # noqa: S608 - quoted table names, placeholders only
        "r AS (SELECT entry_id, SUM(weight) AS score FROM h GROUP BY entry_id ORDER BY score DESC, entry_id LIMIT %s) "
        f"SELECT g.value, r.entry_id, r.score, {_ENTRY_COLUMNS} "
        f"FROM (SELECT COALESCE((SELECT value FROM {generation} WHERE id = 1), 0) AS value) AS g "
        "LEFT JOIN r ON 1 = 1 "
        f"LEFT JOIN {entries} e ON e.id = r.entry_id AND {valid}"
    )
    return fetch_all(sql, [*params, limit, *valid_params])


def knowledge_entries(ids: list[int], *, today: dt.date) -> list[tuple[Any, ...]]:
    """One statement: rows of (generation, the entry's columns or NULLs) for the entries among ``ids``
    that are published and valid ``today``."""
    _terms, entries, generation = _tables()
    cond, params = one_of("e.id", ids)
    valid, valid_params = _entry_conditions(today)
    return fetch_all(
        f"SELECT g.value, {_ENTRY_COLUMNS} "  # noqa: S608 - quoted table names, placeholders only
        f"FROM (SELECT COALESCE((SELECT value FROM {generation} WHERE id = 1), 0) AS value) AS g "
        f"LEFT JOIN {entries} e ON {cond} AND {valid}",
        [*params, *valid_params],
    )
