"""The other job engines that bench/jobs.py measures beside django-q2 (ADR 0020): huey and procrastinate.

Neither is a dependency of Tongban: ``pip install huey==3.5.4 procrastinate==3.10.0`` to measure them.
Each module-level object is built from the environment the benchmark sets for its worker.
"""

from __future__ import annotations

import os
from typing import Any

KIND = os.environ.get("BENCH_JOBS_KIND", "")

huey: Any = None
app: Any = None

if KIND.startswith("huey"):
    from huey import RedisHuey, SqliteHuey

    if KIND == "huey-redis":
        huey = RedisHuey("tongban-bench", url=os.environ["BENCH_JOBS_REDIS"])
    else:
        huey = SqliteHuey("tongban-bench", filename=os.environ["BENCH_JOBS_SQLITE"])

    @huey.task()  # type: ignore[untyped-decorator]
    def huey_ping(i: int) -> int:
        return i

elif KIND == "procrastinate":
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=os.environ["BENCH_JOBS_PG"]))

    @app.task(name="ping")  # type: ignore[untyped-decorator]
    def procrastinate_ping(i: int) -> int:
        return i
