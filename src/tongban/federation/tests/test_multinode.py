"""Three real nodes on loopback (granian, each with its own SQLite database, region and keys),
peers configured through the command line, messages between them end to end.

The nodes are started once for the module; each test uses its own messages. The test reads
the nodes' databases read-only to check what they stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import OKPKey, import_key

pytestmark = pytest.mark.multinode

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[3]
WAIT = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], *, timeout: float = WAIT, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.3)


@dataclass(eq=False)
class Node:
    name: str
    region: str
    root: Path
    port: int = field(default_factory=_free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Path:
        return self.root / "db.sqlite3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tongban.settings",
            TONGBAN_REGION=self.region,
            TONGBAN_BASE_URL=self.url,
            TONGBAN_DATABASE_URL=f"sqlite:///{self.db}",
            TONGBAN_VAR_DIR=str(self.root),
            TONGBAN_SECRET_KEY=f"multinode-test-secret-{self.name}-" + "x" * 32,
            TONGBAN_FEDERATION_BACKOFF_SECONDS="0.2",
            TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS="1",
            TONGBAN_FEDERATION_MAX_ATTEMPTS="100000",
            TONGBAN_FEDERATION_KEY_REFRESH_SECONDS="0",
            TONGBAN_FEDERATION_TIMEOUT="5",
            TONGBAN_LOG_LEVEL="ERROR",
        )
        return env

    def start(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.server = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "granian"),
                *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(self.port)),
                *("--workers", "1", "--blocking-threads", "1", "tongban.wsgi:application"),
            ],
            env=self.env(),
            stdout=log,
            stderr=log,
        )

    def wait_up(self) -> None:
        def up() -> bool:
            assert self.server is not None and self.server.poll() is None, (self.root / "server.log").read_text()
            try:
                return httpx.get(self.url + "/federation/v1/node", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, what=f"{self.name} to listen")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    def start_worker(self) -> None:
        log = (self.root / "worker.log").open("ab")
        self.worker = subprocess.Popen(  # noqa: S603
            [str(BIN / "tongban"), "federation", "deliver", "--loop", "--interval", "0.3"],
            env=self.env(),
            stdout=log,
            stderr=log,
        )

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=30)
            self.worker = None

    def tongban(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [str(BIN / "tongban"), *args], env=self.env(), capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def send(self, *, to: Node, count: int = 1, payload: dict[str, Any] | None = None) -> list[str]:
        out = self.tongban(
            "federation", "send", "--to", to.region, "--type", "federation.ping",
            "--payload", json.dumps(payload or {"from": self.name}), "--count", str(count),
        )  # fmt: skip
        return [uuid.UUID(line.strip()).hex for line in out.splitlines() if line.strip()]

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=20) as conn:
            return list(conn.execute(sql, params))

    def inbox_count(self, message_id: str) -> int:
        return int(self.query("SELECT count(*) FROM federation_inboxmessage WHERE message_id = ?", message_id)[0][0])

    def pings(self, message_id: str) -> int:
        return int(
            self.query(
                "SELECT count(*) FROM core_auditevent WHERE action = 'federation.ping_received' AND object_id = ?",
                str(uuid.UUID(message_id)),
            )[0][0]
        )

    def outbox_status(self, ids: list[str]) -> dict[str, str]:
        marks = ",".join("?" * len(ids))
        rows = self.query(
            f"SELECT message_id, status FROM federation_outboxmessage WHERE message_id IN ({marks})",  # noqa: S608
            *ids,
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def failed_attempts(self, ids: list[str]) -> int:
        marks = ",".join("?" * len(ids))
        dashed = [str(uuid.UUID(i)) for i in ids]
        rows = self.query(
            f"SELECT count(*) FROM federation_messagelog WHERE direction = 'failed' AND message_id IN ({marks})",  # noqa: S608
            *dashed,
        )
        return int(rows[0][0])

    def inbox_token(self, message_id: str) -> tuple[str, str]:
        row = self.query("SELECT token, kid FROM federation_inboxmessage WHERE message_id = ?", message_id)[0]
        return str(row[0]), str(row[1])

    def refusals(self, code: str) -> int:
        rows = self.query("SELECT count(*) FROM federation_messagelog WHERE direction = 'refused' AND code = ?", code)
        return int(rows[0][0])

    def jwks(self) -> list[dict[str, Any]]:
        return list(httpx.get(self.url + "/.well-known/jwks.json", timeout=10).json()["keys"])

    def post(self, token: str) -> httpx.Response:
        return httpx.post(
            self.url + "/federation/v1/messages",
            content=token.encode(),
            headers={"Content-Type": "application/jose", "Accept-Language": "zh-hans"},
            timeout=30,
        )


def migrated_template(cache: Path) -> Path:
    """A migrated SQLite database to copy for each node, kept in ``cache`` per set of migrations."""
    digest = hashlib.sha256()
    for path in sorted(SRC.glob("tongban/*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    template = cache / f"template-{digest.hexdigest()[:16]}.sqlite3"
    if not template.exists():
        work = cache / f"migrating-{uuid.uuid4().hex}"
        work.mkdir(parents=True)
        node = Node("template", "000000", work)
        node.tongban("migrate", "--verbosity", "0")
        shutil.move(str(node.db), template)
        shutil.rmtree(work, ignore_errors=True)
    return template


@dataclass
class Fake:
    """A peer that exists only as a key pair the test holds, pinned at B through a trust bundle."""

    region: str = "990001"
    key: OKPKey = field(default_factory=lambda: OKPKey.generate_key("Ed25519"))
    kid: str = "fake-990001"

    def bundle(self) -> dict[str, Any]:
        jwk = {**self.key.as_dict(private=False), "kid": self.kid, "alg": "Ed25519", "use": "sig"}
        return {
            "format": "tongban-trust-bundle/1",
            "peers": [{"region": self.region, "base_url": "http://127.0.0.1:9", "keys": [jwk]}],
        }


def envelope(*, sender: str, recipient: str, sent_offset: float = 0, **extra: Any) -> dict[str, Any]:
    now = time.time()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + sent_offset))
    body = {
        "id": str(uuid.uuid4()),
        "type": "federation.ping",
        "schema_version": 1,
        "sender": sender,
        "recipient": recipient,
        "created": iso,
        "correlation_id": "",
        "payload": {"n": 1},
        "sent": iso,
    }
    body.update(extra)
    return body


def sign(body: dict[str, Any], *, key: OKPKey, kid: str) -> str:
    header = {"alg": "Ed25519", "typ": "tongban-federation+jws", "kid": kid}
    return jws.serialize_compact(header, json.dumps(body).encode(), key, algorithms=["Ed25519"])


@dataclass
class Cluster:
    a: Node
    b: Node
    c: Node
    fake: Fake


def _fingerprint(node: Node) -> str:
    httpx.get(node.url + "/federation/v1/node", timeout=30).raise_for_status()  # makes the key on a fresh node
    return str(import_key(node.jwks()[0]).thumbprint())


def multinode_cache(request: pytest.FixtureRequest, fallback: Path) -> Path:
    """Where migrated database templates are kept between runs (pytest's cache, or ``fallback`` without it)."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("tongban-multinode")) if cache is not None else fallback


def node_set(
    template: Path, root: Path, specs: Iterable[tuple[str, str]], *, node_class: type[Node] = Node
) -> list[Node]:
    """One node per (name, region) under ``root``, each with its own copy of the template database."""
    nodes = []
    for name, region in specs:
        (root / name).mkdir()
        node = node_class(name, region, root / name)
        shutil.copy(template, node.db)
        nodes.append(node)
    return nodes


def start_all(nodes: Iterable[Node]) -> dict[str, str]:
    """Start the nodes, wait until each answers, and give each node's key fingerprint by name."""
    nodes = list(nodes)
    for node in nodes:
        node.start()
    for node in nodes:
        node.wait_up()
    return {node.name: _fingerprint(node) for node in nodes}


@contextmanager
def federated_pair(template: Path, root: Path, specs: Iterable[tuple[str, str]]) -> Iterator[list[Node]]:
    """Two nodes started, pinned to each other by fingerprint, each with its delivery worker; stopped after."""
    nodes = node_set(template, root, specs)
    first, second = nodes
    try:
        fp = start_all(nodes)
        first.tongban("federation", "peers", "add", second.url, f"--fingerprint={fp[second.name]}")
        second.tongban("federation", "peers", "add", first.url, f"--fingerprint={fp[first.name]}")
        for node in nodes:
            node.start_worker()
        yield nodes
    finally:
        for node in nodes:
            node.stop_worker()
            node.stop()


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    template = migrated_template(multinode_cache(request, tmp_path_factory.mktemp("c")))
    root = tmp_path_factory.mktemp("nodes")
    nodes = node_set(template, root, (("a", "110000"), ("b", "120000"), ("c", "130000")))
    a, b, c = nodes
    fake = Fake()
    try:
        fp = start_all(nodes)
        (root / "a-bundle.json").write_text(a.tongban("federation", "bundle"))
        (root / "fake-bundle.json").write_text(json.dumps(fake.bundle()))

        def configure(node: Node, steps: list[list[str]]) -> None:
            for step in steps:
                node.tongban("federation", "peers", *step)

        plan = {
            a: [["add", b.url, f"--fingerprint={fp['b']}"], ["add", c.url, f"--fingerprint={fp['c']}"]],
            b: [
                ["add", a.url, f"--fingerprint={fp['a']}"],
                ["add", c.url, f"--fingerprint={fp['c']}"],
                ["add-bundle", str(root / "fake-bundle.json")],
            ],
            c: [["add-bundle", str(root / "a-bundle.json")], ["add", b.url, f"--fingerprint={fp['b']}"]],
        }
        with ThreadPoolExecutor(3) as pool:
            for future in [pool.submit(configure, node, steps) for node, steps in plan.items()]:
                future.result()
        a.start_worker()
        yield Cluster(a, b, c, fake)
    finally:
        for node in nodes:
            node.stop_worker()
            node.stop()


def test_peers_are_pinned_by_fingerprint_and_by_bundle(cluster: Cluster) -> None:
    # given the nodes configured through the command line
    listed_at_a = {p["region"]: p for p in json.loads(cluster.a.tongban("federation", "peers", "list"))}
    listed_at_c = {p["region"]: p for p in json.loads(cluster.c.tongban("federation", "peers", "list"))}
    # then A pinned B's and C's keys by their fingerprints, and C pinned A's from the bundle
    assert set(listed_at_a) == {"120000", "130000"}
    assert [k["source"] for k in listed_at_a["120000"]["keys"]] == ["fingerprint"]
    assert listed_at_a["120000"]["base_url"] == cluster.b.url
    assert [k["source"] for k in listed_at_c["110000"]["keys"]] == ["bundle"]
    assert listed_at_c["110000"]["keys"][0]["kid"] == cluster.a.jwks()[0]["kid"]


def test_a_signed_message_is_delivered_and_stored(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    # when A sends a message to B
    [message_id] = a.send(to=b, payload={"greeting": "你好"})
    # then B stores it once, handled, with a signature that verifies under A's published key
    wait_for(lambda: b.inbox_count(message_id) == 1, what="B to store the message")
    wait_for(lambda: a.outbox_status([message_id]) == {message_id: "delivered"}, what="A to mark it delivered")
    token, kid = b.inbox_token(message_id)
    key = next(k for k in a.jwks() if k["kid"] == kid)
    body = json.loads(jws.deserialize_compact(token, import_key(key), algorithms=["Ed25519"]).payload)
    assert body["payload"] == {"greeting": "你好"} and body["sender"] == "110000" and body["recipient"] == "120000"
    assert b.pings(message_id) == 1


def test_a_peer_that_was_down_gets_every_message_once(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    # given B is down while A sends five messages
    b.stop()
    try:
        ids = a.send(to=b, count=5)
        wait_for(lambda: a.failed_attempts(ids) >= 1, what="A to fail to reach B")
        assert set(a.outbox_status(ids).values()) == {"pending"}
    finally:
        # when B comes back
        b.start()
        b.wait_up()
    # then all five are delivered, each stored and handled exactly once
    wait_for(lambda: set(a.outbox_status(ids).values()) == {"delivered"}, what="delivery after B is back")
    assert [b.inbox_count(i) for i in ids] == [1] * 5
    assert [b.pings(i) for i in ids] == [1] * 5


def test_duplicate_delivery_has_one_effect(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    # given a message B has received
    [message_id] = a.send(to=b)
    wait_for(lambda: b.inbox_count(message_id) == 1, what="first delivery")
    token, _kid = b.inbox_token(message_id)
    # when the very same signed message arrives again
    response = b.post(token)
    # then it is refused as a replay and had one effect
    assert response.status_code == 409 and response.json()["code"] == "already_received"
    assert b.inbox_count(message_id) == 1 and b.pings(message_id) == 1
    assert b.refusals("already_received") >= 1


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["payload"] = {"from": "someone else"}
    body["id"] = str(uuid.uuid4())
    altered = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    return f"{header}.{altered}.{signature}"


def test_forged_tampered_and_misaddressed_messages_are_refused(cluster: Cluster) -> None:
    a, b, c = cluster.a, cluster.b, cluster.c
    # given a real message A sent to C, and one B received from A
    [to_c] = a.send(to=c)
    [to_b] = a.send(to=b)
    wait_for(lambda: c.inbox_count(to_c) == 1 and b.inbox_count(to_b) == 1, what="deliveries to C and B")
    token_for_c, _ = c.inbox_token(to_c)
    token_for_b, a_kid = b.inbox_token(to_b)
    intruder = OKPKey.generate_key("Ed25519")
    cases = [
        # signed by another key under A's key id: forged
        (sign(envelope(sender="110000", recipient="120000"), key=intruder, kid=a_kid), 401, "bad_signature"),
        # signed by a key A never announced
        (sign(envelope(sender="110000", recipient="120000"), key=intruder, kid="110000-forged"), 401, "unknown_key"),
        # A's real signature over an altered body
        (_tamper(token_for_b), 401, "bad_signature"),
        # A's real message to C, posted to B
        (token_for_c, 421, "misaddressed"),
    ]
    for token, status, code in cases:
        # when each is posted to B
        response = b.post(token)
        # then B refuses it with its code, in Chinese, and logs the refusal
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
        assert response.json()["message"]
        assert b.refusals(code) >= 1
    assert c.inbox_count(to_c) == 1
    assert len(b.query("SELECT id FROM federation_inboxmessage WHERE sender_region = '110000'")) >= 1


def test_stale_and_future_messages_are_refused(cluster: Cluster) -> None:
    b, fake = cluster.b, cluster.fake
    # given a peer pinned at B by bundle, whose fresh message is accepted
    fresh = envelope(sender=fake.region, recipient="120000")
    assert b.post(sign(fresh, key=fake.key, kid=fake.kid)).status_code == 202
    # when it sends messages dated an hour ago and an hour ahead
    stale = b.post(
        sign(envelope(sender=fake.region, recipient="120000", sent_offset=-3600), key=fake.key, kid=fake.kid)
    )
    future = b.post(
        sign(envelope(sender=fake.region, recipient="120000", sent_offset=3600), key=fake.key, kid=fake.kid)
    )
    # then both are refused with their codes
    assert (stale.status_code, stale.json()["code"]) == (400, "message_too_old")
    assert (future.status_code, future.json()["code"]) == (400, "message_from_future")
    assert b.inbox_count(uuid.UUID(fresh["id"]).hex) == 1


def test_key_rotation_while_messages_are_in_flight(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    old_kids = {k["kid"] for k in a.jwks()}
    # given messages queued at A for B while B is down
    b.stop()
    try:
        ids = a.send(to=b, count=3)
        wait_for(lambda: a.failed_attempts(ids) >= 1, what="A to fail to reach B")
        # when A rotates its signing key before they are delivered
        a.tongban("licence", "rotate-key")
        new_kids = {k["kid"] for k in a.jwks()} - old_kids
        assert len(new_kids) == 1
    finally:
        b.start()
        b.wait_up()
    # then B learns the new key (vouched for by the pinned one) and accepts all three, once each
    wait_for(lambda: set(a.outbox_status(ids).values()) == {"delivered"}, what="delivery under the new key")
    assert {b.inbox_token(i)[1] for i in ids} == new_kids
    assert [b.pings(i) for i in ids] == [1] * 3
    pinned = {p["region"]: p for p in json.loads(b.tongban("federation", "peers", "list"))}["110000"]["keys"]
    sources = {k["kid"]: (k["source"], k["status"]) for k in pinned}
    assert sources[new_kids.pop()] == ("rotation", "pinned")
    assert all(sources[kid] == ("fingerprint", "pinned") for kid in old_kids)
