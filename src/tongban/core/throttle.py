"""Counting failed guesses in a shared cache, to stop guessing (check codes, …).

A guard names a *scope* (``hotline.track``) and the keys a guess is counted under (the ticket
number, the caller's address). Each failure adds one to every key's counter; once any counter has
reached the limit, the guard refuses — the right answer too — until the counter expires, ``window``
seconds after the first failure was counted. Counters live in the ``throttle`` cache
(``settings.CACHES``): the database by default, so every process of a node sees the same counts,
or Redis (``TONGBAN_THROTTLE_CACHE_URL``) where the node runs on many machines. Nothing is written
to the audit log or the database tables per guess, so a stranger cannot fill them.

On the database cache two failures counted at the same instant may be counted once (Django's
database cache increments by reading and writing); the limit is then exceeded by at most the number
of requests the node serves at once. Redis counts exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError

CACHE_ALIAS = "throttle"


class TooManyGuesses(ApplicationError):
    status = 429
    default_code = "too_many_attempts"
    default_message = _("Too many wrong attempts. Please wait a while and try again.")


@dataclass(frozen=True)
class Guard:
    """A limit of ``limit`` failures per key within ``window`` seconds, for one scope."""

    scope: str
    limit: int
    window: int

    def _cache(self) -> BaseCache:
        return caches[CACHE_ALIAS]

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
        return f"tb:throttle:{self.scope}:{digest}"

    def count(self, key: str) -> int:
        value = self._cache().get(self._key(key))
        return int(value) if isinstance(value, int) else 0

    def check(self, keys: Sequence[str]) -> None:
        """Raise ``TooManyGuesses`` if any key has used up its failures."""
        if any(self.count(key) >= self.limit for key in keys if key):
            raise TooManyGuesses()

    def fail(self, keys: Sequence[str]) -> None:
        """Count one failure under every key."""
        cache = self._cache()
        for key in keys:
            if not key:
                continue
            name = self._key(key)
            if cache.add(name, 1, timeout=self.window):
                continue
            try:
                cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=self.window)

    def clear(self, keys: Sequence[str]) -> None:
        cache = self._cache()
        for key in keys:
            cache.delete(self._key(key))
