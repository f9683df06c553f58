"""Hot statements of the accounts app, hand-written (the only module of the app on the fast path).

``staff_roles_of``: every role a user holds, with its department's region and that region's parent,
in one prepared statement. The ORM's query compilation cost more than the database's work on the
hotline's intake (docs/benchmarks.md, hotline); the statement is tested through
``accounts.selectors.user_roles`` on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import connection

from tongban.accounts.models import StaffRole
from tongban.core.sql import fetch_all
from tongban.regions.models import Department, Region


def staff_roles_of(user_id: int) -> list[tuple[str, int, str, str | None]]:
    """(role, department id, the department's region, that region's parent) of every role of the user."""
    quote = connection.ops.quote_name
    roles = quote(StaffRole._meta.db_table)
    departments, regions = quote(Department._meta.db_table), quote(Region._meta.db_table)
    return [
        (str(role), int(department), str(region), parent)
        for role, department, region, parent in fetch_all(
            f"SELECT r.role, r.department_id, d.region_id, g.parent_id FROM {roles} r "  # noqa: S608 - quoted tables
            f"JOIN {departments} d ON d.id = r.department_id JOIN {regions} g ON g.code = d.region_id "
            "WHERE r.user_id = %s ORDER BY r.id",
            [user_id],
        )
    ]
