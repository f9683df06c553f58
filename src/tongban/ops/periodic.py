"""Periodic jobs that belong to no single app: removing stored files no row refers to any more."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import models

from tongban.cases.uploads import sweep_orphans
from tongban.core import jobs

SWEEP_AGE_SECONDS = 3600


def referenced_files() -> set[str]:
    """Every file name a ``FileField`` of any model holds (cases' materials, forwarded cases' files…)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                names.update(
                    str(v)
                    for v in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                )
    return names


@jobs.periodic(
    "files.sweep_orphans",
    every=dt.timedelta(hours=1),
    description="remove stored material files older than an hour that no row refers to (a crash's leftovers)",
)
def sweep_orphans_job() -> dict[str, int]:
    removed = sweep_orphans(referenced=referenced_files(), older_than_seconds=SWEEP_AGE_SECONDS)
    return {"removed": len(removed)}


@jobs.job("ops.ping", description="does nothing: queue it to check that the workers take and finish jobs")
def ping_job() -> str:
    return "pong"
