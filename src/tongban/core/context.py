"""Who is acting and from where, for audit events, carried per request in a context variable."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    source: str  # client address, or "cli" / "task" / "federation"
    user_agent: str = ""
    request_id: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("tongban_request", default=None)


def current() -> RequestContext:
    return _current.get() or RequestContext(source="internal")


def request_context() -> RequestContext | None:
    """The context bound for the request being served, or None outside a request (one object per
    request: a key for what may be remembered for the length of one request only)."""
    return _current.get()


@contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
