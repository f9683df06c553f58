"""12345 hotline: ticket intake plus dispatch through HTTP, and knowledge-base search latency over 50,000 entries.

    .venv/bin/python bench/hotline.py [--quick] [--database sqlite|postgres]

Sets up its own database (``tongban_bench_hotline`` on PostgreSQL, a temporary file on SQLite),
migrates it, creates the Tianjin line's departments and an agent, and generates knowledge-base
entries (50,000; 2,000 with ``--quick``) with ``tongban.hotline.demo_data``, indexed for Chinese
search. A real HTTP server serves on loopback (gunicorn as in the recorded runs, ``--server-kind
granian`` for the production server of ADR 0019).

- ``tickets_per_s``: ``POST /api/v1/hotline/tickets`` with a ``department`` by concurrent clients
  (OAuth2 bearer token of the agent): validate, number, store the ticket, audit ``ticket.created``,
  then lock, check the transition table, start the SLA clock (working hours), audit
  ``ticket.dispatch`` and notify the department's handlers. Bounded: a fixed number of requests.
- ``kb_search_p99_ms``: ``GET /api/v1/hotline/kb/search?q=…`` one request at a time, queries in
  Chinese, pinyin, initials and half-typed prefixes, p99 of the server round trip (each worker
  ranks each query once, then serves it from its cache until the knowledge base changes);
  ``kb_search_uncached_p99_ms``: the same queries through ``knowledge.search`` in the benchmark's
  own process with the cache emptied before each call.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import KINDS, wsgi_server_command  # noqa: E402

PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("TONGBAN_BENCH_DB", "tongban_bench_hotline")  # another name for an A/B run side by side

QUERIES = [
    "公积金提取",
    "gongjijin",
    "gongji",
    "gjj",
    "失业金怎么领",
    "居住证办理",
    "和平区营业执照",
    "医保卡补办",
    "yibao",
    "低保申请条件",
    "护照换发",
    "法律援助",
    "导游证",
    "种粮补贴",
    "文物修缮审批",
    "电子证照",
    "tiqu",
    "养老保险缴费",
    "滨海新区户口迁移",
    "家庭医生签约",
]


def _prepare_environment(database: str, workdir: Path) -> str:
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        url = f"{PG_SERVER}/{PG_DB}"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TONGBAN_DATABASE_URL"] = url
    os.environ["TONGBAN_REGION"] = "120000"
    os.environ["TONGBAN_VAR_DIR"] = str(workdir / "var")
    os.environ["TONGBAN_FILES_DIR"] = str(workdir / "files")
    os.environ["TONGBAN_NOTIFY_BACKENDS"] = "file"
    os.environ["TONGBAN_NOTIFY_FILE"] = str(workdir / "notifications.log")
    os.environ["TONGBAN_OIDC_RSA_KEY_FILE"] = str(workdir / "oidc.pem")
    os.environ["TONGBAN_LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def _setup_world() -> dict[str, Any]:
    from tongban.accounts.constants import StaffRoleKind, UserKind
    from tongban.accounts.models import StaffRole, User
    from tongban.hotline.constants import SUBJECTS
    from tongban.regions.models import Department, Region

    region = Region.objects.get(code="120000")
    hotline = Department.objects.create(region=region, code="hotline", name="天津市12345政务服务便民热线")
    codes = sorted({d for _n, d, _k in SUBJECTS.values()})
    departments = [Department.objects.create(region=region, code=c, name=f"天津市{c}部门") for c in codes]
    agent = User.objects.create(username="bench-agent", kind=UserKind.STAFF, full_name="话务员")
    StaffRole.objects.create(user=agent, department=hotline, role=StaffRoleKind.HOTLINE_AGENT)
    for i, department in enumerate(departments):
        handler = User.objects.create(username=f"bench-handler-{i}", kind=UserKind.STAFF, full_name=f"办理人{i}")
        StaffRole.objects.create(user=handler, department=department, role=StaffRoleKind.HOTLINE_HANDLER)
    return {"agent": agent, "codes": codes, "region": region}


def _load_knowledge(count: int, region: Any) -> float:
    from django.utils import timezone

    from tongban.hotline import demo_data, knowledge
    from tongban.hotline.constants import KnowledgeStatus
    from tongban.hotline.models import KnowledgeEntry

    start = time.perf_counter()
    now = timezone.now()
    specs = demo_data.entries(count)
    for offset in range(0, len(specs), 5000):
        chunk = KnowledgeEntry.objects.bulk_create(
            [
                KnowledgeEntry(
                    origin_region=region,
                    category=s.category,
                    question=s.question,
                    variants=list(s.variants),
                    answer=s.answer,
                    source=s.source,
                    status=KnowledgeStatus.PUBLISHED,
                    published_at=now,
                )
                for s in specs[offset : offset + 5000]
            ],
            batch_size=1000,
        )
        knowledge.reindex_many(KnowledgeEntry.objects.filter(pk__in=[e.pk for e in chunk]))
    from django.db import connection

    if connection.vendor == "postgresql":
        # what autovacuum does soon after a bulk load: statistics, and the visibility map that
        # lets the ranking read the term index alone
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def _search_uncached(rounds: int) -> tuple[float, float]:
    """p99 and median (ms) of ``knowledge.search`` in this process with its cache emptied before each
    call: what a search costs the first time a process sees a query or the knowledge base changed."""
    from django.core.cache import caches

    from tongban.hotline import knowledge

    latencies: list[float] = []
    for i in range(rounds):
        caches[knowledge.CACHE_ALIAS].clear()
        t0 = time.perf_counter()
        knowledge.search(QUERIES[i % len(QUERIES)])
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, statistics.median(latencies) * 1000


def _token_for(user: Any) -> str:
    import datetime as dt
    import secrets

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    raw = secrets.token_urlsafe(32)
    get_access_token_model().objects.create(
        user=user, token=raw, expires=timezone.now() + dt.timedelta(hours=2), scope="openid"
    )
    return raw


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(workers: int, kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(
        wsgi_server_command(kind, port=port, workers=workers, threads=4),
        cwd=str(ROOT),
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/ping")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    _out, err = server.communicate(timeout=10)
    raise RuntimeError(f"the HTTP server did not start: {err.decode(errors='replace')[-2000:]}")


def _server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by gunicorn's master and workers (Linux /proc)."""
    pids = [master]
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return 0.0
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(url: str) -> dict[int, float]:
    """CPU seconds (user + system, from /proc) of each PostgreSQL backend serving the benchmark's
    database (a local server); empty on SQLite, whose work is done inside gunicorn's workers."""
    if not url.startswith("postgres"):
        return {}
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    out: dict[int, float] = {}
    for (pid,) in rows:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(pid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _postgres_cpu_since(url: str, before: dict[int, float]) -> float:
    """PostgreSQL CPU seconds since ``before`` (a backend started in between counts from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in _postgres_cpu(url).items())


def _warm(port: int, token: str) -> None:
    """Load jieba, the models and connections in every worker before measuring."""
    for _ in range(40):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/hotline/kb/search?q=" + urllib.parse.quote("公积金"))
        conn.getresponse().read()
        conn.close()


def _intake(port: int, token: str, codes: list[str], total: int, concurrency: int) -> tuple[float, float, int, int]:
    from tongban.hotline import demo_data

    calls = demo_data.tickets(total, seed=4242)
    queue = [
        json.dumps(
            {
                "channel": c.channel,
                "category": c.category,
                "content": c.content,
                "region": c.region,
                "location": c.location,
                "anonymous": c.anonymous,
                "caller_name": c.caller_name,
                "caller_phone": c.caller_phone,
                "department": c.department if c.department in codes else codes[0],
            },
            ensure_ascii=False,
        ).encode()
        for c in calls
    ]
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "zh-hans"}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/hotline/tickets", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 599
            elapsed = time.perf_counter() - t0
            with lock:
                (latencies.append(elapsed) if status == 201 else errors.append(status))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        print(f"  intake errors: {len(errors)} (statuses {sorted(set(errors))})")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0.0
    return len(latencies) / wall, p99, len(latencies), len(errors)


def _search(port: int, rounds: int) -> tuple[float, float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    hits = 0
    for i in range(rounds):
        q = QUERIES[i % len(QUERIES)]
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/hotline/kb/search?q=" + urllib.parse.quote(q))
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status == 200 and json.loads(body):
            hits += 1
    latencies.sort()
    return (
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        statistics.median(latencies) * 1000,
        hits,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--server-kind",
        choices=KINDS,
        default="gunicorn",
        help="HTTP server (default: as in the recorded runs; ADR 0019)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP clients for intake")
    parser.add_argument("--entries", type=int, help="knowledge-base entries (default 50,000; 2,000 with --quick)")
    args = parser.parse_args()
    quick = args.quick
    entries = args.entries or (2_000 if quick else 50_000)
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-hotline-"))
    server = None
    try:
        url = _prepare_environment(args.database, workdir)
        world = _setup_world()
        token = _token_for(world["agent"])
        seconds = _load_knowledge(entries, world["region"])
        print(f"database: {args.database}; {entries} knowledge-base entries generated and indexed in {seconds:.0f} s")
        uncached_p99, uncached_median = _search_uncached(100 if quick else 400)
        print(
            f"  kb search without its cache (in this process): median {uncached_median:.1f} ms, "
            f"p99 {uncached_p99:.1f} ms"
        )
        from django.db import connections

        connections.close_all()
        server, port = _start_server(workers=4, kind=args.server_kind)
        _warm(port, token)
        rounds = 200 if quick else 1000
        cpu0, pg0 = _server_cpu_seconds(server.pid), _postgres_cpu(url)
        p99_search, median_search, hits = _search(port, rounds)
        search_cpu_ms = (_server_cpu_seconds(server.pid) - cpu0) * 1000 / rounds
        search_pg_ms = _postgres_cpu_since(url, pg0) * 1000 / rounds
        print(
            f"  kb search: median {median_search:.1f} ms, p99 {p99_search:.1f} ms, {hits}/{rounds} queries with hits, "
            f"server CPU {search_cpu_ms:.1f} ms per search"
        )
        cpu0, pg0 = _server_cpu_seconds(server.pid), _postgres_cpu(url)
        rate, p99_intake, done, failed = _intake(
            port, token, world["codes"], 300 if quick else 3000, concurrency=args.concurrency
        )
        ticket_cpu_ms = (_server_cpu_seconds(server.pid) - cpu0) * 1000 / max(done, 1)
        ticket_pg_ms = _postgres_cpu_since(url, pg0) * 1000 / max(done, 1)
        if url.startswith("postgres"):
            print(f"  PostgreSQL backends' CPU: {ticket_pg_ms:.1f} ms per ticket, {search_pg_ms:.1f} ms per search")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        print(
            f"  intake + dispatch: {done} tickets, {rate:.1f}/s, p99 {p99_intake:.1f} ms, {failed} failed, "
            f"server CPU {ticket_cpu_ms:.1f} ms per ticket; load average {load}"
        )
        figures = {
            "database": args.database,
            "quick": quick,
            "kb_entries": entries,
            "machine": f"{platform.machine()} {os.cpu_count()} cpu",
            "tickets_per_s": round(rate, 1),
            "intake_p99_ms": round(p99_intake, 1),
            "kb_search_p99_ms": round(p99_search, 1),
            "kb_search_p50_ms": round(median_search, 1),
            "kb_search_uncached_p99_ms": round(uncached_p99, 1),
            "server_cpu_ms_per_ticket": round(ticket_cpu_ms, 1),
            "server_cpu_ms_per_search": round(search_cpu_ms, 1),
            "postgres_cpu_ms_per_ticket": round(ticket_pg_ms, 1) if url.startswith("postgres") else None,
            "postgres_cpu_ms_per_search": round(search_pg_ms, 1) if url.startswith("postgres") else None,
            "load_average": round(load, 1) if load is not None else None,
        }
        print(json.dumps(figures))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
