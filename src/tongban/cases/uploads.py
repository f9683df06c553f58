"""Material uploads: checked by content, stored outside the web root, never half-written.

What is accepted is decided by the file's content, never by its name or the browser's
content type: PDF, JPEG, PNG and OFD (GB/T 33190, the Chinese fixed-layout format), each
parsed whole, bounded, free of HTML and scripts, and scanned for viruses when a scanner is
configured (``core.filecheck``, ``core.scanning``).

A file is written to a temporary name in its case's folder under
``settings.TONGBAN_FILES_DIR`` (``cases/<case id>/``), hashed (SHA-256) and measured while
it streams, checked, flushed to disk and then renamed atomically to a random final name:
a failed or refused upload leaves nothing behind, and a stored file is always complete.

Storing must happen inside the database transaction that records the file. If that
transaction (or the savepoint around the store) rolls back, the file is removed: the
store registers a commit hook, and Django drops the hooks of a rolled-back transaction or
savepoint; a finaliser on the hook deletes the file when it is dropped without having run.
``sweep_orphans`` removes files that no row refers to (after a crash, say).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError, NotFound
from tongban.core.filecheck import ALLOWED_TYPES as ALLOWED_TYPES  # re-exported: the content checks
from tongban.core.filecheck import inspect
from tongban.core.upload_errors import UploadRefused as UploadRefused
from tongban.core.upload_errors import UploadTypeNotAllowed as UploadTypeNotAllowed
from tongban.core.upload_handlers import shorten_file_name

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024


class UploadTooLarge(ApplicationError):
    status = 413
    default_code = "upload_too_large"
    default_message = _("The file is too large.")


class UploadEmpty(ApplicationError):
    status = 400
    default_code = "upload_empty"
    default_message = _("The file is empty.")


class Chunked(Protocol):
    """A Django ``UploadedFile`` or anything else that yields its content in chunks."""

    def chunks(self, chunk_size: int | None = ...) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class StoredFile:
    """A file stored for a case. ``path`` is relative to ``TONGBAN_FILES_DIR``."""

    path: str
    size: int
    sha256: str
    content_type: str
    original_name: str

    @property
    def absolute_path(self) -> Path:
        return resolve_path(self.path)


def max_upload_bytes() -> int:
    return int(getattr(settings, "TONGBAN_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def files_root() -> Path:
    return Path(settings.TONGBAN_FILES_DIR).resolve()


def resolve_path(relative: str) -> Path:
    """The absolute path of a stored file; refuses anything that would leave the files folder."""
    root = files_root()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise NotFound(_("The file was not found."), code="file_not_found")
    return target


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MiB"
    return f"{size / 1024:.0f} KiB"


def _iter_chunks(source: Chunked | IO[bytes]) -> Iterator[bytes]:
    if hasattr(source, "chunks"):
        yield from source.chunks(CHUNK)
        return
    while True:
        block = source.read(CHUNK)
        if not block:
            return
        yield block


def clean_name(name: str) -> str:
    base = shorten_file_name("".join(ch for ch in name if ch.isprintable()))
    return base[:200] or "upload"


def _discard_on_rollback(path: Path) -> None:
    """Delete ``path`` if the current transaction (or savepoint) is rolled back.

    Django keeps commit hooks in ``connection.run_on_commit`` and drops those of a
    rolled-back transaction or savepoint without calling them. The hook marks the file as
    committed when it runs; a finaliser on the hook object removes the file when the hook
    is dropped unrun.
    """
    state = {"committed": False}

    class _Hook:
        def __call__(self) -> None:
            state["committed"] = True

    def _finalise() -> None:
        if not state["committed"]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    hook = _Hook()
    weakref.finalize(hook, _finalise)
    transaction.on_commit(hook)


def store_upload(*, case_id: int | str, source: Chunked | IO[bytes], original_name: str) -> StoredFile:
    """Check and store one uploaded file for a case; raise ``upload_*`` errors and leave nothing behind.

    Must run inside the transaction that records the file (see the module's notes).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("store_upload must be called inside a transaction")
    limit = max_upload_bytes()
    folder = files_root() / "cases" / str(case_id)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in _iter_chunks(source):
                size += len(block)
                if size > limit:
                    raise UploadTooLarge(
                        _("The file is larger than %(limit)s.") % {"limit": _human_size(limit)},
                        details={"max_bytes": limit},
                    )
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadEmpty()
        content_type = inspect(temp)
        final = folder / (secrets.token_hex(16) + ALLOWED_TYPES[content_type])
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _discard_on_rollback(final)
    return StoredFile(
        path=final.relative_to(files_root()).as_posix(),
        size=size,
        sha256=digest.hexdigest(),
        content_type=content_type,
        original_name=clean_name(original_name),
    )


def delete_stored(relative: str) -> None:
    """Remove a stored file once the transaction that forgets it commits."""
    path = resolve_path(relative)

    def _remove() -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    transaction.on_commit(_remove)


def open_stored(relative: str) -> IO[bytes]:
    path = resolve_path(relative)
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file was not found."), code="file_not_found") from exc


def sweep_orphans(*, referenced: Iterable[str], older_than_seconds: int = 3600, now: float | None = None) -> list[str]:
    """Remove stored files (and stale temporary files) under ``cases/`` that no row refers to.

    Only files older than ``older_than_seconds`` are touched so that uploads still in a
    transaction are left alone. Returns the removed paths, relative to the files folder.
    """
    root = files_root()
    cases_dir = root / "cases"
    keep = set(referenced)
    cutoff = (now if now is not None else time.time()) - older_than_seconds
    removed: list[str] = []
    if not cases_dir.is_dir():
        return removed
    for path in cases_dir.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if relative in keep or path.stat().st_mtime > cutoff:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(relative)
    return removed
