"""Background tasks of cases (Django Tasks API): the daily tick."""

from __future__ import annotations

from django_tasks import task

from tongban.cases.services import cases_tick
from tongban.core.context import RequestContext, bound


@task()
def cases_tick_task() -> dict[str, int]:
    with bound(RequestContext(source="task")):
        report = cases_tick()
    return {
        "reminded": len(report.reminded),
        "terminated": len(report.terminated),
        "recomputed": len(report.recomputed),
    }
