"""Hot statements of the licences app, hand-written (the fast path, ADR 0018).

``verify_and_log``: the verification's one statement — find the licence by its unique number with
its type and issuer and, if the holder matches, log the verification for the holder, in one round
trip. Tested through ``licence_verify`` (``licences/tests``) on SQLite and PostgreSQL and measured
by ``bench/licence_verify.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tongban.accounts.models import User
from tongban.licences.constants import LicenceStatus, UseKind
from tongban.licences.models import effective_status, local_today

# The verification's one statement (ADR 0018): find the licence by its unique number with its type and
# issuer, and, if the holder matches, log the verification for the holder, in one round trip. On
# PostgreSQL, outside any transaction, the statement is its own transaction and sets
# synchronous_commit off for that transaction only (a read log: a crash may lose the last fraction of a
# second of entries, never a state change).
_VERIFY_SELECT = """
SELECT l.id, l.holder_id, l.holder_name, l.status, l.valid_from, l.valid_to, l.region_code,
       t.code, t.name, d.name
  FROM licences_licence l
  JOIN licences_licencetype t ON t.id = l.licence_type_id
  JOIN regions_department d ON d.id = l.department_id
 WHERE l.number = %s
"""
_VERIFY_INSERT_COLUMNS = "licence_id, kind, by_user_id, by_label, source, case_number, material_code, valid_at_use, at"
_VERIFY_PG = f"""
WITH found AS ({_VERIFY_SELECT}),
logged AS (
    INSERT INTO licences_licenceuse ({_VERIFY_INSERT_COLUMNS})
    SELECT found.id, %s, %s, %s, %s, '', '',
           %s AND found.status = 'valid' AND (found.valid_to IS NULL OR found.valid_to >= %s), %s
      FROM found
     WHERE found.holder_id = %s
    RETURNING 1
)
SELECT found.*, (SELECT count(*) FROM logged), {{async_commit}} FROM found
"""  # noqa: S608 - constant SQL
_VERIFY_PG_ASYNC = _VERIFY_PG.format(async_commit="set_config('synchronous_commit', 'off', true)")
_VERIFY_PG_IN_TRANSACTION = _VERIFY_PG.format(async_commit="NULL")
_VERIFY_SQLITE_INSERT = (
    f"INSERT INTO licences_licenceuse ({_VERIFY_INSERT_COLUMNS}) "  # noqa: S608 - constant SQL
    "VALUES (%s, %s, %s, %s, %s, '', '', %s, %s)"
)


@dataclass(frozen=True)
class Found:
    holder_matches: bool
    status: LicenceStatus
    licence: dict[str, Any]


def verify_and_log(
    *, number: str, holder_id: str, by_user: User | None, by_label: str, source: str, signed_ok: bool = True
) -> Found | None:
    """Look a licence up by number and, if ``holder_id`` is its holder's, log the verification.

    ``None`` if there is no such licence. ``signed_ok`` is false when a VC-JWT's own checks (its validity
    period) failed, so that the log says the verification did not succeed."""
    today = local_today()
    now = timezone.now()
    user_id = by_user.pk if by_user is not None and by_user.is_authenticated else None
    label = (by_label or (by_user.display_name if by_user is not None and by_user.is_authenticated else ""))[:200]
    source = source[:100]
    if connection.vendor == "postgresql":
        import psycopg

        sql = _VERIFY_PG_ASYNC if connection.get_autocommit() else _VERIFY_PG_IN_TRANSACTION
        connection.ensure_connection()
        # A server-side prepared statement (planned once per connection), on Django's own connection.
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(
                sql, [number, UseKind.VERIFIED, user_id, label, source, signed_ok, today, now, holder_id], prepare=True
            )
            row = raw.fetchone()
    else:
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute(_VERIFY_SELECT, [number])
            row = cursor.fetchone()
            if row is not None and row[1] == holder_id:
                valid_at_use = (
                    signed_ok
                    and effective_status(row[3], _as_date(row[5]) if row[5] else None, today) == LicenceStatus.VALID
                )
                cursor.execute(
                    _VERIFY_SQLITE_INSERT, [row[0], UseKind.VERIFIED, user_id, label, source, valid_at_use, now]
                )
    if row is None:
        return None
    _pk, holder, holder_name, stored, valid_from, valid_to, region, type_code, type_name, issuer = row[:10]
    valid_from = _as_date(valid_from)
    valid_to = _as_date(valid_to) if valid_to is not None else None
    return Found(
        holder_matches=holder == holder_id,
        status=effective_status(stored, valid_to, today),
        licence={
            "number": number,
            "type_code": type_code,
            "type_name": type_name,
            "holder_name": holder_name,
            "issuer": issuer,
            "issuing_region": region,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )


def _as_date(value: dt.date | str) -> dt.date:
    """SQLite's raw cursor answers dates as ISO strings."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
