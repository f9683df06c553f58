"""Periodic jobs of cases (``tongban.core.jobs``; run by ``tongban jobs worker``, ADR 0020).

Both are idempotent: each case or task is handled in its own transaction that checks whether it is
still to do, so a run killed halfway and run again does nothing twice.
"""

from __future__ import annotations

import datetime as dt

from tongban.cases.services import cases_tick, verification_deadlines_tick
from tongban.core import jobs


@jobs.periodic(
    "cases.tick",
    every=dt.timedelta(hours=1),
    description="容缺 reminders (once a day per case), termination after the supplement deadline, "
    "provisional deadlines recomputed",
)
def cases_tick_job() -> dict[str, int]:
    report = cases_tick()
    return {
        "reminded": len(report.reminded),
        "terminated": len(report.terminated),
        "recomputed": len(report.recomputed),
    }


@jobs.periodic(
    "cases.verification_deadlines",
    every=dt.timedelta(hours=1),
    description="告知承诺 verifications past their due date: the department's reviewers told, once per task",
)
def verification_deadlines_job() -> dict[str, int]:
    return {"flagged": len(verification_deadlines_tick())}
