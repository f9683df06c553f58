"""A stranger's refusals cannot fill the log: Django's 4xx warnings are throttled per client address."""

from __future__ import annotations

import logging

from django.test import RequestFactory

from tongban.core.logs import RefusalLogThrottle


def _record(name: str, level: int, address: str) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, "Not Found: %s", ("/x",), None)
    record.request = RequestFactory().get("/x", REMOTE_ADDR=address)  # as Django sets it
    return record


def test_refusals_of_one_address_are_logged_up_to_the_allowance_then_summarised() -> None:
    throttle = RefusalLogThrottle(per_window=5, window_seconds=3600)
    passed = [throttle.filter(_record("django.request", logging.WARNING, "203.0.113.9")) for _ in range(1000)]
    # five lines, one saying that the rest is counted, and nothing more
    assert passed.count(True) == 6
    assert throttle.counts["203.0.113.9"] == 1000
    # another address and the server's own errors still get through
    assert throttle.filter(_record("django.request", logging.WARNING, "198.51.100.4"))
    assert throttle.filter(_record("django.request", logging.ERROR, "203.0.113.9"))
    assert throttle.filter(_record("tongban.cases", logging.WARNING, "203.0.113.9"))


def test_the_settings_put_the_throttle_on_the_console() -> None:
    from typing import Any

    from django.conf import settings

    config: dict[str, Any] = settings.LOGGING
    assert config["handlers"]["console"]["filters"] == ["refusals"]
    assert config["filters"]["refusals"]["()"] == "tongban.core.logs.RefusalLogThrottle"
