"""Licence verification: generate N licences, then verify by number + holder and by VC-JWT through the
service layer and over HTTP (gunicorn on loopback, 4 concurrent clients), and measure raw PostgreSQL's
indexed point-select rate on the same table with pgbench in the same run.

    .venv/bin/python bench/licence_verify.py [--quick] [--database sqlite|postgres] [--rows N]

``--rows`` defaults to 1,000,000 (``--quick``: 20,000). The documented run at the source documents'
42 million licences on PostgreSQL is for a later session (``--rows 42000000``, about 20-30 minutes
of loading on this machine). The database is the bench's own (``tongban_bench_licences`` on
PostgreSQL, a temporary file on SQLite). Rows are loaded with COPY (PostgreSQL) or batched
inserts (SQLite); their credentials are signed only for the sample verified by VC-JWT.

Every verification is the real service: check character, lookup by number, holder match, status
with expiry computed, and the verification logged for the holder (one insert). The last line printed
is one JSON object: ``verify_per_s``, ``verify_p50_ms``, ``verify_p99_ms`` (HTTP by number + holder,
4 clients), ``raw_select_per_s`` (pgbench, 4 clients, primary-key point select; on SQLite a Python
loop of indexed point selects), ``ratio_to_raw``, ``rows``, and the service-layer and VC-JWT figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "tongban_bench_licences"
CLIENTS = 4


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
    os.environ["TONGBAN_OIDC_RSA_KEY_FILE"] = str(workdir / "oidc.pem")
    os.environ["TONGBAN_LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tongban.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def _setup_type() -> tuple[int, int]:
    from tongban.licences.services import licence_type_save
    from tongban.regions.models import Department, Region

    department = Department.objects.create(region=Region.objects.get(code="120000"), code="bench", name="基准测试局")
    ltype = licence_type_save(
        code="bench",
        name="基准测试证",
        department=department,
        holder_kind="resident",
        fields=[{"name": "grade", "label": "等级", "type": "text"}],
        validity_months=60,
        template={},
        actor=None,
    )
    return ltype.pk, department.pk


def _row_values(i: int, *, today: dt.date) -> tuple[str, str, str, dt.date, dt.date, str]:
    from tongban.core.identifiers import resident_id_check_digit
    from tongban.licences.numbers import check_char

    body = f"BENCH-120000-{i:08d}"
    number = body + check_char(body)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i % 20000)
    first17 = f"120101{birth:%Y%m%d}{i % 1000:03d}"
    holder = first17 + resident_id_check_digit(first17)
    valid_from = today - dt.timedelta(days=i % 1500)
    valid_to = valid_from + dt.timedelta(days=1826)
    status = "revoked" if i % 100 == 0 else ("suspended" if i % 250 == 1 else "valid")
    return number, holder, f"持证人{i}", valid_from, valid_to, status


def _load_rows(database: str, rows: int, type_pk: int, department_pk: int) -> float:
    from django.db import connection

    today = dt.date.today()
    started = time.perf_counter()
    columns = (
        "number, licence_type_id, department_id, region_code, holder_kind, holder_id, holder_name, field_values, "
        "valid_from, valid_to, status, status_reason, issued_at, case_number, vc_jwt, signing_kid"
    )
    issued_at = dt.datetime.now(dt.UTC)
    if database == "postgres":
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(f"COPY licences_licence ({columns}) FROM STDIN") as copy:
            for i in range(1, rows + 1):
                number, holder, name, valid_from, valid_to, status = _row_values(i, today=today)
                copy.write_row(
                    (
                        number,
                        type_pk,
                        department_pk,
                        "120000",
                        "resident",
                        holder,
                        name,
                        '{"grade": "一级"}',
                        valid_from,
                        valid_to,
                        status,
                        "",
                        issued_at,
                        "",
                        "",
                        "",
                    )
                )
        raw.commit()
        with connection.cursor() as cur:
            cur.execute("ANALYZE licences_licence")
    else:
        batch: list[tuple[Any, ...]] = []
        sql = f"INSERT INTO licences_licence ({columns}) VALUES ({', '.join(['%s'] * 16)})"  # noqa: S608 - constant columns
        with connection.cursor() as cur:
            for i in range(1, rows + 1):
                number, holder, name, valid_from, valid_to, status = _row_values(i, today=today)
                batch.append(
                    (
                        number,
                        type_pk,
                        department_pk,
                        "120000",
                        "resident",
                        holder,
                        name,
                        '{"grade": "一级"}',
                        valid_from,
                        valid_to,
                        status,
                        "",
                        issued_at,
                        "",
                        "",
                        "",
                    )
                )
                if len(batch) == 20000 or i == rows:
                    cur.executemany(sql, batch)
                    batch.clear()
            cur.execute("ANALYZE")
    return time.perf_counter() - started


def _sample(rows: int, size: int) -> list[tuple[str, str]]:
    rng = random.Random(42)
    today = dt.date.today()
    out = []
    for i in rng.sample(range(1, rows + 1), min(size, rows)):
        number, holder, *_rest = _row_values(i, today=today)
        out.append((number, holder))
    return out


def _sign_sample(numbers: list[str]) -> list[str]:
    from django.db import transaction

    from tongban.licences.credentials import sign_licence
    from tongban.licences.models import Licence

    tokens = []
    with transaction.atomic():
        for licence in Licence.objects.filter(number__in=numbers).select_related("licence_type", "department"):
            licence.vc_jwt, licence.signing_kid = sign_licence(licence)
            licence.save(update_fields=["vc_jwt", "signing_kid"])
            tokens.append(licence.vc_jwt)
    return tokens


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _service_loop(call: Callable[[int], Any], seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    i = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        call(i)
        latencies.append((time.perf_counter() - t0) * 1000)
        i += 1
    return len(latencies) / (time.perf_counter() - started), latencies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_gunicorn() -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "tongban.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(CLIENTS),
            "--timeout",
            "120",
            "--log-level",
            "error",
        ],
        cwd=str(ROOT),
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 300  # a loaded machine takes long to import and preload the app
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/ping")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.5)
    server.kill()
    _out, err = server.communicate(timeout=30)
    raise RuntimeError(f"gunicorn did not start: {err.decode(errors='replace')[-2000:]}")


def _http_loop(port: int, bodies: list[str], seconds: float) -> tuple[float, list[float], int, int]:
    """4 clients POST /api/v1/licences/verify for ``seconds``; returns rate, latencies, valid and error counts."""
    latencies: list[float] = []
    counts = {"valid": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        valid = errors = 0
        i = offset
        while time.perf_counter() < stop_at:
            body = bodies[i % len(bodies)]
            i += CLIENTS
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/licences/verify", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                payload = response.read()
            except OSError:
                errors += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            local.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                errors += 1
            elif b'"valid":true' in payload.replace(b" ", b""):
                valid += 1
        with lock:
            latencies.extend(local)
            counts["valid"] += valid
            counts["errors"] += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, counts["valid"], counts["errors"]


def _pgbench_path() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return found[-1] if found else shutil.which("pgbench")


def _raw_select_postgres(url: str, rows: int, seconds: int, workdir: Path) -> float | None:
    pgbench = _pgbench_path()
    if pgbench is None:
        print("  pgbench not found")
        return None
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM licences_licence")
        low, high = cur.fetchone()
    script = workdir / "select.sql"
    script.write_text(
        f"\\set id random({low}, {high})\n"
        "SELECT number, holder_id, status, valid_from, valid_to FROM licences_licence WHERE id = :id;\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [pgbench, "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(seconds), "-f", str(script), url],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    if not match:
        print("  pgbench failed:", result.stdout[-500:], result.stderr[-500:])
        return None
    return float(match.group(1))


def _raw_select_sqlite(path: str, sample: list[tuple[str, str]], seconds: float) -> float:
    import sqlite3

    conn = sqlite3.connect(path)
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        number, _holder = sample[count % len(sample)]
        conn.execute(
            "SELECT number, holder_id, status, valid_from, valid_to FROM licences_licence WHERE number = ?", (number,)
        ).fetchone()
        count += 1
    conn.close()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    phase = 3.0 if args.quick else 15.0
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-licences-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        url = _prepare_environment(args.database, workdir)
        from django.db import connection

        from tongban.licences import services

        type_pk, department_pk = _setup_type()
        load_s = _load_rows(args.database, rows, type_pk, department_pk)
        print(f"loaded {rows} licences in {load_s:.1f}s ({rows / load_s:.0f} rows/s) on {args.database}")
        sample = _sample(rows, 5000)
        tokens = _sign_sample([n for n, _h in sample[:1000]])
        print(f"signed {len(tokens)} credentials for the VC-JWT sample")

        def by_number(i: int) -> None:
            number, holder = sample[i % len(sample)]
            services.licence_verify(number=number, holder_id=holder, source="bench")

        def by_jwt(i: int) -> None:
            services.licence_verify(token=tokens[i % len(tokens)], source="bench")

        service_rate, service_lat = _service_loop(by_number, phase)
        print(
            f"service, number+holder: {service_rate:.0f}/s, p50 {statistics.median(service_lat):.2f} ms, "
            f"p99 {_percentile(service_lat, 0.99):.2f} ms"
        )
        service_jwt_rate, service_jwt_lat = _service_loop(by_jwt, phase / 2)
        print(f"service, VC-JWT: {service_jwt_rate:.0f}/s, p99 {_percentile(service_jwt_lat, 0.99):.2f} ms")
        connection.close()

        server, port = _start_gunicorn()
        number_bodies = [json.dumps({"number": n, "holder_id": h}) for n, h in sample]
        jwt_bodies = [json.dumps({"vc_jwt": t}) for t in tokens]
        _http_loop(port, number_bodies[:200], 1.0)  # warm the workers
        http_rate, http_lat, http_valid, http_errors = _http_loop(port, number_bodies, phase)
        p50, p99 = statistics.median(http_lat), _percentile(http_lat, 0.99)
        print(
            f"HTTP, number+holder, {CLIENTS} clients: {http_rate:.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms "
            f"({http_valid} valid, {http_errors} errors)"
        )
        http_jwt_rate, http_jwt_lat, _v, jwt_errors = _http_loop(port, jwt_bodies, phase / 2)
        print(f"HTTP, VC-JWT, {CLIENTS} clients: {http_jwt_rate:.0f}/s, p99 {_percentile(http_jwt_lat, 0.99):.2f} ms")
        server.terminate()
        server.wait(timeout=30)
        server = None

        if args.database == "postgres":
            raw = _raw_select_postgres(url, rows, int(phase), workdir)
            raw_label = f"pgbench, {CLIENTS} clients, primary-key point select"
        else:
            raw = _raw_select_sqlite(url.removeprefix("sqlite:///"), sample, phase / 2)
            raw_label = "python sqlite3, 1 connection, indexed point select"
        ratio = http_rate / raw if raw else None
        if raw:
            print(f"raw ({raw_label}): {raw:.0f}/s; HTTP verification is {100 * http_rate / raw:.1f}% of it")
        print(
            json.dumps(
                {
                    "verify_per_s": round(http_rate, 1),
                    "verify_p50_ms": round(p50, 2),
                    "verify_p99_ms": round(p99, 2),
                    "raw_select_per_s": round(raw, 1) if raw else None,
                    "ratio_to_raw": round(ratio, 4) if ratio else None,
                    "rows": rows,
                    "database": args.database,
                    "service_verify_per_s": round(service_rate, 1),
                    "service_p99_ms": round(_percentile(service_lat, 0.99), 2),
                    "service_jwt_verify_per_s": round(service_jwt_rate, 1),
                    "http_jwt_verify_per_s": round(http_jwt_rate, 1),
                    "http_jwt_p99_ms": round(_percentile(http_jwt_lat, 0.99), 2),
                    "http_errors": http_errors + jwt_errors,
                    "load_s": round(load_s, 1),
                }
            )
        )
    finally:
        if server is not None:
            server.terminate()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.database == "postgres":
            try:
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            except Exception as exc:  # cleaning up must not hide the result
                print(f"could not drop {PG_DB}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
