"""The record of every job run, for operators: what waits, runs, failed, was retried."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.ops.constants import JobStatus


class Job(models.Model):
    """One run of a declared job (``tongban.core.jobs``), kept across its attempts.

    A one-off job gets its row when it is queued; a periodic one when the scheduler's run of it is
    first picked up (``run_key`` names that run, so a second delivery of it finds the same row).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("job"), max_length=100)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    run_key = models.CharField(_("scheduled run"), max_length=150, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("last attempt started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    worker = models.CharField(_("worker (host:pid)"), max_length=120, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-queued_at"]
        indexes = [
            models.Index(fields=["status", "queued_at"], name="ops_job_status"),
            models.Index(fields=["name", "queued_at"], name="ops_job_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="ops_job_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.get_status_display()} ({self.id})"
