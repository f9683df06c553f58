"""Job engines: enqueue time, idle latency and throughput of no-op jobs (the measurements of ADR 0020).

    .venv/bin/python bench/jobs.py [--quick] [--database sqlite|postgres] [--engine django-q2|huey|procrastinate]
                                   [--broker database|redis]

- ``django-q2`` (Tongban's engine) through ``tongban.core.jobs.enqueue``: a ``Job`` row and a broker
  entry per job, run by ``tongban jobs worker`` (two worker processes) as the ``ops.ping`` job, with
  its ``Job`` row marked running then succeeded. Broker: the node's database (SQLite or PostgreSQL,
  a database ``tongban_bench_jobs`` it creates) or Redis (``--broker redis``, ``TONGBAN_BENCH_REDIS``,
  default ``redis://127.0.0.1:6379/15``).
- ``huey`` 3.5.4: ``SqliteHuey`` (``--database sqlite``) or ``RedisHuey`` (``--broker redis``), a
  consumer with two worker threads. ``procrastinate`` 3.10.0: PostgreSQL only, a worker with
  concurrency 2. Neither is a dependency (``bench/_jobs_candidates.py`` says how to install them).

Figures: ``enqueue_p50_ms`` (one job queued in its own transaction, from the benchmark's process),
``latency_p50_ms`` (queued to finished on an idle worker, one at a time, polled every 5 ms) and
``jobs_per_s`` (N jobs queued at once, until the last one finished). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "tongban_bench_jobs"
REDIS = os.environ.get("TONGBAN_BENCH_REDIS", "redis://127.0.0.1:6379/15")


def _wait(predicate: Callable[[], bool], timeout: float, what: str, poll: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(poll)


def _measure(
    enqueue: Callable[[int], Any], done: Callable[[Any], bool], finished_count: Callable[[], int], n: int, idle: int
) -> dict[str, float]:
    enqueue_ms = []
    latencies = []
    for i in range(idle):
        started = time.perf_counter()
        handle = enqueue(i)
        enqueue_ms.append((time.perf_counter() - started) * 1000)
        _wait(lambda h=handle: done(h), 60, "an idle job")  # type: ignore[misc]
        latencies.append((time.perf_counter() - started) * 1000)
    before = finished_count()
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        enqueue(idle + i)
        enqueue_ms.append((time.perf_counter() - t) * 1000)
    _wait(lambda: finished_count() - before >= n, 900, f"{n} jobs", poll=0.05)
    elapsed = time.perf_counter() - started
    return {
        "enqueue_p50_ms": round(statistics.median(enqueue_ms), 2),
        "latency_p50_ms": round(statistics.median(latencies), 1),
        "jobs_per_s": round(n / elapsed, 1),
    }


def _start(args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=out)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _pg_recreate(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def bench_django_q2(*, database: str, broker: str, n: int, idle: int, work: Path) -> dict[str, float]:
    url = _pg_recreate(PG_DB) if database == "postgres" else f"sqlite:///{work / 'db.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_DATABASE_URL=url,
        TONGBAN_VAR_DIR=str(work),
        TONGBAN_LOG_LEVEL="ERROR",
        TONGBAN_JOBS_WORKERS="2",
        TONGBAN_JOBS_POLL_SECONDS="0.05",
    )
    if broker == "redis":
        env["TONGBAN_JOBS_REDIS_URL"] = REDIS
        import redis

        redis.from_url(REDIS).flushdb()
    subprocess.run([str(BIN / "tongban"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    os.environ.update(env)
    import django

    django.setup()
    from tongban.core import jobs
    from tongban.ops.constants import JobStatus
    from tongban.ops.models import Job

    worker = _start([str(BIN / "tongban"), "jobs", "worker"], env, work / "worker.log")
    try:
        # the periodic jobs run once at the start: let them finish
        _wait(
            lambda: not Job.objects.exclude(status=JobStatus.SUCCEEDED).exists() and Job.objects.count() >= 5,
            120,
            "start",
        )

        def done(job_id: Any) -> bool:
            return Job.objects.filter(pk=job_id, status=JobStatus.SUCCEEDED).exists()

        return _measure(
            lambda i: jobs.enqueue("ops.ping"),
            done,
            lambda: Job.objects.filter(name="ops.ping", status=JobStatus.SUCCEEDED).count(),
            n,
            idle,
        )
    finally:
        _stop(worker)


def bench_huey(*, database: str, broker: str, n: int, idle: int, work: Path) -> dict[str, float]:
    kind = "huey-redis" if broker == "redis" else "huey-sqlite"
    env = dict(os.environ, BENCH_JOBS_KIND=kind, BENCH_JOBS_SQLITE=str(work / "huey.db"), BENCH_JOBS_REDIS=REDIS)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH", "")) if p)
    if broker == "redis":
        import redis

        redis.from_url(REDIS).flushdb()
    os.environ.update(env)
    sys.path.insert(0, str(BENCH))
    import _jobs_candidates as cand

    consumer = _start(
        [str(BIN / "huey_consumer"), "_jobs_candidates.huey", "-w", "2", "-k", "thread", "-d", "0.05", "-C"],
        env,
        work / "huey.log",
        cwd=BENCH,
    )
    try:
        time.sleep(2)
        results: list[Any] = []

        def enqueue(i: int) -> Any:
            result = cand.huey_ping(i)
            results.append(result)
            return result

        return _measure(
            enqueue,
            lambda r: r.get(preserve=True) is not None,
            lambda: int(cand.huey.result_count()),
            n,
            idle,
        )
    finally:
        _stop(consumer)


def bench_procrastinate(*, database: str, broker: str, n: int, idle: int, work: Path) -> dict[str, float]:
    if database != "postgres":
        raise SystemExit("procrastinate runs on PostgreSQL only")
    url = _pg_recreate(PG_DB)
    env = dict(os.environ, BENCH_JOBS_KIND="procrastinate", BENCH_JOBS_PG=url)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH", "")) if p)
    os.environ.update(env)
    sys.path.insert(0, str(BENCH))
    import psycopg

    import _jobs_candidates as cand

    cli = [str(BIN / "procrastinate"), "--app=_jobs_candidates.app"]
    subprocess.run([*cli, "schema", "--apply"], env=env, cwd=BENCH, check=True, capture_output=True)
    worker = _start([*cli, "worker", "--concurrency", "2"], env, work / "procrastinate.log", cwd=BENCH)
    conn = psycopg.connect(url, autocommit=True)
    try:
        with cand.app.open():

            def enqueue(i: int) -> int:
                return int(cand.procrastinate_ping.defer(i=i))

            def done(job_id: int) -> bool:
                row = conn.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id]).fetchone()
                return row is not None and row[0] == "succeeded"

            def finished() -> int:
                row = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'").fetchone()
                return int(row[0]) if row else 0

            return _measure(enqueue, done, finished, n, idle)
    finally:
        conn.close()
        _stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--broker", choices=["database", "redis"], default="database")
    parser.add_argument("--engine", choices=["django-q2", "huey", "procrastinate"], default="django-q2")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    n = args.jobs or (200 if args.quick else 1000)
    idle = 10 if args.quick else 30
    work = Path(tempfile.mkdtemp(prefix="tongban-bench-jobs-"))
    try:
        run = {"django-q2": bench_django_q2, "huey": bench_huey, "procrastinate": bench_procrastinate}[args.engine]
        figures = run(database=args.database, broker=args.broker, n=n, idle=idle, work=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "engine": args.engine,
                "database": args.database,
                "broker": args.broker,
                "jobs": n,
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
