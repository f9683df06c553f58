"""A provider department's system for the HTTP connector's tests: a real second process.

``python -m tongban.sharing.tests.provider_server PORT SPEC.json`` answers
``GET /records/{resource}/{subject}?fields=…`` from the records in SPEC (``{"records":
{"resource/subject": {...}}, "slow": [subjects], "garbage": [subjects], "flaky": [subjects]}``):
a slow subject is answered after two seconds, a garbage one with HTML, a flaky one with 503 the
first time and its record afterwards. ``GET /health`` answers 200.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

SPEC: dict[str, Any] = {}
SEEN: set[str] = set()
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/health":
            self._send(200, b'{"ok": true}')
            return
        parts = [unquote(p) for p in path.split("/") if p]
        if len(parts) != 3 or parts[0] != "records":
            self._send(404, b'{"found": false}')
            return
        resource, subject = parts[1], parts[2]
        if subject in SPEC.get("slow", []):
            time.sleep(2.0)
        if subject in SPEC.get("garbage", []):
            self._send(200, b"<html>maintenance</html>", "text/html")
            return
        if subject in SPEC.get("flaky", []):
            with LOCK:
                first = subject not in SEEN
                SEEN.add(subject)
            if first:
                self._send(503, b'{"error": "busy"}')
                return
        record = SPEC.get("records", {}).get(f"{resource}/{subject}")
        if record is None:
            self._send(404, b'{"found": false}')
            return
        body = {"found": True, "data": record, "updated_at": "2026-12-01T08:00:00+08:00"}
        self._send(200, json.dumps(body, ensure_ascii=False).encode())


def main() -> None:
    port, spec = int(sys.argv[1]), sys.argv[2]
    with open(spec, encoding="utf-8") as handle:
        SPEC.update(json.load(handle))
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
