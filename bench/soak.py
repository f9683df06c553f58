"""Faults, measured: three nodes exchange cross-region messages while things break.

    .venv/bin/python bench/soak.py [--quick] [--messages 1000]

Three nodes (Beijing 110000, Tianjin 120000, Hebei 130000), each served by granian and run by its
job worker (``tongban jobs worker``: the outbox delivery is the ``federation.deliver`` job), each with
its own database in a **private PostgreSQL cluster** (``bench/pg_cluster.sh`` with its own folder and
port, ``TONGBAN_SOAK_PG_DIR`` / ``TONGBAN_SOAK_PG_PORT``, default ``/var/tmp/tongban-soak-pg`` and 5441:
never the shared server other work uses, which this benchmark restarts). Run it as root.

The messages (``federation.ping``, each stored, handled and audited by its receiver) go in waves from
every node to both others, ``--messages`` in all, while:

1. Tianjin's web server is killed (SIGKILL) and started again — twice;
2. the PostgreSQL cluster is restarted once (``pg_ctl restart -m fast``: every connection of every node
   is cut);
3. Beijing's job worker is killed (SIGKILL to all its processes) while its delivery job runs (retrying
   to Tianjin, which is down then), and a new one is started.

Then, once every outbox is empty: each message is delivered once at its sender and received,
handled and audited exactly once at its receiver (``lost`` and ``doubled`` must be 0), every node's
audit chains verify (``tongban audit verify``) and no job is left failed. The last line printed is one
JSON object: ``messages``, ``lost``, ``doubled``, ``seconds`` (first send to last delivery),
``messages_per_s``, ``max_outbox_lag_s`` (the longest time a message waited), ``retried_messages``
(delivered after at least one failed attempt), ``jobs_retried`` and ``audit_ok``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_DIR = os.environ.get("TONGBAN_SOAK_PG_DIR", "/var/tmp/tongban-soak-pg")
PG_PORT = int(os.environ.get("TONGBAN_SOAK_PG_PORT", "5441"))
PG = f"postgresql://postgres@127.0.0.1:{PG_PORT}"
REGIONS = (("bj", "110000"), ("tj", "120000"), ("hb", "130000"))


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def cluster(*args: str) -> None:
    env = dict(os.environ, TONGBAN_BENCH_PG_DIR=PG_DIR, TONGBAN_BENCH_PG_PORT=str(PG_PORT))
    subprocess.run(["sh", str(ROOT / "bench" / "pg_cluster.sh"), *args], env=env, check=True)


def wait(predicate: Callable[[], bool], what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def psql(db: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    for attempt in range(60):
        try:
            with psycopg.connect(f"{PG}/{db}", autocommit=True, connect_timeout=5) as conn:
                cursor = conn.execute(sql, params)
                return list(cursor.fetchall()) if cursor.description else []
        except psycopg.OperationalError:
            if attempt == 59:
                raise
            time.sleep(1)
    return []


@dataclass(eq=False)
class Node:
    name: str
    region: str
    root: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> str:
        return f"soak_{self.region}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tongban.settings",
            TONGBAN_REGION=self.region,
            TONGBAN_BASE_URL=self.url,
            TONGBAN_DATABASE_URL=f"{PG}/{self.db}",
            TONGBAN_VAR_DIR=str(self.root),
            TONGBAN_SECRET_KEY=f"soak-{self.name}-" + "s" * 40,
            TONGBAN_FEDERATION_BACKOFF_SECONDS="0.5",
            TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS="4",
            TONGBAN_FEDERATION_MAX_ATTEMPTS="100000",
            TONGBAN_FEDERATION_KEY_REFRESH_SECONDS="0",
            TONGBAN_FEDERATION_TIMEOUT="5",
            TONGBAN_JOBS_TIMEOUT_SECONDS="60",
            TONGBAN_JOBS_LEASE_SECONDS="70",
            TONGBAN_LOG_LEVEL="WARNING",
        )
        return env

    def tongban(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "tongban"), *args], env=self.env(), capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: tongban {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def start_server(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.server = subprocess.Popen(
            [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1", "--blocking-threads", "4", "tongban.wsgi:application"],
            env=self.env(), stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip

    def kill_server(self) -> None:
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()

    def up(self) -> bool:
        import httpx

        try:
            return httpx.get(self.url + "/healthz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def start_worker(self) -> None:
        log = (self.root / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [str(BIN / "tongban"), "jobs", "worker"], env=self.env(), stdout=log, stderr=log, start_new_session=True
        )

    def kill_worker(self) -> None:
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def stop(self) -> None:
        for process in (self.worker, self.server):
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


SEND = """
import json, sys
from django.db import transaction
from tongban.federation.services import message_send
plan = json.loads(sys.argv[-1])
out = {}
for region, count in plan.items():
    with transaction.atomic():
        out[region] = [
            str(message_send(recipient_region=region, type="federation.ping", payload={"soak": True}, actor=None).message_id)
            for _ in range(count)
        ]
print(json.dumps(out))
"""


def send(node: Node, plan: dict[str, int]) -> dict[str, list[str]]:
    """Queue ``plan[region]`` pings to each region at ``node`` (one transaction per region)."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", "import django; django.setup(); exec(__import__('sys').stdin.read())", json.dumps(plan)],
        input=SEND, env=node.env(), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{node.name}: sending failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def pending(node: Node) -> int:
    return int(psql(node.db, "SELECT count(*) FROM federation_outboxmessage WHERE status = 'pending'")[0][0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--messages", type=int, default=None)
    args = parser.parse_args()
    total = args.messages or (300 if args.quick else 1000)
    work = Path(tempfile.mkdtemp(prefix="tongban-soak-"))
    nodes = [Node(name, region, work / name) for name, region in REGIONS]
    bj, tj, _hb = nodes
    say(f"private PostgreSQL cluster at {PG_DIR} (port {PG_PORT})")
    if not Path(PG_DIR, "PG_VERSION").exists():
        cluster("init")
    cluster("stop")
    cluster("start")
    try:
        # one migrated database, copied for the three nodes
        psql("postgres", "DROP DATABASE IF EXISTS soak_template WITH (FORCE)")
        psql("postgres", "CREATE DATABASE soak_template")
        for node in nodes:
            node.root.mkdir(parents=True)
            psql("postgres", f"DROP DATABASE IF EXISTS {node.db} WITH (FORCE)")
        say("migrating …")
        template_env = nodes[0].env() | {"TONGBAN_DATABASE_URL": f"{PG}/soak_template"}
        subprocess.run([str(BIN / "tongban"), "migrate", "-v", "0"], env=template_env, check=True, timeout=1800)
        for node in nodes:
            psql("postgres", f"CREATE DATABASE {node.db} TEMPLATE soak_template")
        for node in nodes:
            node.start_server()
        for node in nodes:
            wait(node.up, f"{node.name} to answer")
        fingerprints = {
            n.name: json.loads(n.tongban("federation", "identity"))["keys"][0]["fingerprint"] for n in nodes
        }
        for node in nodes:
            for other in nodes:
                if other is not node:
                    node.tongban("federation", "peers", "add", other.url, f"--fingerprint={fingerprints[other.name]}")
        for node in nodes:
            node.start_worker()
        say(f"sending {total} messages in waves while faults happen …")
        ids: dict[tuple[str, str], list[str]] = {}
        faults: list[tuple[str, Callable[[], None]]] = [
            ("kill Tianjin's server", tj.kill_server),
            # while Tianjin is down, Beijing's delivery job keeps retrying: it is running when killed
            ("kill Beijing's job worker mid-job", lambda: kill_mid_job(bj)),
            ("start Tianjin's server", tj.start_server),
            ("restart the PostgreSQL cluster", lambda: cluster("restart-fast")),
            ("kill Tianjin's server again", tj.kill_server),
            ("start Tianjin's server again", tj.start_server),
        ]
        waves = len(faults) + 1
        pairs = len(nodes) * (len(nodes) - 1)
        shares = [total // (waves * pairs)] * (waves * pairs)
        for i in range(total - sum(shares)):
            shares[i % len(shares)] += 1
        started = time.monotonic()
        for wave in range(waves):
            for a in nodes:
                plan = {b.region: shares.pop() for b in nodes if b is not a}
                for region, sent_ids in send(a, plan).items():
                    ids.setdefault((a.region, region), []).extend(sent_ids)
            if wave < len(faults):
                what, act = faults[wave]
                say(f"wave {wave}: {what}")
                act()
        wait(tj.up, "Tianjin to answer again")
        say("waiting for every outbox to empty …")
        wait(lambda: all(pending(n) == 0 for n in nodes), "the outboxes to empty", timeout=1800)
        seconds = time.monotonic() - started
        return report(nodes, ids, seconds, total)
    finally:
        for node in nodes:
            node.stop()
        cluster("stop")


def kill_mid_job(node: Node) -> None:
    """Wait until the node's delivery job runs, then SIGKILL every process of its worker; start another."""

    def running() -> bool:
        rows = psql(node.db, "SELECT count(*) FROM ops_job WHERE name = 'federation.deliver' AND status = 'running'")
        return int(rows[0][0]) > 0

    send(node, {"120000": 1})  # to a peer that is down: the delivery job runs and retries
    wait(running, "a delivery job to run", timeout=300)
    node.kill_worker()
    node.start_worker()


def report(nodes: list[Node], ids: dict[tuple[str, str], list[str]], seconds: float, total: int) -> int:
    by_region = {n.region: n for n in nodes}
    lost = doubled = retried = 0
    max_lag = 0.0
    for (sender, receiver), message_ids in ids.items():
        a, b = by_region[sender], by_region[receiver]
        rows = psql(
            a.db,
            "SELECT message_id::text, status, attempts, extract(epoch FROM delivered_at - created_at) "
            "FROM federation_outboxmessage WHERE message_id = ANY(%s::uuid[])",
            (message_ids,),
        )
        delivered = {r[0] for r in rows if r[1] == "delivered"}
        retried += sum(1 for r in rows if r[2] and r[2] > 1)
        max_lag = max([max_lag, *[float(r[3] or 0) for r in rows]])
        received = dict(
            psql(
                b.db,
                "SELECT message_id::text, count(*) FROM federation_inboxmessage WHERE message_id = ANY(%s::uuid[]) "
                "GROUP BY 1",
                (message_ids,),
            )
        )
        pings = dict(
            psql(
                b.db,
                "SELECT object_id, count(*) FROM core_auditevent WHERE action = 'federation.ping_received' "
                "AND object_id = ANY(%s) GROUP BY 1",
                (message_ids,),
            )
        )
        for mid in message_ids:
            if mid not in delivered or received.get(mid, 0) == 0 or pings.get(mid, 0) == 0:
                lost += 1
            elif received[mid] > 1 or pings[mid] > 1:
                doubled += 1
    audit_ok = all("audit chains intact" in n.tongban("audit", "verify") for n in nodes)
    jobs_retried = sum(int(psql(n.db, "SELECT count(*) FROM ops_job WHERE attempts > 1")[0][0]) for n in nodes)
    jobs_failed = sum(int(psql(n.db, "SELECT count(*) FROM ops_job WHERE status = 'failed'")[0][0]) for n in nodes)
    messages = sum(len(v) for v in ids.values())
    print(
        json.dumps(
            {
                "messages": messages,
                "lost": lost,
                "doubled": doubled,
                "seconds": round(seconds, 1),
                "messages_per_s": round(messages / seconds, 1),
                "max_outbox_lag_s": round(max_lag, 1),
                "retried_messages": retried,
                "jobs_retried": jobs_retried,
                "jobs_failed": jobs_failed,
                "audit_ok": audit_ok,
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
            }
        )
    )
    return 0 if lost == 0 and doubled == 0 and audit_ok and messages == total else 1


if __name__ == "__main__":
    sys.exit(main())
