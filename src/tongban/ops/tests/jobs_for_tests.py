"""A job for the engine's tests: units written once each, and a first attempt that stops halfway.

Loaded by a worker through ``TONGBAN_JOB_MODULES``. Each unit is an audit event on its own stream,
written in its own transaction only if it is not there yet (the pattern every job follows).
On its first attempt the job stops after ``hold_after`` units and waits for ever (the test kills
its worker there); on a later attempt it goes through.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction

from tongban.core import audit, jobs
from tongban.core.models import AuditEvent

STREAM = "ops-test:ledger"


@jobs.job("ops.test_ledger", description="test job: write units once each; the first attempt stops halfway")
def ledger_job(*, units: int, hold_after: int, holding_file: str) -> dict[str, int]:
    written = 0
    for unit in range(units):
        if unit == hold_after and jobs.current_attempt() == 1:
            Path(holding_file).write_text(str(unit))
            while True:  # until the test kills this worker
                time.sleep(0.05)
        with transaction.atomic():
            if AuditEvent.objects.filter(stream=STREAM, object_id=str(unit)).exists():
                continue
            audit.record(stream=STREAM, action="ops.test_unit", object_type="unit", object_id=unit)
            written += 1
    return {"written": written, "attempt": jobs.current_attempt()}


@jobs.job("ops.test_fails", description="test job: always fails")
def failing_job() -> None:
    raise RuntimeError("this job always fails")
