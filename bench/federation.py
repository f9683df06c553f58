"""Federation throughput and latency: signed messages between two real Tongban nodes.

    .venv/bin/python bench/federation.py [--quick] [--database sqlite|postgres] [--messages N]

Two nodes, A (110000) and B (120000), each with its own database (``tongban_bench_fed_a`` and
``tongban_bench_fed_b`` on PostgreSQL, two files on SQLite), each served by its own HTTP server
(gunicorn gthread as in the recorded runs, ``--server-kind granian`` for the production server of
ADR 0019; 2 workers × 2 threads, keep-alive) on loopback; each pins the other by the fingerprint
of its key (``tongban federation peers add URL --fingerprint=FP``), as an administrator would.
This process is node A's delivery worker (``federation.delivery``, the code ``tongban federation
deliver --loop`` runs), on A's database.

Phases:

1. **Throughput.** N ``federation.ping`` messages (a 300-byte payload) are queued at A in one
   transaction (``federation.services.message_send``); the worker then delivers until the outbox is
   empty. ``messages_per_s`` = N / the worker's wall time. Every message is signed for its attempt
   at A and verified at B; afterwards the benchmark checks, in both databases, that each message is
   in A's outbox as delivered and in A's message log as sent, and in B's inbox, B's message log and
   B's audit trail (the ping handler's event) exactly once.
2. **Latency.** Messages queued one at a time (40/s) while a worker loop runs (poll interval 0.05 s);
   latency = B's ``received_at`` − A's ``created_at`` (same machine, same clock): p50 / p99.
3. **Forwarded case** (异地代收代办, ``forwarding.services.proxy_receive``): a window clerk at A receives an
   application for B's item with two scanned materials; ``forward_latency_ms`` (the median, with p50 /
   p99) from the acceptance at A to the case's registration at B, one case at a time, through the same
   worker loop (the file parts and the application travel as signed messages).

CPU time per message is read from /proc: this worker process, both nodes' gunicorn processes and
(PostgreSQL) the backends of both databases. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import KINDS, wsgi_server_command  # noqa: E402

SERVER_KIND = ["gunicorn"]  # --server-kind
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("TONGBAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAYLOAD = {"kind": "bench", "text": "跨省通办基准测试消息" * 8, "numbers": list(range(20))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    name: str
    region: str
    root: Path
    database: str
    port: int = field(default_factory=_free_port)
    server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_name(self) -> str:
        return f"tongban_bench_fed_{self.name}"

    @property
    def db_url(self) -> str:
        if self.database == "postgres":
            return f"{PG_SERVER}/{self.db_name}"
        return f"sqlite:///{self.root / 'db.sqlite3'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tongban.settings",
            TONGBAN_REGION=self.region,
            TONGBAN_BASE_URL=self.url,
            TONGBAN_DATABASE_URL=self.db_url,
            TONGBAN_VAR_DIR=str(self.root),
            TONGBAN_OIDC_RSA_KEY_FILE=str(self.root / "oidc.pem"),
            TONGBAN_SECRET_KEY=f"bench-federation-{self.name}-" + "x" * 32,
            TONGBAN_NOTIFY_BACKENDS="file",
            TONGBAN_NOTIFY_FILE=str(self.root / "notifications.log"),
            TONGBAN_FEDERATION_BACKOFF_SECONDS="0.2",
            TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS="1",
            TONGBAN_FEDERATION_TIMEOUT="30",
            TONGBAN_LOG_LEVEL="ERROR",
        )
        return env

    def tongban(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "tongban"), *args], env=self.env(), capture_output=True, text=True, timeout=600, cwd=ROOT
        )
        if done.returncode != 0:
            raise SystemExit(f"tongban {' '.join(args)} failed on node {self.name}: {done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.server = subprocess.Popen(
            wsgi_server_command(SERVER_KIND[0], port=self.port, workers=2, threads=2),
            env=self.env(),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )

    def wait_up(self) -> None:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server is None or self.server.poll() is not None:
                raise SystemExit(f"node {self.name} exited: {(self.root / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/federation/v1/node", timeout=10).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"node {self.name} did not answer within 120 s")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def fingerprint(self) -> str:
        import httpx
        from joserfc.jwk import import_key

        keys = httpx.get(self.url + "/.well-known/jwks.json", timeout=30).json()["keys"]
        return str(import_key(keys[0]).thumbprint())

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read this node's database directly (to check what it stored)."""
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(self.db_url, autocommit=True) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        import sqlite3

        with sqlite3.connect(f"file:{self.root / 'db.sqlite3'}?mode=ro", uri=True, timeout=30) as conn:
            return list(conn.execute(sql, params))

    @property
    def mark(self) -> str:
        return "%s" if self.database == "postgres" else "?"

    def connection(self) -> Any:
        """A connection to this node's database kept open for polling (autocommit, read only in use)."""
        if self.database == "postgres":
            import psycopg

            return psycopg.connect(self.db_url, autocommit=True)
        import sqlite3

        return sqlite3.connect(f"file:{self.root / 'db.sqlite3'}?mode=ro", uri=True, timeout=30)

    def pids(self) -> list[int]:
        """gunicorn's master and workers, and (PostgreSQL) the backends serving this node's database."""
        pids = []
        if self.server is not None:
            pids.append(self.server.pid)
            with contextlib.suppress(OSError):
                pids += [
                    int(p) for p in Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
                ]
        return pids

    def backend_pids(self) -> list[int]:
        if self.database != "postgres":
            return []
        rows = self.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [int(r[0]) for r in rows]


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter:
    """CPU time of the nodes' processes over a phase: gunicorn's processes and the PostgreSQL backends of both
    databases, counting those that started during the phase (a new connection) from zero."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.servers0 = {p: cpu_seconds(p) for n in nodes for p in n.pids()}
        self.backends0 = {p: cpu_seconds(p) for n in nodes for p in n.backend_pids()}

    def stop(self) -> tuple[float, float]:
        servers = {p for n in self.nodes for p in n.pids()} | set(self.servers0)
        backends = {p for n in self.nodes for p in n.backend_pids()} | set(self.backends0)
        return (
            sum(cpu_seconds(p) - self.servers0.get(p, 0.0) for p in servers),
            sum(cpu_seconds(p) - self.backends0.get(p, 0.0) for p in backends),
        )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def prepare(nodes: list[Node], database: str, workdir: Path) -> None:
    """Fresh databases for both nodes, migrated (PostgreSQL: B is a copy of A's migrated template)."""
    a, b = nodes
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            for node in nodes:
                conn.execute(f"DROP DATABASE IF EXISTS {node.db_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {a.db_name}")
        a.tongban("migrate", "--verbosity", "0")
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {b.db_name} TEMPLATE {a.db_name}")
    else:
        a.tongban("migrate", "--verbosity", "0")
        shutil.copy(a.root / "db.sqlite3", b.root / "db.sqlite3")


def drop(nodes: list[Node]) -> None:
    if nodes[0].database != "postgres":
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for node in nodes:
            conn.execute(f"DROP DATABASE IF EXISTS {node.db_name} WITH (FORCE)")


def pin_both_ways(a: Node, b: Node) -> None:
    fp_a, fp_b = a.fingerprint(), b.fingerprint()
    a.tongban("federation", "peers", "add", b.url, f"--fingerprint={fp_b}")
    b.tongban("federation", "peers", "add", a.url, f"--fingerprint={fp_a}")


def setup_django(node: Node) -> None:
    os.environ.update(node.env())
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def queue(count: int) -> list[str]:
    from django.db import transaction

    from tongban.federation import services

    ids = []
    with transaction.atomic():
        for i in range(count):
            message = services.message_send(
                recipient_region="120000",
                type="federation.ping",
                payload={**PAYLOAD, "n": i},
                correlation_id=f"bench-{i}",
                actor=None,
            )
            ids.append(str(message.message_id))
    return ids


def check_stored(a: Node, b: Node, ids: list[str]) -> None:
    """Each message delivered once: A's outbox and sent log; B's inbox, received log and ping event."""
    marks = ",".join("?" * len(ids))
    hexes = [uuid.UUID(i).hex for i in ids] if a.database == "sqlite" else ids

    def one(node: Node, sql: str, values: list[str]) -> int:
        return int(node.query(sql.format(marks=marks), tuple(values))[0][0])

    checks = {
        "A outbox delivered": one(
            a,
            "SELECT count(*) FROM federation_outboxmessage WHERE status = 'delivered' AND message_id IN ({marks})",
            hexes,
        ),
        "A log sent": one(
            a,
            "SELECT count(DISTINCT message_id) FROM federation_messagelog WHERE direction = 'sent' "
            "AND message_id IN ({marks})",
            ids,
        ),
        "B inbox": one(b, "SELECT count(*) FROM federation_inboxmessage WHERE message_id IN ({marks})", hexes),
        "B inbox handled": one(
            b,
            "SELECT count(*) FROM federation_inboxmessage WHERE status = 'handled' AND message_id IN ({marks})",
            hexes,
        ),
        "B log received": one(
            b,
            "SELECT count(*) FROM federation_messagelog WHERE direction = 'received' AND message_id IN ({marks})",
            ids,
        ),
        "B ping events": one(
            b,
            "SELECT count(*) FROM core_auditevent WHERE action = 'federation.ping_received' AND object_id IN ({marks})",
            ids,
        ),
    }
    wrong = {k: v for k, v in checks.items() if v != len(ids)}
    if wrong:
        raise SystemExit(f"not every message was stored exactly once ({len(ids)} sent): {wrong}")


def latencies(a: Node, b: Node, ids: list[str]) -> list[float]:
    marks = ",".join("?" * len(ids))
    hexes = [uuid.UUID(i).hex for i in ids] if a.database == "sqlite" else ids
    created = dict(
        a.query(
            f"SELECT message_id, created_at FROM federation_outboxmessage WHERE message_id IN ({marks})",  # noqa: S608
            tuple(hexes),
        )
    )
    received = dict(
        b.query(
            f"SELECT message_id, received_at FROM federation_inboxmessage WHERE message_id IN ({marks})",  # noqa: S608
            tuple(hexes),
        )
    )
    import datetime as dt

    def parse(value: Any) -> dt.datetime:
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))

    return [(parse(received[k]) - parse(created[k])).total_seconds() * 1000 for k in created if k in received]


class Worker(threading.Thread):
    """A's delivery worker as ``tongban federation deliver --loop`` runs it, until stopped."""

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from tongban.federation import delivery

        try:
            while not self.stopping.is_set():
                if delivery.deliver_due().attempted == 0:
                    self.stopping.wait(self.interval)
        finally:
            connection.close()


SETUP_B = """
from tongban.cases.tests.factories import make_item
make_item(code="120000-XR-PROXY", name="跨省代收基准测试事项", cross_region_mode="proxy_receipt")
"""
PDF = (
    b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Producer (pypdf)\n>>\nendobj\n2 0 obj\n<<\n/Type /Pages\n"
    b"/Count 1\n/Kids [ 4 0 R ]\n>>\nendobj\n3 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n4 0 obj\n"
    b"<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0 0.0 595 842 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n"
    b"0000000000 65535 f \n0000000015 00000 n \n0000000054 00000 n \n0000000113 00000 n \n0000000162 00000 n \n"
    b"trailer\n<<\n/Size 5\n/Root 3 0 R\n/Info 1 0 R\n>>\nstartxref\n256\n%%EOF\n"
)


def forward_phase(a: Node, b: Node, count: int) -> tuple[list[float], str]:
    """Forwarded cases (异地代收代办): the clerk at A receives an application for B's item with two scanned
    materials (``forwarding.services.proxy_receive``: accept, attach, forward, one transaction); latency =
    B's registration (``ForwardedCase.created_at``) − A's acceptance (``RemoteCase.forwarded_at``), one
    case at a time, A's worker polling every 0.05 s."""
    try:
        from tongban.forwarding import services as forwarding
    except ImportError:
        return [], "the service that forwards an accepted application to another region is not there"
    import datetime as dt
    import io

    from tongban.accounts.tests.factories import StaffFactory
    from tongban.cases.services import WindowApplicant
    from tongban.core.identifiers import make_resident_id
    from tongban.federation.models import PeerCatalogItem
    from tongban.regions.models import Region
    from tongban.regions.tests.factories import DepartmentFactory

    b.tongban("shell", "-c", SETUP_B)
    a.tongban("federation", "catalog", "pull", "120000")
    window = DepartmentFactory(region=Region.objects.get(code="110000"), name="北京市政务服务中心")  # type: ignore[no-untyped-call]
    clerk = StaffFactory(username="bench-clerk", full_name="王窗口", roles=[(window, "window_clerk")])  # type: ignore[no-untyped-call]
    peer_item = PeerCatalogItem.objects.get(peer__region_code="120000", code="120000-XR-PROXY")
    applicant = WindowApplicant(id_number=make_resident_id("110101", dt.date(1980, 1, 1), 12), full_name="李四")
    poll = b.connection()
    latencies = []
    for _i in range(count):
        remote = forwarding.proxy_receive(
            actor=clerk,  # type: ignore[arg-type]
            peer_item=peer_item,
            applicant=applicant,
            identity_check_method="id_card_reader",
            form_data={"applicant_name": "李四", "reason": "异地代收"},
            scans={"ID": (io.BytesIO(PDF), "id.pdf"), "PLAN": (io.BytesIO(PDF), "plan.pdf")},
        )
        key = remote.forward_id.hex if b.database == "sqlite" else str(remote.forward_id)
        deadline = time.monotonic() + 60
        while True:
            rows = poll.execute(
                "SELECT created_at FROM forwarding_forwardedcase WHERE forward_id = " + b.mark,  # noqa: S608
                (key,),
            ).fetchall()
            if rows:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"B did not register forwarded case {remote.forward_id} within 60 s")
            time.sleep(0.005)
        registered = rows[0][0]
        if not isinstance(registered, dt.datetime):
            registered = dt.datetime.fromisoformat(str(registered))
        if registered.tzinfo is None:  # SQLite keeps UTC without the zone
            registered = registered.replace(tzinfo=dt.UTC)
        assert remote.forwarded_at is not None
        latencies.append((registered - remote.forwarded_at).total_seconds() * 1000)
    poll.close()
    return latencies, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages (finishes within a minute)")
    parser.add_argument(
        "--server-kind",
        choices=KINDS,
        default="gunicorn",
        help="HTTP server (default: as in the recorded runs; ADR 0019)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--messages", type=int, default=None, help="messages in the throughput phase")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the work directory")
    args = parser.parse_args()
    SERVER_KIND[0] = args.server_kind
    count = args.messages or (1500 if args.quick else 10000)
    paced = 80 if args.quick else 400
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="tongban-bench-fed-"))
    nodes = []
    for name, region in (("a", "110000"), ("b", "120000")):
        (workdir / name).mkdir()
        nodes.append(Node(name, region, workdir / name, args.database))
    a, b = nodes
    print(f"federation: {count} messages, {args.database}, nodes A {a.region} and B {b.region} ({SERVER_KIND[0]} 2×2)")
    try:
        prepare(nodes, args.database, workdir)
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_up()
        pin_both_ways(a, b)
        setup_django(a)
        from django.db import connection

        from tongban.federation import delivery

        # warm-up: connections, keys, the peer's first message
        warm = queue(50)
        delivery.deliver_loop(until_idle=True, interval=0.05)
        check_stored(a, b, warm)

        # 1. throughput
        t0 = time.perf_counter()
        ids = queue(count)
        queue_seconds = time.perf_counter() - t0
        meter = CpuMeter(nodes)
        cpu_worker0 = time.process_time()
        load_start = os.getloadavg()[0]
        t0 = time.perf_counter()
        report = delivery.deliver_loop(until_idle=True, interval=0.05)
        seconds = time.perf_counter() - t0
        load_end = os.getloadavg()[0]
        cpu_worker = time.process_time() - cpu_worker0
        cpu_servers, cpu_db = meter.stop()
        check_stored(a, b, ids)
        if report.delivered < count or report.failed or report.parked:
            raise SystemExit(f"delivery report: {report}")
        rate = count / seconds
        print(
            f"  throughput: {count} messages in {seconds:.2f} s = {rate:.1f}/s "
            f"(queued in {queue_seconds:.2f} s = {count / queue_seconds:.0f}/s)"
        )
        per = 1000 / count
        print(
            f"  CPU per message: worker {cpu_worker * per:.2f} ms, servers (A+B) {cpu_servers * per:.2f} ms, "
            f"PostgreSQL backends {cpu_db * per:.2f} ms (load average {load_start:.1f} → {load_end:.1f})"
        )

        # 2. latency, one message at a time at a steady pace
        worker = Worker(interval=0.05)
        worker.start()
        paced_ids = []
        for _i in range(paced):
            paced_ids.extend(queue(1))
            time.sleep(1 / 40)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if int(b.query("SELECT count(*) FROM federation_inboxmessage")[0][0]) >= len(warm) + count + paced:
                break
            time.sleep(0.1)
        check_stored(a, b, paced_ids)
        lat = latencies(a, b, paced_ids)
        print(
            f"  latency (40/s, worker poll 0.05 s): p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms"
        )

        # 3. forwarded cases
        forward, why_not = forward_phase(a, b, 10 if args.quick else 50)
        worker.stopping.set()
        worker.join(timeout=30)
        if forward:
            print(
                f"  forwarded case: p50 {percentile(forward, 50):.1f} ms, p99 {percentile(forward, 99):.1f} ms "
                f"over {len(forward)} cases"
            )
        else:
            print(f"  forwarded case: not measured: {why_not}")
        connection.close()
        figures: dict[str, Any] = {
            "messages_per_s": round(rate, 1),
            "forward_latency_ms": round(statistics.median(forward), 1) if forward else None,
            "forward_p50_ms": round(percentile(forward, 50), 1) if forward else None,
            "forward_p99_ms": round(percentile(forward, 99), 1) if forward else None,
            "message_latency_p50_ms": round(percentile(lat, 50), 1),
            "message_latency_p99_ms": round(percentile(lat, 99), 1),
            "cpu_ms_per_message": round((cpu_worker + cpu_servers + cpu_db) * per, 3),
            "cpu_worker_ms_per_message": round(cpu_worker * per, 3),
            "cpu_gunicorn_ms_per_message": round(cpu_servers * per, 3),
            "cpu_postgres_ms_per_message": round(cpu_db * per, 3) if args.database == "postgres" else None,
            "queue_per_s": round(count / queue_seconds, 1),
            "loadavg_1m_throughput": [round(load_start, 2), round(load_end, 2)],
            "messages": count,
            "database": args.database,
            "quick": args.quick,
            "seconds_total": round(time.monotonic() - started, 1),
            "loadavg_1m_before": round(load_before, 2),
            "loadavg_1m": round(os.getloadavg()[0], 2),
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
        }
        if why_not and not forward:
            figures.pop("forward_latency_ms")
            figures.pop("forward_p50_ms")
            figures.pop("forward_p99_ms")
            figures["forward_not_measured"] = why_not
    finally:
        for node in nodes:
            node.stop()
        if not args.keep:
            drop(nodes)
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
