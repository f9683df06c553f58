"""Statuses of the job record that operators read (``tongban jobs``, the admin)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    RETRYING = "retrying", _("failed, will be retried")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


# Statuses a job can still leave (the engine runs it again if its worker dies).
OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
