"""Periodic job of the hotline (``tongban.core.jobs``; run by ``tongban jobs worker``, ADR 0020)."""

from __future__ import annotations

import datetime as dt

from tongban.core import jobs
from tongban.hotline.services import hotline_tick


@jobs.periodic(
    "hotline.tick",
    every=dt.timedelta(minutes=5),
    description="tickets past their time limit still with a department go to 督办 (each once: idempotent)",
)
def hotline_tick_job() -> dict[str, int]:
    return {"supervised": len(hotline_tick().supervised)}
