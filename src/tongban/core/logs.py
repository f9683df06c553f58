"""Log filters: refusals of strangers are logged, but a stranger cannot fill the log.

Django logs every 4xx answer (``django.request``: "Not Found: /x", "Bad Request: …") and every
CSRF or size refusal (``django.security.*``) at WARNING, one line each: a client that sends a
million bad requests writes a million lines. ``RefusalLogThrottle`` lets through at most
``per_window`` such lines per client address and window (60 s) in each process, then one line
saying that further ones from that address are counted, and at the end of the window how many
were left out. Errors (5xx, ERROR and above) always pass. The counts are per process, like the
log stream they protect.
"""

from __future__ import annotations

import logging
import time

THROTTLED_LOGGERS = ("django.request", "django.security")
MAX_SOURCES = 10_000


class RefusalLogThrottle(logging.Filter):
    def __init__(self, per_window: int = 20, window_seconds: float = 60.0) -> None:
        super().__init__()
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.window_start = time.monotonic()
        self.counts: dict[str, int] = {}

    def _source(self, record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)
        meta = getattr(request, "META", None) or {}
        return str(meta.get("REMOTE_ADDR") or "unknown")

    def _roll(self) -> None:
        now = time.monotonic()
        if now - self.window_start < self.window_seconds:
            return
        left_out = {source: n - self.per_window for source, n in self.counts.items() if n > self.per_window}
        self.counts = {}
        self.window_start = now
        for source, n in sorted(left_out.items()):
            logging.getLogger("tongban.refusals").warning("%d more refusals from %s were not logged", n, source)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR or not record.name.startswith(THROTTLED_LOGGERS):
            return True
        self._roll()
        source = self._source(record)
        if source not in self.counts and len(self.counts) >= MAX_SOURCES:
            source = "other addresses"
        count = self.counts.get(source, 0) + 1
        self.counts[source] = count
        if count <= self.per_window:
            return True
        if count == self.per_window + 1:
            record.msg = "further refusals from %s are counted, not logged, for the rest of the minute"
            record.args = (source,)
            return True
        return False
