"""The HTTP server of the benchmarks' HTTP phases: how Tongban is served in production (ADR 0019).

``granian`` (the default): a Rust HTTP server running ``tongban.wsgi`` through its WSGI interface,
``workers`` processes with ``threads`` blocking threads each. ``gunicorn``: gthread workers, for
comparison (``--preload``). Both bind a loopback port.
"""

from __future__ import annotations

import sys
from pathlib import Path

KINDS = ("granian", "gunicorn")


def wsgi_server_command(kind: str, *, port: int, workers: int, threads: int) -> list[str]:
    """The command line that serves ``tongban.wsgi:application`` on ``127.0.0.1:port``."""
    bin_dir = Path(sys.executable).parent
    if kind == "granian":
        return [
            str(bin_dir / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--runtime-threads",
            "1",
            "--http",
            "1",
            "--log-level",
            "error",
            "tongban.wsgi:application",
        ]
    if kind == "gunicorn":
        return [
            str(bin_dir / "gunicorn"),
            "tongban.wsgi:application",
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--log-level",
            "error",
        ]
    raise ValueError(f"unknown server {kind!r}: one of {', '.join(KINDS)}")
