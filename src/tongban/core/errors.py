"""One error type for business rules, with stable codes.

Services raise an ``ApplicationError`` subclass; the API turns it into
``{"code": ..., "message": ...}`` with the error's HTTP status, and the UI shows
``message`` (translated, Chinese by default). Codes never change once published.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A business rule refused the request."""

    status: int = 400
    default_code: str = "invalid_request"
    default_message: str | Promise = _("The request is invalid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | list[Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message if message is not None else self.default_message
        self.details = details
        if status is not None:
            self.status = status
        super().__init__(f"{self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(ApplicationError):
    status = 422
    default_code = "validation_error"
    default_message = _("Some fields are invalid.")


class NotFound(ApplicationError):
    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class NotAuthenticated(ApplicationError):
    status = 401
    default_code = "not_authenticated"
    default_message = _("Please log in first.")


class PermissionDenied(ApplicationError):
    status = 403
    default_code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class Conflict(ApplicationError):
    status = 409
    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")


class InvalidTransition(Conflict):
    default_code = "invalid_transition"
    default_message = _("This action is not allowed in the current state.")
