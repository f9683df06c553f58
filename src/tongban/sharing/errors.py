"""The refusals of data sharing, each with a stable code and a Chinese message (English msgids)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed


class SharingRefused(ApplicationError):
    """A read through the exchange was refused (logged in the access log before it is raised)."""

    status = 403
    default_code = "sharing_refused"
    default_message = _("The exchange refused this read.")


class ProviderUnavailable(ApplicationError):
    """The provider could not answer (down, timed out, garbage): the applicant may upload instead."""

    status = 503
    default_code = "provider_unavailable"
    default_message = _(
        "The department that holds this data cannot be reached right now. You may upload the document instead."
    )


def refused(code: str, message: Any, **details: Any) -> SharingRefused:
    return SharingRefused(message, code=code, details=details or None)


# ---------------------------------------------------------------- reads


def context_required() -> SharingRefused:
    return refused(
        "context_required", _("A read needs a context (a case, a ticket, a verification task or a benefit check).")
    )


def purpose_required() -> SharingRefused:
    return refused("purpose_required", _("A read needs a purpose."))


def unknown_context_kind(kind: str) -> SharingRefused:
    return refused("unknown_context_kind", _("This kind of context is not known to the exchange."), kind=kind)


def context_not_found() -> SharingRefused:
    return refused("context_not_found", _("The context of this read does not exist or is not yours."))


def subject_not_covered() -> SharingRefused:
    return refused("subject_not_covered", _("The context of this read does not concern this person or enterprise."))


def no_approval() -> SharingRefused:
    return refused("no_approval", _("Your department has no approval to read this resource."))


def approval_expired() -> SharingRefused:
    return refused("approval_expired", _("The approval to read this resource has expired."))


def approval_revoked() -> SharingRefused:
    return refused("approval_revoked", _("The approval to read this resource has been revoked."))


def purpose_not_approved(purpose: str) -> SharingRefused:
    return refused("purpose_not_approved", _("The approval does not cover this purpose."), purpose=purpose)


def fields_not_approved(fields: list[str]) -> SharingRefused:
    return refused("fields_not_approved", _("Some of the fields asked for are not approved."), fields=fields)


def not_a_member() -> SharingRefused:
    return refused("not_a_member", _("You do not work for the department that reads."))


def peer_refused(code: str, message: str) -> SharingRefused:
    return refused(
        "peer_refused",
        _("The other region's node refused the read: %(message)s") % {"message": message},
        peer_code=code,
    )


def subject_invalid() -> ValidationFailed:
    return ValidationFailed(
        _("The subject is not a valid ID number or unified social credit code."), code="subject_invalid"
    )


def resource_not_found() -> NotFound:
    return NotFound(_("No published data resource has this code."), code="resource_not_found")


def provider_unavailable(detail: str) -> ProviderUnavailable:
    return ProviderUnavailable(details={"detail": detail[:300]})


def provider_garbage(detail: str) -> ProviderUnavailable:
    return ProviderUnavailable(
        _(
            "The department that holds this data answered something the exchange cannot read. You may upload the document instead."
        ),
        code="provider_bad_answer",
        details={"detail": detail[:300]},
    )


def provider_timeout() -> ProviderUnavailable:
    return ProviderUnavailable(
        _("The department that holds this data did not answer in time. You may upload the document instead."),
        code="provider_timeout",
    )


# ---------------------------------------------------------------- catalog and requests


def not_data_admin() -> PermissionDenied:
    return PermissionDenied(_("Only a data administrator of this department may do this."), code="not_data_admin")


def not_region_data_admin() -> PermissionDenied:
    return PermissionDenied(
        _("Only the region's data administrator may decide a dispute."), code="not_region_data_admin"
    )


def resource_invalid(details: list[dict[str, str]]) -> ValidationFailed:
    return ValidationFailed(_("The data resource has invalid entries."), code="resource_invalid", details=details)


def request_invalid(details: list[dict[str, str]]) -> ValidationFailed:
    return ValidationFailed(_("The data request has invalid entries."), code="request_invalid", details=details)


def decision_invalid(details: list[dict[str, str]]) -> ValidationFailed:
    return ValidationFailed(_("The decision has invalid entries."), code="decision_invalid", details=details)


def reason_required() -> ValidationFailed:
    return ValidationFailed(_("Please give the reasons."), code="reason_required")


def draft_exists() -> Conflict:
    return Conflict(_("This resource already has a draft."), code="draft_exists")


def request_not_found() -> NotFound:
    return NotFound(_("No data request has this number."), code="request_not_found")


def receipt_not_found() -> NotFound:
    return NotFound(_("No data receipt has this number."), code="receipt_not_found")


def read_not_found() -> NotFound:
    return NotFound(_("This read is not in your data use record."), code="read_not_found")


def already_objected() -> Conflict:
    return Conflict(_("You have already objected to this read."), code="already_objected")


def objections_unavailable() -> ApplicationError:
    return ApplicationError(
        _("Objections cannot be taken right now; please call 12345."), code="objections_unavailable", status=503
    )


def consent_required() -> ValidationFailed:
    return ValidationFailed(_("Your consent is needed before the data is fetched."), code="consent_required")


def proof_not_found() -> NotFound:
    return NotFound(_("No proof in the register has this code."), code="proof_not_found")


def proof_not_commitment() -> Conflict:
    return Conflict(_("This proof is not handled by commitment."), code="proof_not_commitment")


def task_not_found() -> NotFound:
    return NotFound(_("No verification task has this number."), code="task_not_found")


def peer_unknown() -> ValidationFailed:
    return ValidationFailed(_("The peer region of this resource is not a known node."), code="peer_unknown")
