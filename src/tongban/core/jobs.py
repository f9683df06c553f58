"""Background jobs: the seam through which every app declares its jobs (ADR 0020).

An app declares a job where its code lives, in its ``tasks.py`` (found by ``tongban.ops`` at start-up,
as the admin finds ``admin.py``), without importing the engine::

    from tongban.core import jobs

    @jobs.periodic("cases.tick", every=dt.timedelta(hours=1), description="容缺 reminders and expiry …")
    def cases_tick_job() -> dict[str, int]: ...

    @jobs.job("federation.deliver", description="deliver the outbox")
    def deliver_job(*, region: str = "") -> dict[str, int]: ...

    jobs.enqueue("federation.deliver", unique=True)   # after the caller's transaction commits

The engine (django-q2 on the database or Redis, run by ``tongban jobs worker``, see ``tongban.ops``)
installs itself with ``install_engine`` and runs a job by its name. A job takes keyword arguments
with JSON values and returns a JSON value (its result, kept for the operator).

Every job must be idempotent: an attempt killed halfway (a worker that died, a machine that went away)
is run again from the start, so a job does its work in units, each in its own transaction that checks
whether the unit is already done (the case already terminated, the message already received…).
``current_attempt()`` tells a running job which attempt it is (1 for the first).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class JobSpec:
    """A declared job: its stable name, the dotted path of its function, and its period if it has one."""

    name: str
    path: str
    description: str
    every: dt.timedelta | None = None

    @property
    def period_minutes(self) -> int | None:
        return None if self.every is None else max(1, int(self.every.total_seconds() // 60))


class Engine(Protocol):
    def enqueue(self, spec: JobSpec, kwargs: dict[str, Any], *, unique: bool) -> str | None:
        """Queue a run of ``spec`` once the current transaction commits; the job's id, or None if
        ``unique`` and a run of it is already waiting."""
        ...


_JOBS: dict[str, JobSpec] = {}
_ENGINE: list[Engine] = []
_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar("tongban_job_attempt", default=0)


def _register(name: str, func: Callable[..., Any], description: str, every: dt.timedelta | None) -> None:
    if not NAME.match(name):
        raise ValueError(f"job names are dotted lower-case words: {name!r}")
    if every is not None and every < dt.timedelta(minutes=1):
        raise ValueError("a periodic job runs at most once a minute")
    spec = JobSpec(name=name, path=f"{func.__module__}.{func.__qualname__}", description=description, every=every)
    known = _JOBS.get(name)
    if known is not None and known.path != spec.path:
        raise ValueError(f"job {name!r} is already declared by {known.path}")
    _JOBS[name] = spec


def job(name: str, *, description: str) -> Callable[[F], F]:
    """Declare a job that runs when something queues it (``enqueue``)."""

    def decorate(func: F) -> F:
        _register(name, func, description, None)
        return func

    return decorate


def periodic(name: str, *, every: dt.timedelta, description: str) -> Callable[[F], F]:
    """Declare a job the scheduler runs every ``every`` (at least a minute); it can be queued as well."""

    def decorate(func: F) -> F:
        _register(name, func, description, every)
        return func

    return decorate


def get(name: str) -> JobSpec:
    try:
        return _JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}") from None


def declared() -> list[JobSpec]:
    return sorted(_JOBS.values(), key=lambda s: s.name)


def periodic_jobs() -> list[JobSpec]:
    return [s for s in declared() if s.every is not None]


def install_engine(engine: Engine) -> None:
    _ENGINE[:] = [engine]


def enqueue(name: str, /, *, unique: bool = False, **kwargs: Any) -> str | None:
    """Queue job ``name`` with ``kwargs``; it is handed to the workers after the current transaction
    commits (nothing if it rolls back). With ``unique``, nothing is queued while a run of the job
    waits to start. Returns the job's id, or None."""
    if not _ENGINE:
        raise RuntimeError("no job engine is installed (is tongban.ops in INSTALLED_APPS?)")
    return _ENGINE[0].enqueue(get(name), kwargs, unique=unique)


def current_attempt() -> int:
    """The attempt of the job running in this context (1 for the first, 0 outside a job)."""
    return _ATTEMPT.get()


@contextmanager
def attempt(number: int) -> Iterator[None]:
    """For the engine: mark the code run inside as attempt ``number`` of a job."""
    token = _ATTEMPT.set(number)
    try:
        yield
    finally:
        _ATTEMPT.reset(token)
