"""Backup and restore: a node's database, files and keys, encrypted, restored into an empty node.

The backup is taken of the test database (SQLite or PostgreSQL, as the suite runs) with a licence
issued and a stored file; it is restored by ``tongban restore`` into a new, empty node (a new SQLite
file, or a new PostgreSQL database), where ``tongban audit verify`` passes and the licence verifies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tongban.licences.tests.factories import make_licence
from tongban.ops.backup import MAGIC

pytestmark = pytest.mark.django_db(transaction=True)

BIN = Path(sys.executable).parent
KEY = b"an operator's backup key, kept apart"


@pytest.fixture
def node_files(settings: Any, tmp_path: Path) -> Path:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    stored = settings.TONGBAN_FILES_DIR / "cases" / "1"
    stored.mkdir(parents=True)
    (stored / "licence-scan.pdf").write_bytes(b"%PDF-1.4 a stored material")
    return Path(settings.TONGBAN_FILES_DIR)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "backup.key"
    path.write_bytes(KEY)
    return path


@pytest.fixture
def empty_node(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a new node with no database yet (same region and secret as this one)."""
    root = tmp_path / "restored"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_REGION=settings.TONGBAN_REGION,
        TONGBAN_SECRET_KEY=settings.SECRET_KEY,
        TONGBAN_VAR_DIR=str(root),
        TONGBAN_FILES_DIR=str(root / "files"),
        TONGBAN_LOG_LEVEL="ERROR",
    )
    if os.environ.get("TONGBAN_KEY_SECRET"):
        env["TONGBAN_KEY_SECRET"] = os.environ["TONGBAN_KEY_SECRET"]
    created = None
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.settings_dict
        created = f"tb_restore_{uuid.uuid4().hex[:10]}"
        server = f"postgresql://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{created}"')
        env["TONGBAN_DATABASE_URL"] = f"{server}/{created}"
    else:
        env["TONGBAN_DATABASE_URL"] = f"sqlite:///{root / 'db.sqlite3'}"
    try:
        yield env
    finally:
        if created is not None:
            import psycopg

            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def _tongban(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "tongban"), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if ok:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


VERIFY = """
import json, sys
from tongban.licences.services import licence_verify
token, number, holder = sys.stdin.read().split()
by_token = licence_verify(token=token, by_label="restore test")
by_number = licence_verify(number=number, holder_id=holder, by_label="restore test")
print(json.dumps({"token": by_token.valid, "number": by_number.valid, "status": by_number.status}))
"""


def test_a_backup_restored_into_an_empty_node_has_intact_audit_chains_and_verifiable_licences(
    tmp_path: Path, node_files: Path, key_file: Path, empty_node: dict[str, str]
) -> None:
    # given a node with an issued licence (signed, audited) and a stored file
    licence = make_licence()
    backup = tmp_path / "node.tongban-backup"
    # when it is backed up with the operator's key
    out = json.loads(_capture("backup", "--output", str(backup), "--key-file", str(key_file)))
    # then the file is encrypted: no readable trace of the licence or the file in it
    raw = backup.read_bytes()
    assert raw.startswith(MAGIC) and out["licences"] == 1 and out["files"] == 1
    assert licence.number.encode() not in raw and b"a stored material" not in raw and b"manifest" not in raw
    # when it is restored into an empty node
    restored = json.loads(_tongban(empty_node, "restore", str(backup), "--key-file", str(key_file)).stdout)
    assert restored["licences"] == 1 and restored["files"] == 1
    # then the node's audit chains are intact, the licence verifies there, and the file is back
    assert "audit chains intact" in _tongban(empty_node, "audit", "verify").stdout
    check = subprocess.run(  # noqa: S603
        [str(BIN / "tongban"), "shell", "-c", VERIFY],
        env=empty_node,
        input=f"{licence.vc_jwt} {licence.number} {licence.holder_id}",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    assert json.loads(check.stdout.strip().splitlines()[-1]) == {"token": True, "number": True, "status": "valid"}
    files = Path(empty_node["TONGBAN_FILES_DIR"])
    assert (files / "cases" / "1" / "licence-scan.pdf").read_bytes() == b"%PDF-1.4 a stored material"


def _capture(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_wrong_key_an_altered_backup_or_another_key_secret_restores_nothing(
    tmp_path: Path, node_files: Path, key_file: Path, settings: Any
) -> None:
    # given a backup of this node
    licence = make_licence()
    backup = tmp_path / "node.tongban-backup"
    _capture("backup", "--output", str(backup), "--key-file", str(key_file))
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(b"not the operator's key at all")
    altered = tmp_path / "altered.tongban-backup"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    cut = tmp_path / "cut.tongban-backup"
    cut.write_bytes(backup.read_bytes()[: len(data) - 40])
    short = tmp_path / "short.key"
    short.write_bytes(b"short")
    # when each is restored (here: it is refused before this node is looked at)
    for args, code in [
        ((str(backup), "--key-file", str(wrong)), "backup_invalid"),
        ((str(altered), "--key-file", str(key_file)), "backup_invalid"),
        ((str(cut), "--key-file", str(key_file)), "backup_truncated"),
        ((str(backup), "--key-file", str(short)), "backup_key_too_short"),
        ((str(backup),), "backup_key_missing"),
    ]:
        with pytest.raises(CommandError, match=code):
            call_command("restore", *args)
    # and a node whose key secret differs is refused too (its signing keys would not open)
    if not os.environ.get("TONGBAN_KEY_SECRET"):
        own = settings.SECRET_KEY
        settings.SECRET_KEY = "another node's secret key, not the backed-up one's"
        with pytest.raises(CommandError, match="backup_secret_mismatch"):
            call_command("restore", str(backup), "--key-file", str(key_file))
        settings.SECRET_KEY = own
    # and the right backup into a node that is not empty is refused
    with pytest.raises(CommandError, match="backup_target_not_empty"):
        call_command("restore", str(backup), "--key-file", str(key_file))
    # then this node is as it was
    licence.refresh_from_db()
    assert (node_files / "cases" / "1" / "licence-scan.pdf").exists()


def test_backup_needs_a_key() -> None:
    with pytest.raises(CommandError, match="backup_key_missing"):
        call_command("backup", "--output", "/tmp/never-written.tongban-backup")
    assert not Path("/tmp/never-written.tongban-backup").exists()
