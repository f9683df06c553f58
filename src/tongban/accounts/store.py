"""Hot statements of the accounts app (the fast path, ADR 0020): the bearer token read by every
API call, the inbox row written by every transition, the notice to every holder of a role.

The only module of the app that imports ``tongban.core.fastpath``; its callers read as rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tongban.accounts.models import Notification, StaffRole
from tongban.core.fastpath import CompiledQuery, build, fetch_all, insert

# Every API call with a bearer token reads it: compiled once per connection.
_ACCESS_TOKEN: CompiledQuery[Any] = CompiledQuery(
    lambda checksum: get_access_token_model().objects.select_related("user").filter(token_checksum=checksum),
    arity=1,
    text_args=(0,),
)


def access_token_by_checksum(checksum: str) -> Any:
    """The access token (with its user) whose SHA-256 checksum is ``checksum``, or None."""
    return _ACCESS_TOKEN.first(checksum)


def notification_insert(
    *, user_id: int, subject: str, body: str, kind: str, link: str, channels: Sequence[str]
) -> Notification:
    """``Notification.objects.create`` in one prepared statement (a hot path of every workflow;
    inside a write batch it waits for the batch)."""
    # in the order of Notification's concrete fields; created_at is set by the insert (auto_now_add)
    notification = build(
        Notification,
        (None, user_id, str(subject)[:200], str(body), kind, link[:500], list(dict.fromkeys(channels)), None, None),
    )
    insert(notification)
    return notification


def notifications_insert_for_role(
    *, department_id: int, role: str, subject: str, body: str, kind: str, link: str
) -> int:
    """One inbox row for everyone holding ``role`` in the department, in one statement (the holders
    are not read first); answers how many rows were stored."""
    quote = connection.ops.quote_name
    notifications, roles = quote(Notification._meta.db_table), quote(StaffRole._meta.db_table)
    channels = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    rows = fetch_all(
        f"INSERT INTO {notifications} (user_id, subject, body, kind, link, channels, created_at) "  # noqa: S608
        f"SELECT r.user_id, %s, %s, %s, %s, {channels}, %s FROM {roles} r "
        "WHERE r.department_id = %s AND r.role = %s RETURNING 1",
        [
            str(subject)[:200],
            str(body),
            kind,
            link[:500],
            json.dumps(["inbox"]),
            connection.ops.adapt_datetimefield_value(timezone.now()),
            department_id,
            role,
        ],
    )
    return len(rows)
