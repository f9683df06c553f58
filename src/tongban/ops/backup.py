"""Backups of a node: database, stored files and keys in one archive, encrypted with the operator's key.

``tongban backup --output FILE --key-file KEY`` / ``tongban restore FILE --key-file KEY`` (ADR 0020).

What is in it (a tar stream):

* ``manifest.json``: format, time, region, database vendor, the applied migrations, the fingerprint
  (SHA-256) of the secret that wraps the node's signing keys, a few counts.
* ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the node runs) or
  ``database.pgdump`` (``pg_dump --format=custom``: one snapshot transaction).
* ``files/``: the stored files (``TONGBAN_FILES_DIR``), copied after the database snapshot, so every
  file the snapshot refers to was already stored (files are written before the row that names them
  commits, and never changed).
* ``keys/``: the node's PKI folder (PAdES seal certificates) and its OpenID Connect RSA key. The
  signing keys themselves are rows of the database, wrapped by ``TONGBAN_KEY_SECRET`` (or the
  ``SECRET_KEY``): the restored node must run with the same secret, which restore checks by its
  fingerprint. Keep that secret where the backup key is kept.

Encryption: the key file's bytes (a passphrase or random bytes) go through scrypt with a random salt
to an AES-256-GCM key; the archive is cut in 1 MiB chunks, each sealed with its own random nonce and,
as associated data, the header, its index and whether it is the last one: a changed, reordered or
truncated backup does not decrypt.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from tongban.ops.errors import BackupError

MAGIC = b"TONGBAN-BACKUP/1\n"
SALT_BYTES = 16
CHUNK = 1 << 20
FORMAT = "tongban-backup/1"


# ------------------------------------------------------------------ encryption


def read_key_file(path: str | Path) -> bytes:
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise BackupError(f"the key file cannot be read: {exc}", code="backup_key_unreadable") from exc
    if len(key) < 16:
        raise BackupError("the key must be at least 16 bytes long", code="backup_key_too_short")
    return key


def _derive(key: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(key)


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that seals what is written, chunk by chunk, into ``out``."""

    def __init__(self, out: IO[bytes], key: bytes) -> None:
        super().__init__()
        salt = secrets.token_bytes(SALT_BYTES)
        self._out = out
        self._header = MAGIC + salt
        self._aead = AESGCM(_derive(key, salt))
        self._buffer = bytearray()
        self._index = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += bytes(data)
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        nonce = secrets.token_bytes(12)
        aad = self._header + struct.pack(">Q?", self._index, final)
        sealed = self._aead.encrypt(nonce, plain, aad)
        self._out.write(struct.pack(">?I", final, len(sealed)) + nonce + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only stream of what ``EncryptingWriter`` sealed; refuses a wrong key or an altered file."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        super().__init__()
        header = source.read(len(MAGIC) + SALT_BYTES)
        if not header.startswith(MAGIC) or len(header) != len(MAGIC) + SALT_BYTES:
            raise BackupError("this is not a Tongban backup", code="backup_not_recognised")
        self._source = source
        self._header = header
        self._aead = AESGCM(_derive(key, header[len(MAGIC) :]))
        self._plain = b""
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        head = self._source.read(5)
        if len(head) != 5:
            raise BackupError("the backup is cut short", code="backup_truncated")
        final, length = struct.unpack(">?I", head)
        nonce = self._source.read(12)
        sealed = self._source.read(length)
        if len(nonce) != 12 or len(sealed) != length:
            raise BackupError("the backup is cut short", code="backup_truncated")
        try:
            self._plain = self._aead.decrypt(nonce, sealed, self._header + struct.pack(">Q?", self._index, final))
        except InvalidTag:
            raise BackupError() from None  # wrong key, or the file was changed
        self._index += 1
        if final:
            self._done = True
            if self._source.read(1):
                raise BackupError("the backup has data after its end", code="backup_trailing_data")

    def readinto(self, buffer: Any) -> int:
        while not self._plain and not self._done:
            self._next()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        self._plain = self._plain[n:]
        return n


# ------------------------------------------------------------------ what a node keeps where


def oidc_key_file() -> Path:
    return Path(os.environ.get("TONGBAN_OIDC_RSA_KEY_FILE", Path(settings.VAR_DIR) / "oidc-rsa.pem"))


def pki_folder() -> Path:
    return Path(settings.VAR_DIR) / "licences" / "pki"


def secret_fingerprint() -> str:
    secret = os.environ.get("TONGBAN_KEY_SECRET") or settings.SECRET_KEY
    return hashlib.sha256(b"tongban-key-secret:" + secret.encode()).hexdigest()


def _pg_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{db['NAME']}"


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed", code="backup_tool_missing")
    return found


@dataclass
class BackupReport:
    path: Path
    bytes: int
    files: int
    manifest: dict[str, Any]


def _manifest() -> dict[str, Any]:
    from tongban.core.models import AuditEvent
    from tongban.licences.models import Licence

    applied = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "region": settings.TONGBAN_REGION,
        "vendor": connection.vendor,
        "migrations": applied,
        "key_secret_fingerprint": secret_fingerprint(),
        "counts": {"audit_events": AuditEvent.objects.count(), "licences": Licence.objects.count()},
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_tree(tar: tarfile.TarFile, folder: Path, prefix: str) -> int:
    count = 0
    if not folder.is_dir():
        return 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".tmp"):
            tar.add(str(path), arcname=f"{prefix}/{path.relative_to(folder).as_posix()}", recursive=False)
            count += 1
    return count


def _snapshot_database(work: Path) -> tuple[str, Path]:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = work / "database.sqlite3"
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # the online backup API: one consistent copy
        finally:
            copy.close()
        return "database.sqlite3", target
    if connection.vendor == "postgresql":
        target = work / "database.pgdump"
        done = subprocess.run(  # noqa: S603
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", str(target), _pg_url()],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}", code="backup_dump_failed")
        return "database.pgdump", target
    raise BackupError(f"no backup for {connection.vendor}", code="backup_vendor_unsupported")


def backup_create(*, output: Path, key: bytes) -> BackupReport:
    """Write the encrypted backup of this node to ``output`` (written beside it, then renamed)."""
    manifest = _manifest()
    output = output.resolve()
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="tongban-backup-") as tmp:
        name, database = _snapshot_database(Path(tmp))
        with partial.open("wb") as raw:
            writer = EncryptingWriter(raw, key)
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
                tar.add(str(database), arcname=name)
                files = _add_tree(tar, Path(settings.TONGBAN_FILES_DIR), "files")
                _add_tree(tar, pki_folder(), "keys/pki")
                if oidc_key_file().is_file():
                    tar.add(str(oidc_key_file()), arcname="keys/oidc-rsa.pem")
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
    partial.chmod(0o600)
    partial.replace(output)
    return BackupReport(path=output, bytes=output.stat().st_size, files=files, manifest=manifest)


# ------------------------------------------------------------------ restore


def _node_is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    if "core_auditevent" not in tables:
        return True
    from tongban.core.models import AuditEvent

    return not AuditEvent.objects.exists()


def _members(reader: DecryptingReader) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            if member.name.startswith("/") or ".." in Path(member.name).parts:
                raise BackupError(f"unsafe path in the backup: {member.name}", code="backup_unsafe_path")
            yield member, tar.extractfile(member) if member.isfile() else None


def _write(target: Path, data: IO[bytes]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        shutil.copyfileobj(data, out)


def _restore_database(name: str, path: Path) -> None:
    if name == "database.sqlite3":
        if connection.vendor != "sqlite":
            raise BackupError("the backup is of a SQLite node", code="backup_vendor_mismatch")
        target = Path(str(connection.settings_dict["NAME"]))
        connections.close_all()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(target) + suffix).unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return
    if connection.vendor != "postgresql":
        raise BackupError("the backup is of a PostgreSQL node", code="backup_vendor_mismatch")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    done = subprocess.run(  # noqa: S603
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", _pg_url(), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}", code="backup_restore_failed")


def backup_restore(*, source: Path, key: bytes, force: bool = False) -> dict[str, Any]:
    """Restore an encrypted backup into this node, which must be empty (no audit event) unless ``force``.

    The whole backup is decrypted and checked before anything of this node is touched."""
    with tempfile.TemporaryDirectory(prefix="tongban-restore-") as tmp:
        staging = Path(tmp)
        manifest: dict[str, Any] | None = None
        database: tuple[str, Path] | None = None
        try:
            with source.open("rb") as raw:
                for member, data in _members(DecryptingReader(raw, key)):
                    if data is None:
                        continue
                    if member.name == "manifest.json":
                        manifest = json.loads(data.read())
                        continue
                    _write(staging / member.name, data)
                    if member.name in ("database.sqlite3", "database.pgdump"):
                        database = (member.name, staging / member.name)
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise BackupError(f"the backup cannot be read: {exc}", code="backup_unreadable") from exc
        if manifest is None or manifest.get("format") != FORMAT or database is None:
            raise BackupError("the backup has no manifest or no database", code="backup_incomplete")
        if manifest["key_secret_fingerprint"] != secret_fingerprint():
            raise BackupError(
                "this node's TONGBAN_KEY_SECRET (or SECRET_KEY) is not the backed-up node's: its signing keys "
                "would not open",
                code="backup_secret_mismatch",
            )
        if not force and not _node_is_empty():
            raise BackupError("this node is not empty: restore into a new node", code="backup_target_not_empty")
        _restore_database(*database)
        files_dir = Path(settings.TONGBAN_FILES_DIR)
        restored_files = 0
        for path in sorted(staging.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(staging)
            if relative.parts[0] == "files":
                target = files_dir.joinpath(*relative.parts[1:])
                restored_files += 1
            elif relative.parts[:2] == ("keys", "pki"):
                target = pki_folder().joinpath(*relative.parts[2:])
            elif relative.as_posix() == "keys/oidc-rsa.pem":
                target = oidc_key_file()
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            if relative.parts[0] == "keys":
                target.chmod(0o600)
    return {"manifest": manifest, "files": restored_files}
