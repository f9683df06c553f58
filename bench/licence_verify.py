"""Licence verification: generate N licences, then verify by number + holder and by VC-JWT through the
service layer and over HTTP (granian on loopback, ADR 0019; 4 concurrent clients), and measure raw PostgreSQL's
indexed point-select rate on the same table with pgbench in the same run.

    .venv/bin/python bench/licence_verify.py [--quick] [--database sqlite|postgres] [--rows N] [--keep]
                                             [--cold] [--sample N] [--seed N] [--drop]

``--rows`` defaults to 1,000,000 (``--quick``: 20,000). The database is the bench's own
(``tongban_bench_licences`` on the server of ``TONGBAN_BENCH_PG``, default the local one on :5432;
a temporary file on SQLite). On PostgreSQL the rows are generated inside the server
(``INSERT … SELECT … FROM generate_series`` joined to small tables of precomputed check characters),
in one transaction after a ``TRUNCATE``, with the secondary indexes and constraints dropped and rebuilt
afterwards; on SQLite by batched inserts. Only the sample verified by VC-JWT is signed.

``--keep`` keeps the loaded database for the next run and reuses it when it holds the same number of
rows (the 42-million-row load is done once); ``--drop`` drops it and exits. ``--cold`` skips warming the
sample before the HTTP phase (for a run against a server started with a memory limit:
``bench/pg_cluster.sh start-limited``); each run draws its samples with ``--seed`` from the whole table.

Every verification is the real service: check character, lookup by number, holder match, status
with expiry computed, and the verification logged for the holder. The last line printed is one JSON
object: ``verify_per_s``, ``verify_p50_ms``, ``verify_p99_ms`` (HTTP by number + holder, 4 clients),
``raw_select_per_s`` (pgbench, 4 clients, point select by number; on SQLite a Python loop of indexed
point selects), ``ratio_to_raw``, ``rows``, the CPU time per verification and per raw select
(server processes and client), the 1-minute load average, and the service-layer and VC-JWT figures.
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
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import KINDS, wsgi_server_command  # noqa: E402

SERVER_KIND = ["granian"]  # --server-kind
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("TONGBAN_BENCH_DB", "tongban_bench_licences")  # another name for an A/B run side by side
CLIENTS = 4
PREFIX = "BENCH-120000-"
CHUNK = 2_000_000
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ the generated rows


def _row_values(i: int, *, today: dt.date) -> tuple[str, str, str, dt.date, dt.date, str]:
    """Licence ``i`` (1-based) as the loader writes it; ``today`` is the day of the load.

    20 million distinct holders (birth date from ``i % 20000``, sequence from ``i // 20000``); about 8.6 %
    expired (``valid_from`` up to 2,000 days back, valid 1,826 days), 1 % revoked, 0.4 % suspended."""
    from tongban.core.identifiers import resident_id_check_digit
    from tongban.licences.numbers import check_char

    body = f"{PREFIX}{i:08d}"
    number = body + check_char(body)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i % 20000)
    first17 = f"120101{birth:%Y%m%d}{(i // 20000) % 1000:03d}"
    holder = first17 + resident_id_check_digit(first17)
    valid_from = today - dt.timedelta(days=i % 2000)
    valid_to = valid_from + dt.timedelta(days=1826)
    status = "revoked" if i % 100 == 0 else ("suspended" if i % 250 == 1 else "valid")
    return number, holder, f"持证人{i}", valid_from, valid_to, status


def _mod3736_state(state: int, chars: str) -> int:
    """ISO 7064 MOD 37,36 running state (as in ``tongban.licences.numbers.check_char``)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for c in chars:
        s = (state + alphabet.index(c)) % 36 or 36
        state = (s * 2) % 37
    return state


def _lookup_tables() -> dict[str, list[tuple[Any, ...]]]:
    """Small tables that let SQL compute the check characters with joins instead of loops.

    The licence number's check character depends on the serial's first four digits only through the
    running MOD 37,36 state after them (``hi``: 10,000 rows), and then on the state and the last four
    digits (``lo``: at most 37 x 10,000 rows). The ID number's GB 11643 check digit is a weighted sum
    mod 11: ``birth`` holds the sum of the first 14 digits (20,000 birth dates), ``seq`` the rest."""
    from tongban.core.identifiers import _ID_WEIGHTS
    from tongban.licences.numbers import check_char

    start = _mod3736_state(36, PREFIX.replace("-", ""))
    hi = [(h, _mod3736_state(start, f"{h:04d}")) for h in range(10_000)]
    states = sorted({state for _h, state in hi})
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    lo = [
        (state, low, alphabet[(37 - _mod3736_state(state, f"{low:04d}")) % 36])
        for state in states
        for low in range(10_000)
    ]
    # Self-check against the real function.
    for i in (1, 9_999, 10_000, 12_345_678, 41_999_999):
        h, low = divmod(i, 10_000)
        state = dict(hi)[h]
        assert dict(((s, lw), c) for s, lw, c in lo if s == state)[(state, low)] == check_char(f"{PREFIX}{i:08d}")
    birth = []
    for k in range(20_000):
        day = dt.date(1950, 1, 1) + dt.timedelta(days=k)
        digits = f"120101{day:%Y%m%d}"
        birth.append((k, digits, sum(int(c) * w for c, w in zip(digits, _ID_WEIGHTS[:14], strict=True))))
    seq = [(s, sum(int(c) * w for c, w in zip(f"{s:03d}", _ID_WEIGHTS[14:], strict=True))) for s in range(1000)]
    return {"hi": hi, "lo": lo, "birth": birth, "seq": seq}


_COLUMNS = (
    "number, licence_type_id, department_id, region_code, holder_kind, holder_id, holder_name, field_values, "
    "valid_from, valid_to, status, status_reason, issued_at, case_number, vc_jwt, signing_kid"
)

_INSERT_GENERATED = f"""
INSERT INTO licences_licence ({_COLUMNS})
SELECT %(prefix)s || lpad(g.i::text, 8, '0') || lo.ch,
       %(type_pk)s, %(department_pk)s, '120000', 'resident',
       b.digits || lpad(((g.i / 20000) %% 1000)::text, 3, '0')
                || substr(%(id_check)s, ((b.part + s.part) %% 11) + 1, 1),
       '持证人' || g.i, '{{"grade": "一级"}}'::jsonb,
       %(today)s::date - (g.i %% 2000), %(today)s::date - (g.i %% 2000) + 1826,
       CASE WHEN g.i %% 100 = 0 THEN 'revoked' WHEN g.i %% 250 = 1 THEN 'suspended' ELSE 'valid' END,
       '', %(issued_at)s, '', '', ''
  FROM generate_series(%(first)s::int, %(last)s::int) AS g(i)
  JOIN bench_hi h ON h.hi = g.i / 10000
  JOIN bench_lo lo ON lo.state = h.state AND lo.low = g.i %% 10000
  JOIN bench_birth b ON b.k = g.i %% 20000
  JOIN bench_seq s ON s.seq = (g.i / 20000) %% 1000
"""  # noqa: S608 - constant columns


def _secondary_objects(cur: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """The unique and foreign-key constraints and the plain indexes of the licence table (not its primary key)."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = 'licences_licence'::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
    )
    constraints = [(name, definition) for name, definition, _kind in cur.fetchall()]
    cur.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'licences_licence'::regclass "
        "AND NOT indisprimary AND indexrelid NOT IN "
        "(SELECT conindid FROM pg_constraint WHERE conrelid = 'licences_licence'::regclass)"
    )
    return constraints, [row[0] for row in cur.fetchall()]


def _load_postgres(rows: int, type_pk: int, department_pk: int, today: dt.date) -> None:
    import psycopg

    from tongban.core.identifiers import _ID_CHECK

    tables = _lookup_tables()
    issued_at = dt.datetime.now(dt.UTC)
    with psycopg.connect(f"{PG_SERVER}/{PG_DB}") as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        constraints, indexes = _secondary_objects(cur)
        # One transaction: the TRUNCATE gives the table a new file, so on a wal_level=minimal server
        # (bench/pg_cluster.sh start-load) the rows skip the WAL; on any server the indexes are built once.
        cur.execute("TRUNCATE licences_licence CASCADE")
        for name, _definition in constraints:
            cur.execute(f'ALTER TABLE licences_licence DROP CONSTRAINT "{name}"')
        for definition in indexes:
            name = definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            cur.execute(f"DROP INDEX {name}")
        cur.execute("CREATE TEMP TABLE bench_hi (hi int PRIMARY KEY, state int NOT NULL)")
        cur.execute("CREATE TEMP TABLE bench_lo (state int, low int, ch text NOT NULL, PRIMARY KEY (state, low))")
        cur.execute("CREATE TEMP TABLE bench_birth (k int PRIMARY KEY, digits text NOT NULL, part int NOT NULL)")
        cur.execute("CREATE TEMP TABLE bench_seq (seq int PRIMARY KEY, part int NOT NULL)")
        for table, row_list in tables.items():
            with cur.copy(f"COPY bench_{table} FROM STDIN") as copy:
                for row in row_list:
                    copy.write_row(row)
            cur.execute(f"ANALYZE bench_{table}")
        started = time.perf_counter()
        for first in range(1, rows + 1, CHUNK):
            last = min(rows, first + CHUNK - 1)
            cur.execute(
                _INSERT_GENERATED,
                {
                    "prefix": PREFIX,
                    "type_pk": type_pk,
                    "department_pk": department_pk,
                    "id_check": _ID_CHECK,
                    "today": today,
                    "issued_at": issued_at,
                    "first": first,
                    "last": last,
                },
            )
            done = time.perf_counter() - started
            print(f"  {last:,} rows in {done:.0f}s ({last / done:,.0f} rows/s)", flush=True)
        for definition in indexes:
            t0 = time.perf_counter()
            cur.execute(definition)
            print(f"  {definition[:90]}… {time.perf_counter() - t0:.0f}s", flush=True)
        for name, definition in constraints:
            t0 = time.perf_counter()
            cur.execute(f'ALTER TABLE licences_licence ADD CONSTRAINT "{name}" {definition}')
            print(f"  constraint {name}: {time.perf_counter() - t0:.0f}s", flush=True)
        conn.commit()
    with psycopg.connect(f"{PG_SERVER}/{PG_DB}", autocommit=True) as conn:
        t0 = time.perf_counter()
        # Sets hint bits and the visibility map once, so the measured reads don't write pages.
        conn.execute("VACUUM (FREEZE, ANALYZE) licences_licence")
        print(f"  vacuum (freeze, analyze): {time.perf_counter() - t0:.0f}s", flush=True)


def _load_sqlite(rows: int, type_pk: int, department_pk: int, today: dt.date) -> None:
    from django.db import connection

    issued_at = dt.datetime.now(dt.UTC)
    batch: list[tuple[Any, ...]] = []
    sql = f"INSERT INTO licences_licence ({_COLUMNS}) VALUES ({', '.join(['%s'] * 16)})"  # noqa: S608 - constant columns
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


def _check_generated(rows: int, today: dt.date) -> None:
    """The rows in the database are the ones ``_row_values`` describes (checked on a random sample)."""
    from tongban.licences.models import Licence

    rng = random.Random(7)
    picks = sorted({1, rows, *(rng.randint(1, rows) for _ in range(200))})
    expected = {_row_values(i, today=today)[0]: _row_values(i, today=today) for i in picks}
    found = {
        row[0]: tuple(row)
        for row in Licence.objects.filter(number__in=list(expected)).values_list(
            "number", "holder_id", "holder_name", "valid_from", "valid_to", "status"
        )
    }
    if found != expected:
        missing = set(expected) - set(found)
        wrong = [n for n in found if found[n] != expected[n]]
        raise SystemExit(f"generated rows differ from _row_values: {len(missing)} missing, {wrong[:3]} wrong")


# ------------------------------------------------------------------ database and environment


def _meta() -> dict[str, Any] | None:
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/{PG_DB}") as conn:
            row = conn.execute("SELECT rows, type_pk, department_pk, today FROM bench_meta").fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return {"rows": row[0], "type_pk": row[1], "department_pk": row[2], "today": row[3]}


def _drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def _prepare_environment(database: str, workdir: Path, *, rows: int, keep: bool) -> tuple[str, dict[str, Any] | None]:
    """Create (or, with ``keep``, reuse) the bench's database and set Django up on it."""
    reuse: dict[str, Any] | None = None
    if database == "postgres":
        import psycopg

        meta = _meta() if keep else None
        if meta is not None and meta["rows"] == rows:
            reuse = meta
        else:
            _drop_database()
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {PG_DB}")
        url = f"{PG_SERVER}/{PG_DB}"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TONGBAN_DATABASE_URL"] = url
    os.environ["TONGBAN_VAR_DIR"] = str(ROOT / "var" / "bench-licences") if keep else str(workdir / "var")
    os.environ["TONGBAN_OIDC_RSA_KEY_FILE"] = str(workdir / "oidc.pem")
    os.environ["TONGBAN_LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tongban.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url, reuse


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


def _samples(rows: int, sizes: list[int], seed: int, today: dt.date) -> list[list[tuple[str, str]]]:
    """Disjoint random samples of (number, holder ID) from the whole table."""
    rng = random.Random(seed)
    picked = rng.sample(range(1, rows + 1), min(sum(sizes), rows))
    out, start = [], 0
    for size in sizes:
        out.append([_row_values(i, today=today)[:2] for i in picked[start : start + size]])
        start += size
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


def _warm(numbers: Iterable[str]) -> None:
    """Read the sample's index and table pages once (a warm cache for the measured phase)."""
    from tongban.licences.models import Licence

    numbers = list(numbers)
    for k in range(0, len(numbers), 1000):
        list(Licence.objects.filter(number__in=numbers[k : k + 1000]).values_list("id", "holder_id", "status"))


# ------------------------------------------------------------------ CPU and I/O of the processes involved


def _children_of(pids: set[int]) -> set[int]:
    """``pids`` and all their descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = set(pids)
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return found


def _cpu_and_reads(pid: int) -> tuple[float, int]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0, 0
    reads = 0
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("read_bytes:"):
                reads = int(line.split()[1])
    except OSError:
        pass
    return cpu, reads


class ProcessMeter:
    """CPU seconds and storage reads of a process tree during a phase (polled, so short-lived
    processes such as pgbench's backends are counted up to their last sample)."""

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = {k: v for k, v in roots.items() if v}
        self.baseline: dict[int, tuple[float, int]] = {}
        self.last: dict[int, tuple[str, float, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _poll(self, *, baseline: bool) -> None:
        for label, root in self.roots.items():
            for pid in _children_of({root}):
                cpu, reads = _cpu_and_reads(pid)
                if baseline:
                    self.baseline[pid] = (cpu, reads)
                self.last[pid] = (label, cpu, reads)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._poll(baseline=False)

    def __enter__(self) -> ProcessMeter:
        self._poll(baseline=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._poll(baseline=False)

    def totals(self) -> dict[str, tuple[float, int]]:
        out: dict[str, tuple[float, int]] = {}
        for pid, (label, cpu, reads) in self.last.items():
            base_cpu, base_reads = self.baseline.get(pid, (0.0, 0))
            cpu_sum, reads_sum = out.get(label, (0.0, 0))
            out[label] = (cpu_sum + cpu - base_cpu, reads_sum + reads - base_reads)
        return out


def _postmaster_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = int(cur.fetchone()[0])
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return None  # a server on another machine: its CPU is not measured


# ------------------------------------------------------------------ loops


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


def _start_server() -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = dict(os.environ)
    env.setdefault("TONGBAN_DB_CONN_MAX_AGE", "600")  # persistent connections: one per worker
    command = wsgi_server_command(SERVER_KIND[0], port=port, workers=CLIENTS, threads=1)
    server = subprocess.Popen(
        command,
        cwd=str(ROOT),
        env=env,
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
    raise RuntimeError(f"the HTTP server did not start: {err.decode(errors='replace')[-2000:]}")


class _Client:
    """A minimal HTTP/1.1 keep-alive client (pre-built requests, responses read by Content-Length), so that
    the client's own CPU time stays small next to the server's, as pgbench's does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def post(self, request: bytes) -> tuple[int, bytes]:
        sock = self.sock or self._connect()
        sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        head, _sep, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _c, v in (line.partition(b":") for line in lines[1:])}
        length = int(headers.get(b"content-length", b"0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        body, self.buffer = rest[:length], rest[length:]
        if headers.get(b"connection", b"").lower() == b"close":
            sock.close()
            self.sock = None
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def _request(body: str) -> bytes:
    data = body.encode()
    return (
        b"POST /api/v1/licences/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )


def _http_loop(port: int, bodies: list[str], seconds: float) -> tuple[float, list[float], int, int]:
    """4 clients POST /api/v1/licences/verify for ``seconds`` (each body at most once if there are enough);
    returns rate, latencies, valid and error counts."""
    requests = [_request(b) for b in bodies]
    latencies: list[float] = []
    counts = {"valid": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        client = _Client(port)
        local: list[float] = []
        valid = errors = 0
        i = offset
        while time.perf_counter() < stop_at:
            request = requests[i % len(requests)]
            i += CLIENTS
            t0 = time.perf_counter()
            try:
                status, payload = client.post(request)
            except OSError:
                errors += 1
                client.close()
                client = _Client(port)
                continue
            local.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors += 1
            elif b'"valid": true' in payload or b'"valid":true' in payload:
                valid += 1
        client.close()
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


def _raw_select_postgres(
    url: str, seconds: int, workdir: Path, meter_roots: dict[str, int | None], numbers: list[str]
) -> tuple[float | None, float | None]:
    """pgbench's rate of indexed point selects by number (the verification's lookup, without its joins) of
    the HTTP sample's licences, with prepared statements as the verification's, and the CPU ms per select."""
    pgbench = _pgbench_path()
    if pgbench is None:
        print("  pgbench not found")
        return None, None
    from django.db import connection

    # The same licences as the HTTP phase, looked up the same way (by number: the pages of the number
    # index and of the heap that the HTTP phase read): their numbers in a small table.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_sample")
        cur.execute(
            "CREATE TABLE bench_sample AS SELECT (row_number() OVER ())::int AS k, number FROM licences_licence "
            "WHERE number = ANY(%s)",
            [numbers],
        )
        cur.execute("ALTER TABLE bench_sample ADD PRIMARY KEY (k)")
        cur.execute("ANALYZE bench_sample")
        cur.execute("SELECT count(*) FROM bench_sample")
        size = int(cur.fetchone()[0])
    script = workdir / "select.sql"
    select = (
        "SELECT number, holder_id, status, valid_from, valid_to FROM licences_licence "
        "WHERE number = (SELECT number FROM bench_sample WHERE k = :k);\n"
    )
    script.write_text(f"\\set k random(1, {size})\n" + select, encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ProcessMeter(meter_roots) as meter:
        result = subprocess.run(
            [
                pgbench,
                "-n",
                "-M",
                "prepared",
                "-c",
                str(CLIENTS),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-f",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"tps = ([0-9.]+)", result.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
    if not match or not done:
        print("  pgbench failed:", result.stdout[-500:], result.stderr[-500:])
        return None, None
    client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    server_cpu = sum(cpu for cpu, _reads in meter.totals().values())
    reads = sum(r for _cpu, r in meter.totals().values())
    count = int(done.group(1))
    if count:
        print(f"  pgbench: storage reads by PostgreSQL {reads / count / 1024:.1f} KiB per select")
    return float(match.group(1)), 1000 * (client_cpu + server_cpu) / count if count else None


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


def _database_size() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('licences_licence'))")
        return str(cur.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--server-kind", choices=KINDS, default="granian", help="HTTP server (ADR 0019)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the loaded database and reuse it next time")
    parser.add_argument("--drop", action="store_true", help="drop the bench's PostgreSQL database and exit")
    parser.add_argument("--load-only", action="store_true", help="load (with --keep) and exit")
    parser.add_argument("--cold", action="store_true", help="do not warm the HTTP sample's pages first")
    parser.add_argument("--sample", type=int, default=20_000, help="licences in the HTTP sample")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seconds", type=float, default=None, help="length of the HTTP phase")
    args = parser.parse_args()
    SERVER_KIND[0] = args.server_kind
    if args.drop:
        _drop_database()
        print(f"dropped {PG_DB}")
        return
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    phase = args.seconds or (3.0 if args.quick else 15.0)
    keep = args.keep and args.database == "postgres"
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-licences-"))
    server: subprocess.Popen[bytes] | None = None
    load_s: float | None = None
    try:
        url, reuse = _prepare_environment(args.database, workdir, rows=rows, keep=keep)
        from django.db import connection

        from tongban.licences import services

        if reuse is None:
            today = dt.date.today()
            type_pk, department_pk = _setup_type()
            started = time.perf_counter()
            if args.database == "postgres":
                _load_postgres(rows, type_pk, department_pk, today)
                with connection.cursor() as cur:
                    cur.execute(
                        "CREATE TABLE bench_meta AS SELECT %s::bigint AS rows, %s::int AS type_pk, "
                        "%s::int AS department_pk, %s::date AS today",
                        [rows, type_pk, department_pk, today],
                    )
            else:
                _load_sqlite(rows, type_pk, department_pk, today)
            load_s = time.perf_counter() - started
            print(f"loaded {rows:,} licences in {load_s:.1f}s ({rows / load_s:,.0f} rows/s) on {args.database}")
        else:
            today = reuse["today"]
            print(f"reusing {PG_DB}: {rows:,} licences loaded on {today}")
        _check_generated(rows, today)
        print(f"licence table with its indexes: {_database_size()}")
        if args.load_only:
            return
        service_sample, jwt_sample, http_sample = _samples(rows, [2000, 1000, args.sample], seed=args.seed, today=today)
        tokens = _sign_sample([n for n, _h in jwt_sample])
        print(f"signed {len(tokens)} credentials for the VC-JWT sample")

        def by_number(i: int) -> None:
            number, holder = service_sample[i % len(service_sample)]
            services.licence_verify(number=number, holder_id=holder, source="bench")

        def by_jwt(i: int) -> None:
            services.licence_verify(token=tokens[i % len(tokens)], source="bench")

        _service_loop(by_number, 1.0)  # warm the code paths
        service_rate, service_lat = _service_loop(by_number, phase / 2)
        print(
            f"service, number+holder: {service_rate:.0f}/s, p50 {statistics.median(service_lat):.2f} ms, "
            f"p99 {_percentile(service_lat, 0.99):.2f} ms"
        )
        service_jwt_rate, service_jwt_lat = _service_loop(by_jwt, phase / 3)
        print(f"service, VC-JWT: {service_jwt_rate:.0f}/s, p99 {_percentile(service_jwt_lat, 0.99):.2f} ms")
        if not args.cold:
            _warm(n for n, _h in http_sample)
        postmaster = _postmaster_pid()
        connection.close()

        server, port = _start_server()
        number_bodies = [json.dumps({"number": n, "holder_id": h}) for n, h in http_sample]
        warmup_bodies = [json.dumps({"number": n, "holder_id": h}) for n, h in service_sample[:400]]
        jwt_bodies = [json.dumps({"vc_jwt": t}) for t in tokens]
        _http_loop(port, warmup_bodies, 2.0)  # warm the workers (pages the service phase already read)
        load_before = os.getloadavg()[0]
        with ProcessMeter({"app": server.pid, "db": postmaster}) as meter:
            client_before = time.process_time()
            http_rate, http_lat, http_valid, http_errors = _http_loop(port, number_bodies, phase)
            client_cpu = time.process_time() - client_before
        load_after = os.getloadavg()[0]
        totals = meter.totals()
        verified = len(http_lat)
        app_cpu, _r = totals.get("app", (0.0, 0))
        db_cpu, db_reads = totals.get("db", (0.0, 0))
        repeats = max(0, verified - len(number_bodies))
        p50, p99 = statistics.median(http_lat), _percentile(http_lat, 0.99)
        print(
            f"HTTP, number+holder, {CLIENTS} clients: {http_rate:.0f}/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms "
            f"({http_valid} valid of {verified}, {http_errors} errors, {repeats} repeated bodies)"
        )
        print(
            f"  CPU per verification: app {1000 * app_cpu / verified:.2f} ms"
            + (
                f", PostgreSQL {1000 * db_cpu / verified:.2f} ms"
                if postmaster
                else " (SQLite: the database work is in the app)"
            )
            + f", client {1000 * client_cpu / verified:.2f} ms"
            + (
                f"; storage reads by PostgreSQL {db_reads / verified / 1024:.1f} KiB per verification"
                if postmaster
                else ""
            )
            + f"; load average {load_before:.1f} → {load_after:.1f}"
        )
        http_jwt_rate, http_jwt_lat, _v, jwt_errors = _http_loop(port, jwt_bodies, phase / 3)
        print(f"HTTP, VC-JWT, {CLIENTS} clients: {http_jwt_rate:.0f}/s, p99 {_percentile(http_jwt_lat, 0.99):.2f} ms")
        server.terminate()
        server.wait(timeout=30)
        server = None

        raw_cpu_ms: float | None = None
        if args.database == "postgres":
            raw, raw_cpu_ms = _raw_select_postgres(
                url, int(phase), workdir, {"db": postmaster}, [n for n, _h in http_sample]
            )
            raw_label = f"pgbench, {CLIENTS} clients, prepared point select by number of the HTTP sample"
        else:
            raw = _raw_select_sqlite(url.removeprefix("sqlite:///"), http_sample, phase / 2)
            raw_label = "python sqlite3, 1 connection, indexed point select"
        ratio = http_rate / raw if raw else None
        if raw:
            cpu_note = f", {raw_cpu_ms:.3f} ms CPU per select" if raw_cpu_ms else ""
            print(f"raw ({raw_label}): {raw:.0f}/s{cpu_note}; HTTP verification is {100 * http_rate / raw:.1f}% of it")
        cpu_ms = 1000 * (app_cpu + db_cpu + client_cpu) / verified if verified else None
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
                    "cold": args.cold,
                    "cpu_ms_per_verify": round(cpu_ms, 3) if cpu_ms else None,
                    "cpu_ms_per_verify_app": round(1000 * app_cpu / verified, 3) if verified else None,
                    "cpu_ms_per_verify_db": round(1000 * db_cpu / verified, 3) if verified and postmaster else None,
                    "cpu_ms_per_raw_select": round(raw_cpu_ms, 4) if raw_cpu_ms else None,
                    "db_read_kib_per_verify": round(db_reads / verified / 1024, 2) if verified and postmaster else None,
                    "loadavg_1m": [round(load_before, 2), round(load_after, 2)],
                    "service_verify_per_s": round(service_rate, 1),
                    "service_p99_ms": round(_percentile(service_lat, 0.99), 2),
                    "service_jwt_verify_per_s": round(service_jwt_rate, 1),
                    "http_jwt_verify_per_s": round(http_jwt_rate, 1),
                    "http_jwt_p99_ms": round(_percentile(http_jwt_lat, 0.99), 2),
                    "http_errors": http_errors + jwt_errors,
                    "load_s": round(load_s, 1) if load_s is not None else None,
                }
            )
        )
    finally:
        if server is not None:
            server.terminate()
        shutil.rmtree(workdir, ignore_errors=True)
        if args.database == "postgres" and not keep:
            try:
                from django.db import connections

                connections.close_all()
                _drop_database()
            except Exception as exc:  # cleaning up must not hide the result
                print(f"could not drop {PG_DB}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
