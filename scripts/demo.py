"""The three-node demo: Beijing 110000, Tianjin 120000 and Hebei 130000 on one machine.

    .venv/bin/python scripts/demo.py                 # what ``make demo`` runs: set up, then serve until Ctrl-C
    .venv/bin/python scripts/demo.py --setup-only    # set up, check, stop (what the test runs)

Each node has its own folder under ``var/demo/<region>/`` (SQLite database, keys, secret key,
notifications log), its own port (8001, 8002, 8003) and cookie names. The launcher migrates and
seeds each node (``tongban seed demo --own-region``), starts it (granian), makes the three trust
each other by key fingerprint (``tongban federation identity`` / ``peers add``), starts each
node's job worker and scheduler (``tongban jobs worker``: the outbox delivery, the case and hotline
ticks, the 告知承诺 verification deadlines, the file sweep; ADR 0020), pulls the catalogs, registers each
node at the others' OpenID Connect providers (``tongban oidc peer-register``) and prints the URLs
and the demo accounts. Every step is idempotent, so a second run reuses the databases.

Ctrl-C (or SIGTERM) stops every process it started: each runs in its own process group, which
the launcher terminates (then kills, if need be); on Linux the children also get SIGTERM should
the launcher itself die.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REGIONS = (("110000", "北京 Beijing", "bj"), ("120000", "天津 Tianjin", "tj"), ("130000", "河北 Hebei", "hb"))
DEMO_PASSWORD = "Tongban-demo-2026"  # noqa: S105 - the published demo password (tongban.accounts.demo)
WAIT_SECONDS = 120.0


class DemoError(Exception):
    """A step of the set-up failed; the message says which and why."""


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the launcher dies (Linux), whatever killed it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass(eq=False)
class DemoNode:
    region: str
    name: str
    prefix: str
    port: int
    root: Path
    host: str = "127.0.0.1"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    job_worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def folder(self) -> Path:
        return self.root / self.region

    def secret_key(self) -> str:
        """Kept in the node's folder: sessions and the OIDC pairwise subjects survive a restart."""
        path = self.folder / "secret-key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_") or k == "TONGBAN_STANDARDS_DIR"}
        env.update(
            DJANGO_SETTINGS_MODULE="tongban.settings",
            TONGBAN_REGION=self.region,
            TONGBAN_BASE_URL=self.url,
            TONGBAN_DATABASE_URL=f"sqlite:///{self.folder / 'tongban.sqlite3'}",
            TONGBAN_VAR_DIR=str(self.folder),
            TONGBAN_SECRET_KEY=self.secret_key(),
            TONGBAN_COOKIE_PREFIX=f"tongban{self.region}_",
            TONGBAN_NOTIFY_BACKENDS="file",
            TONGBAN_NOTIFY_FILE=str(self.folder / "notifications.log"),
            TONGBAN_FEDERATION_BACKOFF_SECONDS="1",
            TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS="30",
            TONGBAN_LOG_LEVEL=os.environ.get("TONGBAN_LOG_LEVEL", "WARNING"),
        )
        return env

    def tongban(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "tongban"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
        if done.returncode != 0:
            raise DemoError(f"{self.name}: tongban {' '.join(args)} failed:\n{done.stderr.strip()[-2000:]}")
        return done.stdout

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            args,
            env=self.env(),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: Ctrl-C reaches the launcher, which stops it
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        log.close()
        self.processes.append(process)
        return process

    def start_server(self) -> None:
        self.spawn(
            "server",
            [
                str(BIN / "granian"),  # the production server (ADR 0019)
                "--interface",
                "wsgi",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--blocking-threads",
                "4",  # a node may call a peer that calls it back (key refresh) while a request waits
                "--access-log",
                "tongban.wsgi:application",
            ],
        )

    def start_worker(self) -> None:
        # the job engine's workers and scheduler (ADR 0020)
        self.job_worker = self.spawn("worker", [str(BIN / "tongban"), "jobs", "worker"])

    def up(self) -> bool:
        try:
            return httpx.get(self.url + "/federation/v1/node", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def check_running(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                log = self.folder / ("server.log" if "granian" in str(process.args) else "worker.log")
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise DemoError(f"{self.name}: a process exited with status {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if process is self.job_worker:
                        # the job cluster's main process stops its own processes (and waits for their jobs)
                        process.terminate()
                    else:
                        os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


def _each(step: Callable[[DemoNode], None], nodes: list[DemoNode]) -> None:
    """Run ``step`` for every node at once (their databases are separate); the first failure is raised."""
    with ThreadPoolExecutor(len(nodes)) as pool:
        for future in [pool.submit(step, node) for node in nodes]:
            future.result()


def wait_for(predicate: Callable[[], bool], *, what: str, check: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise DemoError(f"timed out waiting for {what}")
        time.sleep(0.3)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Demo:
    nodes: list[DemoNode]
    accounts: dict[str, list[str]] = field(default_factory=dict)

    def prepare(self) -> None:
        """Migrate and seed every node (idempotent)."""
        for node in self.nodes:
            if not port_free(node.host, node.port):
                raise DemoError(f"port {node.port} is in use: is another demo running? (stop it with Ctrl-C)")
        say("== migrating and seeding the three databases …")

        def prepare_one(node: DemoNode) -> None:
            node.folder.mkdir(parents=True, exist_ok=True)
            node.tongban("migrate", "--noinput", "-v", "0")
            self.accounts[node.region] = _account_lines(node.tongban("seed", "demo", "--own-region"))
            say(f"   {node.name} ({node.region}) ready: {node.folder}")

        _each(prepare_one, self.nodes)

    def start_servers(self) -> None:
        for node in self.nodes:
            node.start_server()
        for node in self.nodes:
            wait_for(node.up, what=f"{node.name} to answer at {node.url}", check=node.check_running)

    def connect(self) -> None:
        """Every node pins every other one by the fingerprint of its key (re-pinned if the key changed)."""
        fingerprints = {}
        for node in self.nodes:
            identity = json.loads(node.tongban("federation", "identity"))
            fingerprints[node.region] = [str(k["fingerprint"]) for k in identity["keys"]]
        for node in self.nodes:
            peers = {p["region"]: p for p in json.loads(node.tongban("federation", "peers", "list"))}
            for other in self.nodes:
                if other is node:
                    continue
                known = peers.get(other.region)
                if known is not None:
                    pinned = {k["fingerprint"] for k in known["keys"] if k["status"] == "pinned"}
                    if known["base_url"] == other.url and pinned & set(fingerprints[other.region]):
                        continue
                    node.tongban("federation", "peers", "remove", other.region)
                node.tongban("federation", "peers", "add", other.url, f"--fingerprint={fingerprints[other.region][0]}")
                say(f"   {node.name} now trusts {other.name}")

    def start_workers(self) -> None:
        for node in self.nodes:
            node.start_worker()

    def pull_and_register(self) -> None:
        def one(node: DemoNode) -> None:
            pulled = node.tongban("federation", "catalog", "pull").split()
            counts = dict(zip(pulled[::2], pulled[1::2], strict=False))
            say(f"   {node.name} pulled the catalogs of {', '.join(f'{r} ({n} items)' for r, n in counts.items())}")
            registered = node.tongban("oidc", "peer-register").split("\n")
            say(f"   {node.name} is a login client of {len([r for r in registered if r.strip()])} peers' providers")

        _each(one, self.nodes)

    def check(self) -> None:
        for node in self.nodes:
            node.check_running()
            if not node.up():
                raise DemoError(f"{node.name} does not answer at {node.url}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def banner(self) -> str:
        lines = ["", "Tongban three-node demo (跨省通办):"]
        for node in self.nodes:
            lines.append(f"  {node.name:<12} {node.region}  {node.url}/   (log in: {node.url}/accounts/login/)")
        lines += [
            "",
            f"Demo accounts, password {DEMO_PASSWORD} (log in at the account's own node; the one-time code",
            "is in var/demo/<region>/notifications.log, e.g. tail -n 1 var/demo/120000/notifications.log):",
        ]
        for node in self.nodes:
            lines.append(f"  at {node.name} ({node.url}):")
            lines += [f"    {line}" for line in self.accounts.get(node.region, [])]
        lines += [
            "",
            "Cross-region login: on Beijing's login page choose “用天津市账号登录” and log in as tj_resident_1.",
            "Each node's job worker and scheduler are running (tongban jobs status); logs are in",
            "var/demo/<region>/server.log and worker.log.",
            "Press Ctrl-C to stop all nodes.",
        ]
        return "\n".join(lines)


def _account_lines(seed_output: str) -> list[str]:
    """The account table that ``tongban seed demo`` prints (user name, region, role), without the header."""
    lines = seed_output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("username")), None)
    if start is None:
        return []
    table = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        table.append(line.strip())
    return table


@contextlib.contextmanager
def stopping_on_signals(demo: Demo) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM end the demo: every process it started is stopped, none left behind."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        say("Stopping the nodes …")
        demo.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def build(*, root: Path, host: str, ports: list[int]) -> Demo:
    if len(ports) != len(REGIONS):
        raise DemoError(f"give {len(REGIONS)} ports")
    return Demo(
        nodes=[
            DemoNode(region=code, name=name, prefix=prefix, port=port, root=root, host=host)
            for (code, name, prefix), port in zip(REGIONS, ports, strict=True)
        ]
    )


def run(*, root: Path, host: str, ports: list[int], setup_only: bool) -> int:
    demo = build(root=root.resolve(), host=host, ports=ports)
    demo.prepare()
    try:
        with stopping_on_signals(demo):
            say("== starting the nodes …")
            demo.start_servers()
            say("== peers, job workers and schedulers, catalogs, OpenID Connect clients …")
            demo.connect()
            demo.start_workers()
            demo.pull_and_register()
            demo.check()
            say(demo.banner())
            if setup_only:
                return 0
            while True:
                demo.check()
                time.sleep(1)
    except KeyboardInterrupt:
        say("Stopped.")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Tongban's three-node demo (Beijing, Tianjin, Hebei).")
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "demo", help="folder of the nodes' data")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--ports", default="8001,8002,8003", help="ports of Beijing, Tianjin and Hebei (comma-separated)"
    )
    parser.add_argument("--setup-only", action="store_true", help="set up, check that all answer, stop")
    args = parser.parse_args(argv)
    try:
        ports = [int(p) for p in str(args.ports).split(",")]
        return run(root=args.root, host=args.host, ports=ports, setup_only=args.setup_only)
    except (DemoError, ValueError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # during the set-up, before any node was started
        print("demo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
