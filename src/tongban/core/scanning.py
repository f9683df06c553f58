"""The antivirus hook for uploads: a pluggable ``Scanner``, with ClamAV's daemon (clamd) built in.

Configured by settings (environment variables, see the README):

- ``TONGBAN_UPLOAD_SCANNER``: empty (the default: no scanning), ``clamd``, or the dotted path of a
  class implementing ``Scanner`` (constructed without arguments).
- ``TONGBAN_CLAMD_ADDRESS``: where clamd listens, ``unix:///run/clamav/clamd.ctl`` (the default, the
  socket of Debian's ``clamav-daemon``) or ``tcp://HOST:PORT`` (clamd's ``TCPSocket``, usually 3310).
- ``TONGBAN_CLAMD_TIMEOUT``: seconds to wait for clamd (30).

Every accepted upload (``core.filecheck.inspect``, after its content was parsed) is sent to the
scanner. A file it reports is refused (``upload_infected``, 422, with the signature's name); a
scanner that cannot be reached or answers an error refuses the upload (``upload_scan_unavailable``,
503): with a scanner configured, nothing unscanned is stored.

``ClamdScanner`` speaks clamd's ``INSTREAM`` command (the file in chunks, each preceded by its length
as four bytes big-endian, ended by a zero length) over one connection per file, so clamd needs no
access to Tongban's files. clamd refuses streams longer than its ``StreamMaxLength`` (25 MiB by
default; keep it above ``TONGBAN_UPLOAD_MAX_BYTES``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.core.upload_errors import UploadInfected, UploadScanUnavailable

CHUNK = 256 * 1024


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not be reached or could not scan the file."""


class Scanner(Protocol):
    """Anything that can tell whether a stored file is malicious."""

    def scan_file(self, path: Path) -> ScanResult:
        """Scan the file at ``path``; raise ``ScannerUnavailable`` when it cannot be scanned."""
        ...


class ClamdScanner:
    """ClamAV's daemon over a Unix or TCP socket (``INSTREAM``)."""

    def __init__(self, address: str, *, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.address)
        try:
            if parts.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(parts.path)
                return sock
            if parts.scheme == "tcp" and parts.hostname:
                return socket.create_connection((parts.hostname, parts.port or 3310), timeout=self.timeout)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address}: {exc}") from exc
        raise ScannerUnavailable(f"clamd address must be unix:///PATH or tcp://HOST:PORT, not {self.address!r}")

    def _command(self, command: bytes, payload: Path | None = None) -> str:
        with self._connect() as sock:
            try:
                sock.sendall(b"z" + command + b"\0")
                if payload is not None:
                    with payload.open("rb") as handle:
                        while block := handle.read(CHUNK):
                            sock.sendall(struct.pack(">I", len(block)) + block)
                    sock.sendall(struct.pack(">I", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = sock.recv(4096)
                    if not data:
                        break
                    reply += data
            except OSError as exc:
                raise ScannerUnavailable(f"clamd at {self.address}: {exc}") from exc
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        return self._command(b"PING") == "PONG"

    def scan_file(self, path: Path) -> ScanResult:
        reply = self._command(b"INSTREAM", path)
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        _, _, verdict = reply.partition(": ")
        if verdict == "OK":
            return ScanResult(clean=True)
        if verdict.endswith(" FOUND"):
            return ScanResult(clean=False, signature=verdict.removesuffix(" FOUND"))
        raise ScannerUnavailable(f"clamd could not scan the file: {reply[:200]}")


def configured_scanner() -> Scanner | None:
    """The scanner the settings name, or None when uploads are not scanned."""
    name = str(getattr(settings, "TONGBAN_UPLOAD_SCANNER", "") or "").strip()
    if not name:
        return None
    if name == "clamd":
        return ClamdScanner(
            str(getattr(settings, "TONGBAN_CLAMD_ADDRESS", "unix:///run/clamav/clamd.ctl")),
            timeout=float(getattr(settings, "TONGBAN_CLAMD_TIMEOUT", 30)),
        )
    return cast(Scanner, import_string(name)())


def scan(path: Path) -> None:
    """Scan a file with the configured scanner, if any; raise ``upload_infected`` or ``upload_scan_unavailable``."""
    scanner = configured_scanner()
    if scanner is None:
        return
    try:
        result = scanner.scan_file(path)
    except ScannerUnavailable as exc:
        raise UploadScanUnavailable(details={"detail": str(exc)[:200]}) from exc
    if not result.clean:
        raise UploadInfected(details={"signature": result.signature[:200]})
