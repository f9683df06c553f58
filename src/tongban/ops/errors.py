"""Errors of the operations app, with stable codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError


class JobNotFailed(ApplicationError):
    status = 409
    default_code = "job_not_failed"
    default_message = _("Only a failed job can be queued again.")


class JobNotFound(ApplicationError):
    status = 404
    default_code = "job_not_found"
    default_message = _("No such job.")


class BackupError(ApplicationError):
    status = 400
    default_code = "backup_invalid"
    default_message = _("The backup cannot be read with this key.")
