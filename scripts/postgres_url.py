"""Print the PostgreSQL URL the tests should use, or nothing when none is reachable.

TONGBAN_TEST_POSTGRES_URL wins; otherwise a local server at 127.0.0.1:5432 is tried
as the user ``postgres``. Exit status 0 when one answers, 1 when none does.
"""

from __future__ import annotations

import os
import sys

import psycopg

DEFAULT = "postgres://postgres@127.0.0.1:5432/tongban"


def main() -> int:
    url = os.environ.get("TONGBAN_TEST_POSTGRES_URL") or DEFAULT
    # Connect to the maintenance database: the named one need not exist, pytest-django creates test_<name>.
    base, _, _name = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3):
            pass
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {base}: {exc}", file=sys.stderr)
        return 1
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
