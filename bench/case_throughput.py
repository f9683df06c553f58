"""Case throughput: full lifecycles through the service layer, HTTP submissions through the HTTP
server (granian, ADR 0019), and raw PostgreSQL's rate for an equivalent hand-written submission transaction (pgbench).

    .venv/bin/python bench/case_throughput.py [--quick] [--database sqlite|postgres]

Sets up its own database (``tongban_bench_cases`` on PostgreSQL, or ``$TONGBAN_BENCH_PG_DB`` for runs side by side; a temporary file on SQLite),
migrates it, creates a department, an item, a reviewer and applicants. The last line printed
is one JSON object: ``lifecycles_per_s``, ``http_submissions_per_s``, ``submit_p99_ms``,
``raw_submit_per_s`` (null on SQLite).

An HTTP "submission" is ``POST /api/v1/cases/{id}/submit`` of a prepared draft by its
applicant (OAuth2 bearer token, no session write): lock, validate the form, number the case, change its
status, append the audit event, put a notification in the inbox, commit. The pgbench script
does the same writes by hand.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import KINDS, wsgi_server_command  # noqa: E402

PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("TONGBAN_BENCH_PG_DB", "tongban_bench_cases")  # another name for side-by-side runs


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


def _setup_world(n_applicants: int) -> dict[str, Any]:
    import datetime as dt

    from tongban.accounts.constants import StaffRoleKind, UserKind
    from tongban.accounts.models import StaffRole, User
    from tongban.catalog.models import BaseItem, ServiceItem
    from tongban.core.identifiers import make_resident_id
    from tongban.regions.models import Department, Region

    region = Region.objects.get(code="120000")
    department = Department.objects.create(region=region, code="BENCH", name="基准测试局")
    base = BaseItem.objects.create(base_code="BENCH-1", name="基准事项", kind="licensing", competent_department="基准")
    item = ServiceItem.objects.create(
        code="120000-BENCH-1",
        status="published",
        base=base,
        region=region,
        department=department,
        name="基准事项",
        kind="licensing",
        service_object="natural_person",
        legal_limit_days=20,
        promised_limit_days=10,
        result_form="approval_document",
        form_fields=[{"name": "applicant_name", "label": "姓名", "type": "text", "required": True, "max_length": 40}],
    )
    reviewer = User.objects.create(username="bench-reviewer", kind=UserKind.STAFF, full_name="审查员")
    StaffRole.objects.create(user=reviewer, department=department, role=StaffRoleKind.REVIEWER)
    applicants = User.objects.bulk_create(
        [
            User(
                username=f"bench-a{i}",
                kind=UserKind.RESIDENT,
                full_name=f"申请人{i}",
                id_number=make_resident_id("120101", dt.date(1970, 1, 1) + dt.timedelta(days=i), i % 999),
                region=region,
                password="!",  # noqa: S106 (unusable)
            )
            for i in range(n_applicants)
        ]
    )
    return {"item": item, "reviewer": reviewer, "applicants": applicants}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a local process (None where /proc cannot tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pids(database: str) -> list[int]:
    """The local PostgreSQL server processes serving connections to ``database``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            pids.append(int(entry.name))
    return pids


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found.extend(_process_tree(int(child)))
    return found


def _lifecycle_loop(
    item_pk: int, reviewer_pk: int, applicant_pks: list[int], seconds: float, limit: int
) -> tuple[int, float, float | None]:
    from django.db import connection

    from tongban.accounts.models import User
    from tongban.cases import services
    from tongban.catalog.models import ServiceItem

    item = ServiceItem.objects.get(pk=item_pk)
    reviewer = User.objects.get(pk=reviewer_pk)
    applicants = list(User.objects.filter(pk__in=applicant_pks))
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = int(cursor.fetchone()[0])
    backend_before = _cpu_seconds(backend) if backend else None
    cpu_before = time.process_time()
    done = 0
    start = time.perf_counter()
    while done < limit and time.perf_counter() - start < seconds:
        applicant = applicants[done % len(applicants)]
        case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
        case = services.case_submit(case=case, actor=applicant)
        case = services.case_accept(case=case, actor=reviewer)
        case = services.case_start_review(case=case, actor=reviewer)
        case = services.case_approve(case=case, actor=reviewer)
        case = services.case_issue_result(case=case, actor=reviewer)
        case = services.case_deliver(case=case, actor=reviewer)
        case = services.case_close(case=case, actor=reviewer)
        done += 1
    backend_after = _cpu_seconds(backend) if backend else None
    backend_cpu = backend_after - backend_before if backend_after is not None and backend_before is not None else None
    return done, time.process_time() - cpu_before, backend_cpu


def _lifecycle_worker(args: tuple[int, int, list[int], float, int]) -> tuple[int, float, float | None]:
    from django.db import connections

    connections.close_all()
    return _lifecycle_loop(*args)


def _lifecycles(
    world: dict[str, Any], seconds: float, limit: int, workers: int
) -> tuple[float, int, float, float | None]:
    """Full lifecycles (draft, submit, accept, review, approve, issue, deliver, close) in ``workers`` processes."""
    import multiprocessing

    from django.db import connections

    applicant_pks = [a.pk for a in world["applicants"]]
    share = len(applicant_pks) // workers
    jobs = [
        (world["item"].pk, world["reviewer"].pk, applicant_pks[i * share : (i + 1) * share], seconds, limit // workers)
        for i in range(workers)
    ]
    connections.close_all()
    start = time.perf_counter()
    if workers == 1:
        results = [_lifecycle_loop(*jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_lifecycle_worker, jobs)
    elapsed = time.perf_counter() - start
    done = sum(r[0] for r in results)
    client_cpu = sum(r[1] for r in results)
    backend = [r[2] for r in results]
    backend_cpu = sum(b for b in backend if b is not None) if all(b is not None for b in backend) else None
    return done / elapsed, done, client_cpu, backend_cpu


def _token_for(user: Any) -> str:
    """An OAuth2 access token for ``user`` (as Tongban's OpenID provider issues them); the API's
    bearer authentication looks it up by its checksum."""
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


def _http_submissions(
    world: dict[str, Any],
    seconds: float,
    total: int,
    concurrency: int,
    server_shape: tuple[int, int] = (2, 4),
    server_kind: str = "granian",
) -> tuple[float, float, int, float | None]:
    from django.db import connection, transaction

    from tongban.cases import services

    item, applicants = world["item"], world["applicants"]
    drafts: list[tuple[int, str]] = []
    tokens = {a.pk: _token_for(a) for a in applicants}
    # The drafts are made through the service (audited), in one transaction to save the commits.
    with transaction.atomic():
        for i in range(total):
            applicant = applicants[i % len(applicants)]
            case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "李四"})
            drafts.append((case.pk, tokens[applicant.pk]))
    connection.close()

    port = _free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        wsgi_server_command(server_kind, port=port, workers=server_shape[0], threads=server_shape[1]),
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            server.terminate()
            _out, err = server.communicate(timeout=10)
            raise RuntimeError(f"the HTTP server did not start: {err.decode(errors='replace')[-2000:]}")
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        queue = list(drafts)
        stop_at = time.perf_counter() + seconds

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.perf_counter() < stop_at:
                with lock:
                    if not queue:
                        return
                    case_id, token = queue.pop()
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Accept-Language": "zh-hans",
                }
                t0 = time.perf_counter()
                try:
                    conn.request("POST", f"/api/v1/cases/{case_id}/submit", body="{}", headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    status = 599
                elapsed = time.perf_counter() - t0
                with lock:
                    if status == 200:
                        latencies.append(elapsed)
                    else:
                        errors.append(status)

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        cpu_before = _server_cpu(server.pid)
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        cpu_after = _server_cpu(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    if errors:
        print(f"  http errors: {len(errors)} (statuses {sorted(set(errors))})")
    if not latencies:
        return 0.0, 0.0, 0, None
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"  http median {statistics.median(latencies) * 1000:.1f} ms over {len(latencies)} submissions")
    server_cpu = None
    if cpu_before is not None and cpu_after is not None:
        server_cpu = sum(cpu_after.get(pid, 0.0) - cpu for pid, cpu in cpu_before.items())
        server_cpu += sum(cpu for pid, cpu in cpu_after.items() if pid not in cpu_before)
    return len(latencies) / wall, p99, len(latencies), server_cpu


def _server_cpu(master: int) -> dict[int, float] | None:
    """CPU seconds so far of the HTTP server's processes and of the database's server processes (PostgreSQL)."""
    pids = _process_tree(master) + (
        _backend_pids(PG_DB) if os.environ["TONGBAN_DATABASE_URL"].startswith("postgres") else []
    )
    found = {pid: _cpu_seconds(pid) for pid in pids}
    if any(v is None for v in found.values()):
        return None
    return {pid: float(v) for pid, v in found.items() if v is not None}


PGBENCH_SETUP = """
DROP TABLE IF EXISTS bench_case, bench_counter, bench_head, bench_audit, bench_notification;
CREATE TABLE bench_case (id bigint PRIMARY KEY, status varchar(24) NOT NULL, number varchar(32),
  form_data jsonb NOT NULL, submitted_at timestamptz, updated_at timestamptz);
CREATE TABLE bench_counter (region varchar(6), day date, last int NOT NULL, PRIMARY KEY (region, day));
CREATE TABLE bench_head (stream varchar(120) PRIMARY KEY, seq bigint NOT NULL, last_hash varchar(64) NOT NULL);
CREATE TABLE bench_audit (id bigserial PRIMARY KEY, stream varchar(120) NOT NULL, seq bigint NOT NULL,
  occurred_at timestamptz NOT NULL, actor_id bigint, action varchar(80) NOT NULL, data jsonb NOT NULL,
  prev_hash varchar(64) NOT NULL, hash varchar(64) NOT NULL);
CREATE INDEX bench_audit_stream ON bench_audit (stream, seq);
CREATE TABLE bench_notification (id bigserial PRIMARY KEY, user_id bigint NOT NULL, subject varchar(200),
  body text, created_at timestamptz NOT NULL);
INSERT INTO bench_case (id, status, form_data) SELECT g, 'draft', '{"applicant_name": "张三"}'
  FROM generate_series(1, 100000) g;
"""

PGBENCH_SCRIPT = r"""
\set cid random(1, 100000)
BEGIN;
SELECT status, form_data FROM bench_case WHERE id = :cid FOR UPDATE;
INSERT INTO bench_counter (region, day, last) VALUES ('120000', current_date, 1)
  ON CONFLICT (region, day) DO UPDATE SET last = bench_counter.last + 1 RETURNING last;
UPDATE bench_case SET status = 'submitted', number = '120000-' || :cid, submitted_at = now(), updated_at = now()
  WHERE id = :cid;
INSERT INTO bench_head (stream, seq, last_hash) VALUES ('case:' || :cid, 1, md5(random()::text))
  ON CONFLICT (stream) DO UPDATE SET seq = bench_head.seq + 1, last_hash = excluded.last_hash;
INSERT INTO bench_audit (stream, seq, occurred_at, actor_id, action, data, prev_hash, hash)
  VALUES ('case:' || :cid, 1, now(), :cid, 'case.submit', '{"from": "draft", "to": "submitted"}', '',
          md5(random()::text));
INSERT INTO bench_notification (user_id, subject, body, created_at) VALUES (:cid, '办件已提交', '请保存办件编号', now());
END;
"""


def _pgbench_path() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return found[-1] if found else shutil.which("pgbench")


def _raw_submit(url: str, seconds: int, workdir: Path) -> float | None:
    pgbench = _pgbench_path()
    if pgbench is None:
        print("  pgbench not found")
        return None
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PGBENCH_SETUP)
    script = workdir / "submit.sql"
    script.write_text(PGBENCH_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [pgbench, "-n", "-c", "8", "-j", "2", "-T", str(seconds), "-f", str(script), url],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    if not match:
        print("  pgbench failed:", result.stdout[-500:], result.stderr[-500:])
        return None
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_case, bench_counter, bench_head, bench_audit, bench_notification")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--workers", type=int, help="processes running lifecycles (default two per CPU on PostgreSQL, 1 on SQLite)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="HTTP clients of the throughput run (http_submissions_per_s)"
    )
    parser.add_argument(
        "--latency-clients", type=int, default=4, help="HTTP clients of the latency run (submit_p99_ms)"
    )
    parser.add_argument("--server", default="2x4", help="HTTP server workers x threads, default 2x4")
    parser.add_argument("--server-kind", choices=KINDS, default="granian", help="HTTP server (ADR 0019)")
    parser.add_argument(
        "--phases",
        default="lifecycles,http,raw",
        help="comma-separated phases to run (lifecycles, http, raw); a partial run's JSON has nulls for the others",
    )
    args = parser.parse_args()
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    try:
        shape = [int(n) for n in args.server.lower().split("x")]
    except ValueError:
        shape = []
    if len(shape) != 2 or min(shape) < 1:
        parser.error("--server takes WORKERSxTHREADS, e.g. 4x4")
    server_shape = (shape[0], shape[1])
    if not phases or phases - {"lifecycles", "http", "raw"}:
        parser.error("--phases takes lifecycles, http and raw")
    quick = args.quick
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-cases-"))
    try:
        url = _prepare_environment(args.database, workdir)
        world = _setup_world(64)
        print(f"database: {args.database}")
        workers = args.workers or (1 if args.database == "sqlite" else 2 * (os.cpu_count() or 1))
        load_before = os.getloadavg()
        rate = http_rate = p99 = p99_loaded = 0.0
        cpu_per_lifecycle = cpu_per_submission = raw = None
        if "lifecycles" in phases:
            rate, n, client_cpu, backend_cpu = _lifecycles(
                world, seconds=8 if quick else 30, limit=4000 if quick else 20000, workers=workers
            )
            print(
                f"  service layer: {n} full lifecycles (8 transitions each, audited) in {workers} process(es),"
                f" {rate:.1f}/s"
            )
            if n:
                per = f"  CPU per lifecycle: {1000 * client_cpu / n:.1f} ms in Python"
                if backend_cpu is not None:
                    cpu_per_lifecycle = 1000 * (client_cpu + backend_cpu) / n
                    per += f" + {1000 * backend_cpu / n:.1f} ms in PostgreSQL = {cpu_per_lifecycle:.1f} ms"
                else:
                    cpu_per_lifecycle = 1000 * client_cpu / n
                print(per)
        latency_rate: float | None = None
        if "http" in phases:
            runs = []
            for clients in (args.concurrency, args.latency_clients):
                rate_c, p99_c, m, server_cpu = _http_submissions(
                    world,
                    seconds=8 if quick else 30,
                    total=1500 if quick else 6000,
                    concurrency=clients,
                    server_shape=server_shape,
                    server_kind=args.server_kind,
                )
                print(f"  http, {clients} clients: {m} submissions, {rate_c:.1f}/s, p99 {p99_c:.1f} ms")
                runs.append((rate_c, p99_c, m, server_cpu))
            (http_rate, p99_loaded, m, server_cpu), (latency_rate, p99, _m, _cpu) = runs
            cpu_per_submission = 1000 * server_cpu / m if server_cpu is not None and m else None
            if cpu_per_submission is not None:
                print(
                    f"  server CPU per HTTP submission, {args.concurrency} clients (HTTP server + PostgreSQL):"
                    f" {cpu_per_submission:.1f} ms"
                )
        if "raw" in phases and args.database == "postgres":
            raw = _raw_submit(url, 5 if quick else 20, workdir)
            if raw and http_rate:
                print(f"  pgbench hand-written submission: {raw:.1f}/s; http is {100 * http_rate / raw:.1f}% of it")
            elif raw:
                print(f"  pgbench hand-written submission: {raw:.1f}/s")
        figures = {
            "database": args.database,
            "quick": quick,
            "lifecycles_per_s": round(rate, 1) if "lifecycles" in phases else None,
            "http_submissions_per_s": round(http_rate, 1) if "http" in phases else None,
            "submit_p99_ms": round(p99, 1) if "http" in phases else None,
            "http_clients": [args.concurrency, args.latency_clients] if "http" in phases else None,
            "submit_p99_ms_throughput_run": round(p99_loaded, 1) if "http" in phases else None,
            "http_submissions_per_s_latency_run": round(latency_rate, 1) if latency_rate is not None else None,
            "raw_submit_per_s": round(raw, 1) if raw is not None else None,
            "cpu_ms_per_lifecycle": round(cpu_per_lifecycle, 1) if cpu_per_lifecycle is not None else None,
            "cpu_ms_per_http_submission": round(cpu_per_submission, 1) if cpu_per_submission is not None else None,
            "loadavg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        }
        print(json.dumps(figures))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
