"""Refusals of the federation endpoints, counted per client address so that a stranger cannot fill
the message log or keep the node busy (``RefusalTally``).

Every refused message counts for its sender's address in the current window
(``TONGBAN_FEDERATION_REFUSAL_WINDOW_SECONDS``, 600 by default). The first
``TONGBAN_FEDERATION_REFUSALS_LOGGED`` (20) of a window are written to the message log with their
token; the rest are only counted (one warning when an address starts being counted). An address
with ``TONGBAN_FEDERATION_REFUSALS_MAX`` (200) refusals in the window is answered 429
``too_many_refusals`` before its request is read, until the window ends. A trusted peer's accepted
messages never count.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tongban.federation.models import RefusalTally

logger = logging.getLogger("tongban.federation")


def _window_seconds() -> int:
    return max(1, int(getattr(settings, "TONGBAN_FEDERATION_REFUSAL_WINDOW_SECONDS", 600)))


def logged_per_window() -> int:
    return int(getattr(settings, "TONGBAN_FEDERATION_REFUSALS_LOGGED", 20))


def max_per_window() -> int:
    return int(getattr(settings, "TONGBAN_FEDERATION_REFUSALS_MAX", 200))


def _window_start(now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    seconds = _window_seconds()
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _source(source: str) -> str:
    return (source or "unknown")[:64]


def over_limit(*, source: str) -> bool:
    """Whether ``source`` has had as many refusals in this window as are allowed (then answer 429)."""
    count = (
        RefusalTally.objects.filter(source=_source(source), window_start=_window_start())
        .values_list("count", flat=True)
        .first()
    )
    return count is not None and count >= max_per_window()


@dataclass(frozen=True)
class Allowance:
    """How many of the refusals just counted may be written to the message log in full."""

    log_in_full: int


@transaction.atomic
def count(*, source: str, refusals: int) -> Allowance:
    """Count ``refusals`` new refusals for ``source``; say how many of them to log in full."""
    if refusals <= 0:
        return Allowance(0)
    address, start = _source(source), _window_start()
    tally = RefusalTally.objects.select_for_update().filter(source=address, window_start=start).first()
    if tally is None:
        try:
            with transaction.atomic():
                tally = RefusalTally.objects.create(source=address, window_start=start)
        except IntegrityError:  # created meanwhile by another request of the same address
            tally = RefusalTally.objects.select_for_update().get(source=address, window_start=start)
    room = max(0, logged_per_window() - tally.logged)
    full = min(room, refusals)
    RefusalTally.objects.filter(pk=tally.pk).update(count=F("count") + refusals, logged=F("logged") + full)
    if refusals > full and tally.count == tally.logged:  # the first refusals of the window not logged
        logger.warning(
            "federation: further refusals from %s are counted, not logged, until %s",
            address,
            (start + dt.timedelta(seconds=_window_seconds())).isoformat(),
        )
    return Allowance(full)
