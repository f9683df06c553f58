"""The three-node demo launcher (``scripts/demo.py``, what ``make demo`` runs), so that it cannot rot.

It runs twice on free ports in a temporary folder: first ``--setup-only`` (migrate, seed, start,
connect, pull, register, check, stop), then as ``make demo`` runs it — serving until it gets
Ctrl-C (SIGINT). Then the databases must show three nodes that trust each other, pulled each
other's catalogs and are login clients of each other; the second run must have reused them
(idempotent), and no process may be left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tongban.federation.tests.test_multinode import migrated_template, multinode_cache

pytestmark = pytest.mark.multinode

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "demo.py"
REGIONS = ("110000", "120000", "130000")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=20) as conn:
        return list(conn.execute(sql, params))


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}


def _leftovers(root: Path) -> list[int]:
    """Processes whose environment points into the demo's folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if f"TONGBAN_VAR_DIR={root}".encode() in environ:
            found.append(int(proc.name))
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_demo_launcher_sets_up_three_federated_nodes_twice_and_leaves_nothing_running(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    root = (tmp_path / "demo").resolve()
    ports = _free_ports(3)
    # given migrated databases (the launcher migrates again: a no-op), to keep the test short
    template = migrated_template(multinode_cache(request, tmp_path))
    for region in REGIONS:
        (root / region).mkdir(parents=True)
        shutil.copy(template, root / region / "tongban.sqlite3")
    command = [sys.executable, str(SCRIPT), "--root", str(root), "--ports", ",".join(map(str, ports))]

    # when the launcher sets up the demo and stops
    first = subprocess.run(  # noqa: S603
        [*command, "--setup-only"], env=_env(), capture_output=True, text=True, timeout=1500, check=False
    )
    # then it printed the three URLs and the accounts of each region
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for port in ports:
        assert f"http://127.0.0.1:{port}/" in first.stdout
    assert "tj_resident_1" in first.stdout and "bj_window" in first.stdout and "hb_reviewer_amr" in first.stdout
    # and each node trusts the two others, pulled their catalogs and is a login client of their providers
    db = {region: root / region / "tongban.sqlite3" for region in REGIONS}
    peers_before = {}
    for region in REGIONS:
        others = sorted(set(REGIONS) - {region})
        peers = _query(db[region], "SELECT region_code, base_url, added_at FROM federation_peer ORDER BY region_code")
        assert [p[0] for p in peers] == others
        peers_before[region] = peers
        pulled = dict(
            _query(
                db[region],
                "SELECT p.region_code, count(*) FROM federation_peercatalogitem i "
                "JOIN federation_peer p ON p.id = i.peer_id GROUP BY p.region_code",
            )
        )
        assert sorted(pulled) == others and all(n >= 40 for n in pulled.values()), pulled
        clients = _query(db[region], "SELECT region_code FROM accounts_homeregionclient ORDER BY region_code")
        assert [c[0] for c in clients] == others
        registered = _query(db[region], "SELECT region_code FROM accounts_peerloginclient ORDER BY region_code")
        assert [c[0] for c in registered] == others
    # and each node has its own region's residents only
    assert _query(db["120000"], "SELECT count(*) FROM accounts_user WHERE username = 'tj_resident_1'") == [(1,)]
    assert _query(db["110000"], "SELECT count(*) FROM accounts_user WHERE username LIKE 'tj_%'") == [(0,)]
    # and nothing is left running
    assert _leftovers(root) == [] and all(_port_free(p) for p in ports)
    secret = (root / "110000" / "secret-key").read_text()

    # when it runs a second time as `make demo` does, serving until Ctrl-C
    server = subprocess.Popen(  # noqa: S603
        command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    try:
        assert server.stdout is not None
        deadline = time.monotonic() + 1500
        for line in server.stdout:
            output.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        assert any("Press Ctrl-C" in line for line in output), "".join(output)[-3000:]
        # then the three nodes answer, each as its own region
        for port, region in zip(ports, REGIONS, strict=True):
            node = httpx.get(f"http://127.0.0.1:{port}/federation/v1/node", timeout=30).json()
            assert node["region"] == region
            login = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
            assert login.status_code == 200 and f"tongban{region}_csrftoken" in login.cookies
        # when Ctrl-C arrives
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # then it stopped cleanly, leaving no process behind
    assert server.returncode == 0, "".join(output)[-2000:] + rest[-2000:]
    assert "Stopped." in rest
    assert _leftovers(root) == [] and all(_port_free(p) for p in ports)
    # and it reused the databases: the same peers (not added again), the same secret key
    for region in REGIONS:
        assert (
            _query(db[region], "SELECT region_code, base_url, added_at FROM federation_peer ORDER BY region_code")
            == peers_before[region]
        )
    assert (root / "110000" / "secret-key").read_text() == secret
