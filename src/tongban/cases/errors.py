"""Errors of the case workflow (stable codes, Chinese messages through gettext)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import NotFound, PermissionDenied, ValidationFailed


class CaseNotFound(NotFound):
    default_code = "case_not_found"
    default_message = _("The case was not found.")


class NotYourCase(PermissionDenied):
    default_code = "case_forbidden"
    default_message = _("You may not act on this case.")


class ReasonRequired(ValidationFailed):
    default_code = "reason_required"
    default_message = _("Please give the reasons.")
