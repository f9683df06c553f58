"""Benchmark: catalog search through the HTTP API against the 3,508-item synthetic catalog.

    .venv/bin/python bench/catalog_search.py [--quick] [--database sqlite|postgres] [--items 3508]

It builds its own database (SQLite file under var/bench/, or a dedicated PostgreSQL database
``tongban_bench_search`` created and dropped through psycopg; set TONGBAN_BENCH_POSTGRES_URL
to use another server), migrates it, generates the synthetic catalog, starts the HTTP server
(gunicorn as in the recorded runs, ``--server-kind granian`` for the production server of ADR 0019;
``--workers`` × ``--threads``, keep-alive) on a free local port and drives it with
a keep-alive HTTP client in threads. ``--quick`` reuses the catalog of an earlier run when it
is complete and migrated (``--fresh`` rebuilds it) and keeps it for the next one, so that it
finishes within a minute; a full run rebuilds it and drops the PostgreSQL database unless
``--keep``. Two phases per endpoint, the same for search and for ``/api/v1/ping``:

- latency: one client, requests back to back (the time a user waits on an idle server);
- throughput: ``--concurrency`` clients for ``--seconds`` seconds (the server's rate), with
  the CPU time the server's processes (gunicorn workers and, for a local PostgreSQL, its
  backends) spent per request, read from /proc: a figure that, unlike the rates, does not
  depend on what else the machine is running.

The query mix is realistic: Chinese words, full pinyin, initials and pinyin prefixes, a third
of them with filters, and some lists without a query. The last line printed is one JSON object
with ``search_p50_ms``, ``search_p99_ms``, ``search_qps`` and ``ping_qps`` (and details).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import KINDS, wsgi_server_command  # noqa: E402

BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "var" / "bench"
PG_DATABASE = "tongban_bench_search"
REGION = "120000"
SEED = 2026

# What residents type: Chinese words, full pinyin, initials, pinyin being typed.
QUERIES: tuple[str, ...] = (
    "公积金",
    "住房公积金",
    "公积金提取",
    "驾驶证",
    "营业执照",
    "食品经营许可",
    "出生医学证明",
    "社会保障卡",
    "护照",
    "结婚登记",
    "不动产登记",
    "失业保险金",
    "建筑工程施工许可",
    "排污许可",
    "教师资格",
    "残疾人证",
    "居住证",
    "异地就医",
    "个体工商户",
    "养老保险",
    "gongjijin",
    "zhufang gongjijin",
    "jiashizheng",
    "shipin jingying",
    "shebaoka",
    "hukou qianyi",
    "budongchan",
    "jiaoshi zige",
    "gjj",
    "jsz",
    "yyzz",
    "spjyxk",
    "csyxzm",
    "gongji",
    "jiash",
    "shipinj",
)
FILTERS: tuple[dict[str, str], ...] = (
    {"region": REGION},
    {"kind": "licensing"},
    {"service_object": "natural_person"},
    {"cross_region_mode": "online"},
    {"department": "SYN-GA"},
    {"kind": "public_service", "service_object": "legal_person"},
)


def search_paths(n: int, seed: int) -> list[str]:
    """``n`` search URLs: 2/3 plain queries, 1/4 with filters, the rest lists without a query."""
    rng = random.Random(seed)
    paths = []
    for _ in range(n):
        roll = rng.random()
        params: dict[str, str | int] = {}
        if roll < 0.66:
            params["q"] = rng.choice(QUERIES)
        elif roll < 0.92:
            params["q"] = rng.choice(QUERIES)
            params.update(rng.choice(FILTERS))
        else:
            params.update(rng.choice(FILTERS))
            params["page"] = rng.randint(1, 3)
        paths.append("/api/v1/catalog/items?" + urllib.parse.urlencode(params))
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)


# --- databases ------------------------------------------------------------------------------


def postgres_admin_url() -> str:
    url = os.environ.get("TONGBAN_BENCH_POSTGRES_URL") or os.environ.get("TONGBAN_TEST_POSTGRES_URL")
    url = url or "postgres://postgres@127.0.0.1:5432/postgres"
    base, _, _name = url.rpartition("/")
    return f"{base}/postgres"


def postgres_url() -> str:
    return postgres_admin_url().rpartition("/")[0] + f"/{PG_DATABASE}"


def postgres_create() -> str:
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return postgres_url()


def postgres_drop() -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


SQLITE_PATH = BENCH_DIR / "catalog_search.sqlite3"


def sqlite_create() -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}"


COUNT_SQL = "SELECT COUNT(*) FROM catalog_serviceitem WHERE status = 'published' AND code LIKE '120000-SYN-%%'"


MIGRATIONS_SQL = "SELECT app, name FROM django_migrations"


def project_migrations() -> set[tuple[str, str]]:
    """(app label, migration name) of every migration file of the project's apps."""
    return {(path.parent.parent.name, path.stem) for path in (ROOT / "src" / "tongban").glob("*/migrations/[0-9]*.py")}


def existing_catalog(database: str, items: int) -> str | None:
    """The URL of a benchmark database left by an earlier run with this catalog, if it is up to
    date: the same number of synthetic items, and every migration of the project applied (read
    from ``django_migrations`` directly: starting Django to ask would cost seconds)."""
    try:
        if database == "postgres":
            url = postgres_url()
            with psycopg.connect(url, connect_timeout=5) as conn:
                row = conn.execute(COUNT_SQL).fetchone()
                applied = {(a, n) for a, n in conn.execute(MIGRATIONS_SQL).fetchall()}
        else:
            if not SQLITE_PATH.exists():
                return None
            url = f"sqlite:///{SQLITE_PATH}"
            with sqlite3.connect(SQLITE_PATH) as db:
                row = db.execute(COUNT_SQL.replace("%%", "%")).fetchone()
                applied = {(a, n) for a, n in db.execute(MIGRATIONS_SQL).fetchall()}
    except (psycopg.Error, sqlite3.Error):
        return None
    if row is None or row[0] != items:
        return None
    return url if project_migrations() <= applied else None


# --- load generation ------------------------------------------------------------------------


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    worker_cpu_seconds: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_seconds * 1000 / self.count if self.count else float("nan")

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers={"Accept-Language": "zh-hans"})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def drive(port: int, paths: list[str], *, clients: int, seconds: float, max_requests: int) -> Result:
    """``clients`` threads send the paths round-robin until ``seconds`` or ``max_requests`` is reached."""
    result = Result()
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + seconds
    start_gate = threading.Barrier(clients + 1)

    def worker(offset: int) -> None:
        client = Client(port)
        local: list[float] = []
        errors = 0
        start_gate.wait()
        try:
            while time.perf_counter() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                path = paths[(n + offset) % len(paths)]
                t0 = time.perf_counter()
                status, _body = client.get(path)
                local.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    errors += 1
        finally:
            client.close()
            with lock:
                result.latencies_ms.extend(local)
                result.errors += errors

    threads = [threading.Thread(target=worker, args=(i * 7919,)) for i in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    return result


# --- the server -----------------------------------------------------------------------------


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int, kind: str = "gunicorn"
) -> subprocess.Popen[bytes]:
    cmd = wsgi_server_command(kind, port=port, workers=workers, threads=threads)
    server = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the HTTP server exited with status {server.returncode}")
        try:
            client = Client(port)
            status, _ = client.get("/api/v1/ping")
            client.close()
            if status == 200:
                return server
            if status >= 500:
                stop_server(server)
                raise SystemExit(f"the server answered {status} to /api/v1/ping: see its log above")
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("the HTTP server did not answer within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def check_answers(port: int) -> None:
    """Before timing anything, make sure the server answers what the benchmark claims to measure."""
    client = Client(port)
    try:
        for q in ("公积金", "gongjijin", "gjj"):
            status, body = client.get("/api/v1/catalog/items?" + urllib.parse.urlencode({"q": q}))
            data = json.loads(body)
            if status != 200 or not data["items"] or "住房公积金" not in data["items"][0]["name"]:
                raise SystemExit(f"search for {q!r} did not find the housing-fund items: {status} {body[:300]!r}")
        status, body = client.get("/api/v1/catalog/items?kind=nonsense")
        if status != 422:
            raise SystemExit(f"a bad filter answered {status}, not 422")
    finally:
        client.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent:
                pids.append(int(entry.name))
    return pids


def server_side_pids(server: subprocess.Popen[bytes], database: str, url: str) -> list[int]:
    """The processes doing the server's work: gunicorn's workers and, for a local PostgreSQL,
    the backends serving the benchmark database (their CPU time is read from /proc)."""
    pids = child_pids(server.pid)
    if database == "postgres":
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        pids.extend(int(r[0]) for r in rows if Path(f"/proc/{r[0]}").exists())
    return pids


def cpu_of(pids: list[int]) -> float:
    return sum(process_cpu_seconds(p) for p in pids)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def report(name: str, r: Result) -> None:
    print(
        f"  {name:<18} {r.count:>6} requests in {r.seconds:5.1f} s = {r.rate:7.1f}/s   "
        f"p50 {r.percentile(50):6.2f} ms   p99 {r.percentile(99):6.2f} ms   "
        f"server CPU {r.cpu_ms_per_request:5.2f} ms/request "
        f"({r.worker_cpu_seconds * 1000 / max(r.count, 1):.2f} in the server)   errors {r.errors}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short phases (finishes within a minute)")
    parser.add_argument(
        "--server-kind",
        choices=KINDS,
        default="gunicorn",
        help="HTTP server (default: as in the recorded runs; ADR 0019)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--items", type=int, default=3508)
    parser.add_argument("--workers", type=int, default=2, help="HTTP server worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per HTTP server worker")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads in the throughput phase")
    parser.add_argument("--seconds", type=float, default=None, help="length of each throughput phase")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse the catalog of an earlier run if up to date")
    parser.add_argument("--fresh", action="store_true", help="rebuild the catalog even with --quick")
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else (4.0 if args.quick else 20.0)
    latency_requests = 150 if args.quick else 1500
    warm_up_requests = 150 if args.quick else 800

    if not (BIN / args.server_kind).exists() or shutil.which("tongban", path=str(BIN)) is None:
        raise SystemExit(f"{args.server_kind} and tongban must be installed in {BIN} (run `make install`)")

    print(f"catalog_search: {args.items} items on {args.database}, {args.server_kind} {args.workers}×{args.threads}")
    started = time.perf_counter()
    base_env = {
        **os.environ,
        "TONGBAN_DEBUG": "0",
        "TONGBAN_LOG_LEVEL": "ERROR",
        "TONGBAN_REGION": REGION,
        "TONGBAN_DB_CONN_MAX_AGE": "600",
    }
    reuse = args.reuse or (args.quick and not args.fresh)
    url = existing_catalog(args.database, args.items) if reuse else None
    keep = args.keep or args.quick
    server: subprocess.Popen[bytes] | None = None
    try:
        reused = url is not None
        if url is not None:
            print("  reusing the catalog of an earlier run (--fresh rebuilds it)")
            env = {**base_env, "TONGBAN_DATABASE_URL": url}
        else:
            url = postgres_create() if args.database == "postgres" else sqlite_create()
            env = {**base_env, "TONGBAN_DATABASE_URL": url}
            t0 = time.perf_counter()
            run([str(BIN / "tongban"), "migrate", "--noinput", "-v", "0"], env)
            t1 = time.perf_counter()
            seed = [str(BIN / "tongban"), "seed", "synthetic", "--items", str(args.items), "--region", REGION]
            run([*seed, "--seed", str(SEED)], env)
            t2 = time.perf_counter()
            print(f"  migrate {t1 - t0:.1f} s, synthetic catalog {t2 - t1:.1f} s")
        if args.database == "sqlite":  # the file is shared with the server: fold the WAL in
            with sqlite3.connect(SQLITE_PATH) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif not reused:  # as autovacuum would after a bulk load: visibility map (index-only scans), statistics
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")

        print(f"  database ready after {time.perf_counter() - started:.1f} s")
        port = free_port()
        server = start_server(env, port, args.workers, args.threads, args.server_kind)
        check_answers(port)
        print(f"  server answering after {time.perf_counter() - started:.1f} s")
        paths = search_paths(4000, SEED)
        ping = ["/api/v1/ping"]

        def phase(name: str, p: list[str], clients: int, secs: float, cap: int) -> Result:
            pids = server_side_pids(server, args.database, url)
            workers = child_pids(server.pid)
            cpu_before, workers_before = cpu_of(pids), cpu_of(workers)
            r = drive(port, p, clients=clients, seconds=secs, max_requests=cap)
            r.server_cpu_seconds = cpu_of(pids) - cpu_before
            r.worker_cpu_seconds = cpu_of(workers) - workers_before
            report(name, r)
            return r

        # warm up: every worker and thread, every query once, connections open
        drive(port, paths, clients=args.concurrency, seconds=10, max_requests=warm_up_requests)
        drive(port, ping, clients=args.concurrency, seconds=2, max_requests=warm_up_requests)

        print("latency (one client, back to back):")
        search_lat = phase("search", paths, 1, seconds * 2, latency_requests)
        ping_lat = phase("ping", ping, 1, seconds, latency_requests)
        print(f"throughput ({args.concurrency} clients, {seconds:.0f} s each):")
        load_before = os.getloadavg()[0]
        search_tp = phase("search", paths, args.concurrency, seconds, 10**9)
        ping_tp = phase("ping", ping, args.concurrency, seconds, 10**9)
    finally:
        if server is not None:
            stop_server(server)
        if args.database == "postgres" and not keep:
            postgres_drop()

    errors = search_lat.errors + ping_lat.errors + search_tp.errors + ping_tp.errors
    figures = {
        "search_p50_ms": round(search_lat.percentile(50), 2),
        "search_p99_ms": round(search_lat.percentile(99), 2),
        "search_qps": round(search_tp.rate, 1),
        "ping_qps": round(ping_tp.rate, 1),
        "search_to_ping": round(search_tp.rate / ping_tp.rate, 3) if ping_tp.rate else None,
        "search_p99_loaded_ms": round(search_tp.percentile(99), 2),
        "search_cpu_ms": round(search_tp.cpu_ms_per_request, 3),
        "ping_cpu_ms": round(ping_tp.cpu_ms_per_request, 3),
        "search_to_ping_cpu": round(ping_tp.cpu_ms_per_request / search_tp.cpu_ms_per_request, 3),
        "ping_p50_ms": round(ping_lat.percentile(50), 2),
        "database": args.database,
        "items": args.items,
        "workers": args.workers,
        "threads": args.threads,
        "concurrency": args.concurrency,
        "errors": errors,
        "quick": args.quick,
        "seconds_total": round(time.perf_counter() - started, 1),
        "loadavg_1m_before": round(load_before, 2),
        **machine(),
    }
    goal_p99 = figures["search_p99_ms"] < 30
    goal_ratio = search_tp.rate >= ping_tp.rate / 2
    print(
        f"goals: p99 < 30 ms {'met' if goal_p99 else 'NOT met'}; "
        f"search_qps >= ping_qps / 2 {'met' if goal_ratio else 'NOT met'}"
    )
    print(
        f"server CPU per request: search {search_tp.cpu_ms_per_request:.2f} ms, ping {ping_tp.cpu_ms_per_request:.2f} ms"
        f" (a search costs {search_tp.cpu_ms_per_request / ping_tp.cpu_ms_per_request:.1f} pings; load average"
        f" {figures['loadavg_1m']} on {figures['nproc']} cores during the run)"
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
